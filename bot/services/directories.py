"""Import, export and templates of the four directories (两库一单 and the expert pool).

All or nothing: a sheet is read and checked whole before anything is written; one bad row
means nothing is written and every problem is reported with its row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.collector import collector_paused
from spotcheck.regions import CityRegions
from storage import excel
from storage.cells import Located
from storage.directory_store import apply_changes, current_rows, plan_changes
from storage.excel import SheetProblem, SheetRejected
from storage.sheets import ParsedSheet, SheetSpec, export_row, parse_rows, sheet_spec


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    sheet_problems: list[SheetProblem] = field(default_factory=list)
    problems: list[Located] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    @property
    def refused(self) -> bool:
        return bool(self.sheet_problems or self.problems)


async def import_directory(
    sessions: async_sessionmaker[AsyncSession],
    regions: CityRegions,
    kind: str,
    path: Path,
    *,
    actor: str,
    max_bytes: int,
    dry_run: bool = False,
    deactivate_missing: bool = False,
) -> ImportReport:
    report = ImportReport(kind, dry_run)
    spec = sheet_spec(kind, regions)
    with collector_paused():
        try:
            parsed = _read_sheet(spec, path, max_bytes)
        except SheetRejected as rejected:
            report.sheet_problems = rejected.problems
            return report
        if parsed.problems:
            report.problems = parsed.problems
            return report
        async with sessions() as session, session.begin():
            change = await plan_changes(session, spec, parsed.rows, deactivate_missing)
            report.added, report.updated = len(change.added), len(change.updated)
            report.unchanged, report.deactivated = change.unchanged, len(change.deactivated)
            if dry_run:
                await session.rollback()
            else:
                await apply_changes(session, spec, change, actor)
    return report


def _read_sheet(spec: SheetSpec, path: Path, max_bytes: int) -> ParsedSheet:
    sheet = excel.open_sheet(
        path, spec.required_headers, spec.headers, max_bytes, with_cells=spec.needs_formats
    )
    try:
        return parse_rows(spec, sheet.positions, sheet.rows)
    finally:
        sheet.close()


async def export_directory(
    sessions: async_sessionmaker[AsyncSession], regions: CityRegions, kind: str, path: Path
) -> int:
    """Write the active rows in the import format; re-importing the file changes nothing."""
    spec = sheet_spec(kind, regions)
    async with sessions() as session:
        rows = [values for _, active, values in await current_rows(session, spec) if active]
    excel.write_sheet(
        path,
        spec.title,
        spec.headers,
        (export_row(spec, values, regions) for values in rows),
        text_columns=spec.text_headers,
        required=spec.required_headers,
    )
    return len(rows)


def write_template(regions: CityRegions, kind: str, path: Path) -> None:
    spec = sheet_spec(kind, regions)
    excel.write_sheet(
        path,
        spec.title,
        spec.headers,
        [],
        text_columns=spec.text_headers,
        required=spec.required_headers,
    )


def write_error_copy(
    source: Path,
    destination: Path,
    title: str,
    column: str,
    notes: dict[int, list[str]],
    max_bytes: int,
) -> None:
    """A copy of the first sheet with one more column holding each row's problems."""
    rows = excel.read_values(source, max_bytes)
    width = max((len(r) for r in rows), default=0)
    header = [*rows[0], *([None] * (width - len(rows[0])))] if rows else []
    body = (
        [*row, *([None] * (width - len(row))), "；".join(notes.get(number, []))]
        for number, row in enumerate(rows[1:], start=2)
    )
    excel.write_sheet(destination, title, [str(h or "") for h in header] + [column], body)
