"""The statistics workbook of a quarter — 统计表 (with 合计), 比例核查, 区县完成率 (with its bar
chart) and, for the whole city, 稽查考核 — for `shuangsuiji report` and `/export`. Its numbers
are ``quarter_statistics``'s, labelled from the catalogue, written by storage.statistics_sheet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from bot.context import AppContext
from bot.services.evaluation import quarter_evaluation
from bot.services.identity import Person
from bot.services.problems import ServiceProblem
from bot.services.statistics import quarter_statistics
from bot.texts import Texts
from spotcheck.deadlines import Quarter
from spotcheck.evaluation import Evaluation
from spotcheck.quota import Level
from spotcheck.regions import CityRegions
from spotcheck.roles import Role, may_export
from spotcheck.statistics import (
    QuarterStatistics,
    Rule,
    StatisticsRow,
    reported_quarter,
    share,
    total,
)
from storage.statistics_sheet import (
    CHECK_HEADERS,
    CHECKS_TITLE,
    COMPLETION_HEADERS,
    COMPLETION_TITLE,
    EVALUATION_HEADERS,
    EVALUATION_TITLE,
    TABLE_HEADERS,
    TABLE_TITLE,
    BarSpec,
    SheetTable,
    Value,
    tally_cells,
    workbook_bytes,
)


class ExportProblem(ServiceProblem):
    """/export refused: not an admin, another county's table, an argument not understood."""


@dataclass(frozen=True)
class Report:
    quarter: str
    region: str | None  # None: the whole city
    scope: str  # the city's or the county's name
    file_name: str
    data: bytes


async def build_report(ctx: AppContext, quarter: str, region: str | None, today: date) -> Report:
    """The workbook of ``quarter`` for the city (``region`` None, with the evaluation as of
    ``today``) or one county."""
    async with ctx.sessions() as session:
        table = await quarter_statistics(ctx, session, quarter, region)
    evaluations = None if region is not None else await quarter_evaluation(ctx, table, today)
    texts, regions = ctx.texts, ctx.config.regions
    sheets = [
        _table_sheet(texts, regions, table),
        _checks_sheet(texts, regions, table),
        _completion_sheet(texts, regions, table),
    ]
    if evaluations is not None:
        sheets.append(_evaluation_sheet(ctx, evaluations, today))
    data = await asyncio.to_thread(workbook_bytes, sheets)  # openpyxl off the event loop
    scope = regions.name if region is None else texts.region_name(regions, region)
    return Report(quarter, region, scope, texts.report_file_name(quarter, scope), data)


async def export_for(ctx: AppContext, person: Person, args: list[str], today: date) -> Report:
    """/export [QUARTER] [COUNTY], in either order: a city admin gets the city's workbook or a
    county's; a county admin his own county's. The quarter defaults to ``reported_quarter``."""
    if person.role not in (Role.ADMIN, Role.COUNTY_ADMIN):
        raise ExportProblem("not_admin")
    quarter = reported_quarter(today, ctx.config.calendar.workdays())
    region = None if person.role is Role.ADMIN else person.region
    for word in args:
        try:
            quarter = Quarter.parse(word)
            continue
        except ValueError:
            pass
        county = _county(ctx.config.regions, word)
        if county is None:
            raise ExportProblem("unknown", detail=word)
        region = county
    if not may_export(person.role, person.region, region):
        raise ExportProblem("other_county")
    return await build_report(ctx, str(quarter), region, today)


def _county(regions: CityRegions, word: str) -> str | None:
    """A county by its code or its name (竞秀区, 竞秀)."""
    if regions.is_county(word):
        return word
    found = [code for code in regions.counties if regions.name_matches(code, word)]
    return found[0] if len(found) == 1 else None


def _where(texts: Texts, regions: CityRegions, level: Level | None, region: str | None) -> str:
    if level is Level.CITY:
        return texts.statistics_city_row()
    return texts.region_name(regions, region)


def _table_sheet(texts: Texts, regions: CityRegions, table: QuarterStatistics) -> SheetTable:
    rows = [
        (
            _where(texts, regions, r.level, r.region),
            texts.class_short(r.supervision_class.value),
            *tally_cells(r.tally),
        )
        for r in table.rows
    ]
    return SheetTable(
        TABLE_TITLE,
        TABLE_HEADERS,
        rows,
        percent=frozenset({"完成率"}),
        total=(texts.statistics_total_row(), "", *tally_cells(table.totals)),
    )


def _checks_sheet(texts: Texts, regions: CityRegions, table: QuarterStatistics) -> SheetTable:
    rows: list[tuple[Value, ...]] = []
    for check in table.checks:
        if check.rule is Rule.QUOTA:
            where = _where(texts, regions, check.level, check.region)
            cls = texts.class_short(check.supervision_class)
        else:
            where, cls = texts.statistics_scope(regions, table.region), ""
        rows.append(
            (
                texts.ratio_rule(check.rule),
                where,
                cls,
                check.part,
                check.whole,
                check.ratio,
                check.threshold,
                texts.ratio_met(check.met),
            )
        )
    return SheetTable(CHECKS_TITLE, CHECK_HEADERS, rows, percent=frozenset({"比例", "要求"}))


def _county_rows(table: QuarterStatistics) -> dict[str, list[StatisticsRow]]:
    counties: dict[str, list[StatisticsRow]] = {}
    for row in table.rows:
        if row.level is Level.COUNTY and row.region is not None:
            counties.setdefault(row.region, []).append(row)
    return counties


def _completion_sheet(texts: Texts, regions: CityRegions, table: QuarterStatistics) -> SheetTable:
    """Each county's county-level rows added: what the bar chart shows."""
    rows = []
    for county, county_rows in _county_rows(table).items():
        summed = total(r.tally for r in county_rows)
        rows.append(
            (texts.region_name(regions, county), summed.minimum, summed.passed, summed.completion)
        )
    title, axis = texts.completion_chart(table.quarter)
    return SheetTable(
        COMPLETION_TITLE,
        COMPLETION_HEADERS,
        rows,
        percent=frozenset({"完成率"}),
        chart=BarSpec("完成率", title, axis),
    )


def _evaluation_sheet(ctx: AppContext, evaluations: list[Evaluation], today: date) -> SheetTable:
    texts, regions = ctx.texts, ctx.config.regions
    rows = []
    for found in evaluations:
        r, t = found.record, found.record.tally
        rows.append(
            (
                texts.region_name(regions, r.county),
                *(texts.report_status(s) for s in r.reports),
                t.minimum,
                t.passed,
                t.completion,
                t.drawn,
                t.joint,
                share(t.joint, t.drawn),
                t.credit_based,
                share(t.credit_based, t.drawn),
                r.returned.whole,
                r.returned.part,
                r.without_photo.whole,
                r.without_photo.part,
                r.overdue.whole,
                r.overdue.part,
                r.published_late.whole,
                r.published_late.part,
                found.score,
            )
        )
    return SheetTable(
        EVALUATION_TITLE,
        EVALUATION_HEADERS,
        rows,
        percent=frozenset({"完成率", "联合占比", "信用占比"}),
        scores=frozenset({"得分"}),
        notes=texts.evaluation_notes(ctx.config.evaluation.weights, today),
    )
