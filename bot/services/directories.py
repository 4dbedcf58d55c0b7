"""Import, export and templates of the four directories (两库一单 and the expert pool).

All or nothing: a sheet is read and checked whole before anything is written; one bad row
means nothing is written and every problem is reported with its row and column.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.collector import collector_paused
from bot.services.progress import Progress
from bot.texts import Texts, texts_for
from spotcheck.regions import CityRegions
from spotcheck.roles import Role, may_write_person
from storage import excel, violation_store
from storage.cells import CellProblem, Located
from storage.directory_store import DirectoryChange, apply_changes, current_rows, plan_changes
from storage.excel import SheetProblem, SheetRejected
from storage.sheets import (
    KINDS,
    LAST_CHECKED_FIELD,
    LAST_VIOLATION_FIELD,
    ParsedSheet,
    SheetSpec,
    export_row,
    parse_rows,
    sheet_spec,
)

# Progress is told in rows; an import tells it from the worker thread that reads the sheet.
PROGRESS_ROWS = 500  # how often, in rows


@dataclass(frozen=True)
class MassDeactivation:
    """An import refused for deactivating more than ``limit`` of the ``active`` rows."""

    would_deactivate: int
    active: int
    limit: Fraction


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
    too_many_deactivated: MassDeactivation | None = None  # then nothing is written

    @property
    def refused(self) -> bool:
        return bool(self.sheet_problems or self.problems or self.too_many_deactivated)


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
    deactivate_at_most: Fraction | None = None,
    county: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """``deactivate_at_most``: the share of the active rows ``deactivate_missing`` may
    deactivate (a header-only sheet must not empty the directory); None for no limit. With
    ``county`` (a county admin's import) every row must be of that county, before and after,
    and only inspectors and team leads may be written (spotcheck.roles.may_write_person); such
    rows are refused like any bad row."""
    report = ImportReport(kind, dry_run)
    spec = sheet_spec(kind, regions)
    with collector_paused():
        try:
            # In a worker thread: the bot keeps answering (and editing the progress message)
            # while a large sheet is read and checked.
            parsed = await asyncio.to_thread(_read_sheet, spec, path, max_bytes, progress)
        except SheetRejected as rejected:
            report.sheet_problems = rejected.problems
            return report
        if parsed.problems and county is None:
            report.problems = parsed.problems
            return report
        async with sessions() as session, session.begin():
            change = await plan_changes(session, spec, parsed.rows, deactivate_missing)
            if county is not None:
                # The good rows are planned too, so that every problem is told at once.
                found = _outside_county(parsed, county)
                found += _moved_from_other_county(spec, change, parsed, county)
                found += _not_his_people(spec, change, parsed)
                if parsed.problems or found:
                    report.problems = sorted(parsed.problems + found, key=lambda p: p.row)
                    return report
                # An admin's row missing from his sheet is not his to deactivate: it is kept.
                change.deactivated = [
                    (i, old)
                    for i, old in change.deactivated
                    if old.get("region_code") == county and _his_to_write(old)
                ]
            report.added, report.updated = len(change.added), len(change.updated)
            report.unchanged, report.deactivated = change.unchanged, len(change.deactivated)
            if (
                deactivate_at_most is not None
                and report.deactivated > deactivate_at_most * change.active_before
            ):
                report.too_many_deactivated = MassDeactivation(
                    report.deactivated, change.active_before, deactivate_at_most
                )
            if dry_run or report.refused:
                await session.rollback()
            else:
                await apply_changes(session, spec, change, actor)
    return report


def _read_sheet(
    spec: SheetSpec, path: Path, max_bytes: int, progress: Progress | None
) -> ParsedSheet:
    sheet = excel.open_sheet(
        path, spec.required_headers, spec.headers, max_bytes, with_cells=spec.needs_formats
    )
    try:
        rows = sheet.rows
        if progress is not None:
            total = max((sheet.workbook.worksheets[0].max_row or 1) - 1, 0)
            rows = _told(rows, total, progress)
        return parse_rows(spec, sheet.positions, rows)
    finally:
        sheet.close()


def _told(rows: Iterator[Any], total: int, progress: Progress) -> Iterator[Any]:
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_ROWS == 0:
            progress(done, total)
        yield row
    progress(done, max(total, done))


def _outside_county(parsed: ParsedSheet, county: str) -> list[Located]:
    """A county admin's rows: his county's only."""
    found = []
    for key, values in parsed.rows.items():
        region = values.get("region_code")
        if region is not None and region != county:
            row = parsed.row_numbers[key]
            found.append(Located(row, "行政区划代码", CellProblem.OTHER_COUNTY, region, region))
    return found


def _not_his_people(spec: SheetSpec, change: DirectoryChange, parsed: ParsedSheet) -> list[Located]:
    """A county admin's people: he makes nobody an admin, and changes no admin's row (a peer
    county admin's or the city's), whatever the new role; rows left unchanged are no matter."""
    found = []
    for old, new in [(None, new) for new in change.added] + [(o, n) for _, o, n in change.updated]:
        row = parsed.row_numbers[spec.key_of(new)]
        if old is not None and not _his_to_write(old):
            label = Role(old["role"]).label
            found.append(Located(row, "角色", CellProblem.PROTECTED_ROW, label, label))
        elif not _his_to_write(new):
            label = Role(new["role"]).label
            found.append(Located(row, "角色", CellProblem.ROLE_NOT_ALLOWED, label, label))
    return found


def _his_to_write(values: dict[str, Any]) -> bool:
    """Whether a county admin may write this row (a person of an inspecting role, or no person)."""
    role = values.get("role")
    return role is None or may_write_person(Role.COUNTY_ADMIN, Role(role))


def _moved_from_other_county(
    spec: SheetSpec, change: DirectoryChange, parsed: ParsedSheet, county: str
) -> list[Located]:
    """A row already in the directory under another county is not his to change (nor to move
    into his county)."""
    return [
        Located(
            parsed.row_numbers[spec.key_of(new)],
            "行政区划代码",
            CellProblem.OTHER_COUNTYS_ROW,
            str(old.get("region_code")),
            str(new.get("region_code")),
        )
        for _, old, new in change.updated
        if old.get("region_code") != county
    ]


def detect_kind(regions: CityRegions, path: Path, max_bytes: int) -> list[str]:
    """The directories whose required headers the sheet's header row has, all of them (the
    same container checks as an import: SheetRejected for what is no sheet)."""
    specs = [sheet_spec(kind, regions) for kind in KINDS]
    sheet = excel.open_sheet(path, (), sorted({h for s in specs for h in s.headers}), max_bytes)
    sheet.close()
    return [s.kind for s in specs if all(h in sheet.positions for h in s.required_headers)]


def report_lines(texts: Texts, report: ImportReport, limit: int | None = None) -> list[str]:
    """The import's outcome as the command line prints it and the chat shows it; in chat the
    problems beyond ``limit`` are left to the error copy."""
    mass = report.too_many_deactivated
    if mass is not None:
        share = texts.percent(mass.limit)
        return [texts.too_many_deactivated(report.kind, mass.would_deactivate, mass.active, share)]
    if not report.refused:
        done = texts.import_done(
            report.kind,
            report.dry_run,
            report.added,
            report.updated,
            report.unchanged,
            report.deactivated,
        )
        return [done]
    found = [texts.sheet_problem(p) for p in report.sheet_problems]
    found += [texts.cell_problem(p) for p in report.problems]
    lines = [texts.import_refused(report.kind, len(found))]
    lines += ["  " + line for line in found[:limit]]
    if limit is not None and len(found) > limit:
        lines.append(texts.import_more_problems(len(found) - limit))
    return lines


def notes_by_row(
    problems: list[Located], describe: Callable[[Located], str]
) -> dict[int, list[str]]:
    """Each refused row's problems, for the 错误 column of the error copy."""
    notes: dict[int, list[str]] = {}
    for found in problems:
        notes.setdefault(found.row, []).append(describe(found))
    return notes


