"""Reading and writing .xlsx files safely: one-sheet directories, and workbooks of sheets.

A workbook is opened only after its zip container has been checked: size limit, the right
magic bytes (an old .xls or a CSV renamed .xlsx is named as such), no zip bomb and no DOCTYPE
(storage.safe_zip inflates every member once, counting real bytes). openpyxl then reads the
checked bytes held in memory, never the file again. Formulas are never evaluated: openpyxl's
data_only mode returns the value Excel cached when it last saved the file.
"""

from __future__ import annotations

import difflib
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder

from storage.cells import EXCEL_ERRORS
from storage.safe_zip import UnsafeZip, ZipProblem, checked_zip

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


class SheetProblemKind(StrEnum):
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"
    OLD_XLS = "old_xls"
    NOT_XLSX = "not_xlsx"
    CORRUPT = "corrupt"
    ZIP_BOMB = "zip_bomb"
    DOCTYPE = "doctype"  # XML declaring entities (storage.xml_prolog)
    EMPTY = "empty"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"


@dataclass(frozen=True)
class SheetProblem:
    kind: SheetProblemKind
    detail: str = ""
    suggestion: str = ""


class SheetRejected(Exception):
    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        super().__init__(", ".join(p.kind for p in problems))
        self.problems = list(problems)


def check_container(path: Path, max_bytes: int) -> bytes:
    """Refuse anything that is not a plausible, bounded .xlsx before openpyxl sees it; return
    the file's bytes, checked, for openpyxl to read."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:  # no more than the limit: the file may grow meanwhile
            data = handle.read(max_bytes + 1) if size <= max_bytes else b""
    except OSError:
        raise SheetRejected([SheetProblem(SheetProblemKind.NOT_FOUND, str(path))]) from None
    if size > max_bytes or len(data) > max_bytes:
        size = max(size, len(data))
        raise SheetRejected([SheetProblem(SheetProblemKind.TOO_LARGE, f"{size}/{max_bytes}")])
    if data.startswith(_OLE_MAGIC):
        raise SheetRejected([SheetProblem(SheetProblemKind.OLD_XLS)])
    if not data.startswith(_ZIP_MAGIC):
        raise SheetRejected([SheetProblem(SheetProblemKind.NOT_XLSX)])
    try:
        with checked_zip(data, max_bytes) as archive:
            names = set(archive.namelist())
    except UnsafeZip as unsafe:
        raise SheetRejected([SheetProblem(_ZIP_PROBLEMS[unsafe.problem])]) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SheetRejected([SheetProblem(SheetProblemKind.NOT_XLSX)])
    return data


_ZIP_PROBLEMS = {
    ZipProblem.CORRUPT: SheetProblemKind.CORRUPT,
    ZipProblem.BOMB: SheetProblemKind.ZIP_BOMB,
    ZipProblem.DOCTYPE: SheetProblemKind.DOCTYPE,
}


def normalise_header(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split()) if text is not None else ""


@dataclass
class OpenedSheet:
    """The header positions and a stream of (row number, values) for the data rows."""

    positions: dict[str, int]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    workbook: Any

    def close(self) -> None:
        self.workbook.close()


def open_sheet(
    path: Path,
    required: Sequence[str],
    known: Sequence[str],
    max_bytes: int,
    with_cells: bool = False,
) -> OpenedSheet:
    """Open the first sheet, map its header row, and stream the rows after it.

    with_cells streams openpyxl cells instead of values, for sheets whose number formats
    matter (a certificate number Excel stored as a number with a zero-padding format).
    """
    data = check_container(path, max_bytes)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # Cells or their values, as with_cells asks: OpenedSheet.rows holds either.
        stream: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=not with_cells)
        header = next(stream, None)
    except SheetRejected:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same here
        raise SheetRejected([SheetProblem(SheetProblemKind.CORRUPT)]) from None
    if header is None:
        workbook.close()
        raise SheetRejected([SheetProblem(SheetProblemKind.EMPTY)])
    names = [normalise_header(c.value if with_cells else c) for c in header]
    positions: dict[str, int] = {}
    problems: list[SheetProblem] = []
    for index, name in enumerate(names):
        if name in known and name in positions:
            problems.append(SheetProblem(SheetProblemKind.DUPLICATE_COLUMN, name))
        positions.setdefault(name, index)
    unknown = [n for n in names if n and n not in known]
    for column in required:
        if column not in positions:
            close = difflib.get_close_matches(column, unknown, n=1, cutoff=0.5)
            problems.append(
                SheetProblem(SheetProblemKind.MISSING_COLUMN, column, close[0] if close else "")
            )
    if problems:
        workbook.close()
        raise SheetRejected(problems)
    return OpenedSheet(positions, _numbered(stream), workbook)


def _numbered(stream: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        yield from enumerate(stream, start=2)
    except SheetRejected:
        raise
    except Exception:
        raise SheetRejected([SheetProblem(SheetProblemKind.CORRUPT, "rows")]) from None


def read_values(path: Path, max_bytes: int) -> list[tuple[Any, ...]]:
    """Every row's values of the first sheet (for small sheets: error copies, tests)."""
    data = check_container(path, max_bytes)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def write_sheet(
    path: Path,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    text_columns: Sequence[str] = (),
    required: Sequence[str] = (),
) -> None:
    """Stream a one-sheet workbook (see SheetData)."""
    write_sheets(path, [SheetData(title, headers, rows, text_columns, required)])