async def export_directory(
    sessions: async_sessionmaker[AsyncSession],
    regions: CityRegions,
    kind: str,
    path: Path,
    progress: Progress | None = None,
) -> int:
    """Write the active rows in the import format; re-importing the file changes nothing."""
    spec = sheet_spec(kind, regions)
    async with sessions() as session:
        rows = [values for _, active, values in await current_rows(session, spec) if active]
        if kind == "targets":
            await _with_record(session, rows)
    written = (export_row(spec, values, regions) for values in rows)
    excel.write_sheet(
        path,
        spec.title,
        spec.headers,
        written if progress is None else _told(written, len(rows), progress),
        text_columns=spec.text_headers,
        required=spec.required_headers,
    )
    return len(rows)


async def _with_record(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Each target's 最近检查日期 (its latest passed on-site check) and 最近发现问题 (the latest
    violation: its day and category, e.g. "2026-11-03 发现问题已责令改正"), in place."""
    checked = await violation_store.last_checked(session)
    violations = await violation_store.latest_violations(session)
    texts = texts_for(None)  # the sheets are Chinese, whoever exports them
    for values in rows:
        code = values["credit_code"]
        day = checked.get(code)
        values[LAST_CHECKED_FIELD] = day.isoformat() if day else None
        found = violations.get(code)
        values[LAST_VIOLATION_FIELD] = (
            None
            if found is None
            else f"{found.checked_on.isoformat()} {texts.category_name(found.category)}"
        )


def write_template(regions: CityRegions, kind: str, path: Path) -> None:
    spec = sheet_spec(kind, regions)
    excel.write_sheet(
        path,
        spec.title,
        spec.template_headers,
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