@dataclass(frozen=True)
class SheetData:
    """One sheet to write. Text columns are formatted '@' so that Excel keeps codes as text (no
    1.3E+10, no lost leading zeros); required headers are shaded. With ``fit`` each column is
    as wide as its longest cell (up to 60 characters): the rows are read twice, so pass a list.
    A ``note`` is written below the rows, after a blank row, in the first column (not fitted).
    """

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    text_columns: Sequence[str] = ()
    required: Sequence[str] = ()
    fit: bool = False
    note: str = ""


def write_sheets(path: Path, sheets: Sequence[SheetData]) -> None:
    """Stream a workbook of these sheets, in order, each with a frozen header row."""
    workbook = openpyxl.Workbook(write_only=True)
    for data in sheets:
        _write(workbook.create_sheet(data.title), data)
    workbook.save(path)


def _write(sheet: WriteOnlyWorksheet, data: SheetData) -> None:
    headers = data.headers
    text = {headers.index(n) for n in data.text_columns if n in headers}
    # Worksheet._setup gives a write-only sheet its column_dimensions; typeshed's stub omits them.
    columns: DimensionHolder[str, ColumnDimension]
    columns = sheet.column_dimensions  # type: ignore[attr-defined]
    fitted = _fitted_widths(data) if data.fit else {}
    for index, name in enumerate(headers, start=1):
        column = columns[get_column_letter(index)]
        column.width = max(12, 2 * len(name) + 4, fitted.get(index - 1, 0))
        if index - 1 in text:
            # The column's own format: what users type below the rows (or into a blank
            # template) stays text too.
            column.number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, name, name in data.required) for name in headers])
    for row in data.rows:
        sheet.append(
            [
                _text_cell(sheet, value) if i in text or _not_literal(value) else value
                for i, value in enumerate(row)
            ]
        )
    if data.note:
        sheet.append([])
        sheet.append([_text_cell(sheet, data.note)])


def _fitted_widths(data: SheetData) -> dict[int, int]:
    widths: dict[int, int] = {}
    for row in data.rows:
        for i, value in enumerate(row):
            widths[i] = max(widths.get(i, 0), min(60, _display_width(value) + 2))
    return widths


def _display_width(value: Any) -> int:
    """Columns a value takes in Excel: a Chinese character is two, a date ten."""
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _not_literal(value: Any) -> bool:
    """A string openpyxl would write as a formula ('=…') or an error ('#N/A')."""
    return isinstance(value, str) and (value.startswith("=") or value in EXCEL_ERRORS)


def _header_cell(sheet: WriteOnlyWorksheet, name: str, required: bool) -> Cell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.font = Font(bold=True)
    if required:
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    return cell


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Cell:
    """A cell Excel keeps as text. A directory string is data, never a formula: '=1+1' as a
    company name or address must come back as written, and must not run in Excel."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "@"
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
