"""The quarter's statistics (统计表): the one function the Excel table, the digests and the
statistics reminder read, so that chat and Excel never disagree."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services.minimums import ClassMinimum, planned
from spotcheck.classes import SupervisionClass
from spotcheck.quota import CLASS_ORDER, Level, StratumKey, TaskKind
from spotcheck.statistics import (
    QuarterStatistics,
    StatisticsRow,
    Tally,
    differentiated,
    ordered,
    ratio_checks,
)
from storage import statistics_store
from storage.statistics_store import AssignmentTally

RowKey = tuple[Level, str | None, SupervisionClass]


async def quarter_statistics(
    ctx: AppContext, session: AsyncSession, quarter: str, region: str | None = None
) -> QuarterStatistics:
    """One row per county and class at county level (every configured county, or ``region``
    alone), then — for the whole city — one per class at city level; and the ratio checks."""
    counts = await statistics_store.population(session, region)
    tallies = await statistics_store.assignment_tallies(session, quarter, region)
    parameters = await statistics_store.record_parameters(session, {t.record_id for t in tallies})
    counties = {region} if region is not None else set(ctx.config.regions.counties)
    counties |= {c for c, _, _ in counts if c is not None}
    keys: list[RowKey] = [(Level.COUNTY, c, cls) for c in sorted(counties) for cls in CLASS_ORDER]
    if region is None:
        keys += [(Level.CITY, None, cls) for cls in CLASS_ORDER]
    plans = {level: planned(ctx, counts, level) for level in Level}
    rows = {key: _directory_part(counts, plans[key[0]], key) for key in keys}
    # A class already drawn keeps the 对象数 and 应抽数 its draw planned: the table is filed after
    # the quarter, when next quarter's imports may have changed the directory.
    drawn = _as_drawn(await statistics_store.undirected_strata(session, quarter, region))
    rows.update({key: part for key, part in drawn.items() if key in rows})
    for tally in tallies:
        key = _row_of(tally)
        if region is not None and key[0] is Level.CITY:
            continue  # a county's table is its county-level work: the city's checks are the city's
        rows[key] = rows.get(key, Tally()) + _drawn_part(tally, parameters[tally.record_id])
    table = ordered(StatisticsRow(level, where, cls, t) for (level, where, cls), t in rows.items())
    covered = await statistics_store.offsite_covered(session, quarter, region)
    positive = sum(n for (_, cls, grade), n in counts.items() if grade is None)
    return QuarterStatistics(
        quarter, region, tuple(table), tuple(ratio_checks(table, sum(covered.values()), positive))
    )


def _directory_part(
    counts: Counter[StratumKey],
    plan: dict[tuple[str | None, SupervisionClass], ClassMinimum],
    key: RowKey,
) -> Tally:
    """对象数 (the positive list included) and 应抽数 of a row."""
    _, where, cls = key
    targets = sum(n for (c, k, _), n in counts.items() if k is cls and where in (None, c))
    found = plan.get((where, cls))
    return Tally(targets=targets, minimum=0 if found is None else found.minimum)


def _as_drawn(strata: list[dict[str, Any]]) -> dict[RowKey, Tally]:
    """对象数 and 应抽数 per row from drawn strata (a stratum drawn twice: its latest plan's)."""
    latest = {str(s["id"]): s for s in strata}
    rows: dict[RowKey, Tally] = {}
    for stratum in latest.values():
        level = Level(stratum["level"])
        key = (level, stratum["region"], SupervisionClass(stratum["class"]))
        onsite = stratum["kind"] == TaskKind.ONSITE.value
        part = Tally(targets=int(stratum["population"]), minimum=int(stratum["quota"]) * onsite)
        rows[key] = rows.get(key, Tally()) + part
    return rows


def _row_of(tally: AssignmentTally) -> RowKey:
    level = Level(tally.level)
    where = None if level is Level.CITY else tally.region
    return level, where, SupervisionClass(tally.supervision_class)


def _drawn_part(tally: AssignmentTally, parameters: dict[str, object]) -> Tally:
    if tally.kind == TaskKind.OFFSITE.value:
        return Tally(offsite=tally.drawn)
    joint = parameters.get("joint")
    internal = isinstance(joint, dict) and joint.get("kind") == "internal"
    multipliers = parameters.get("multipliers")
    credit = isinstance(multipliers, dict) and differentiated(multipliers)
    return Tally(
        drawn=tally.drawn,
        checked=tally.checked,
        submitted=tally.submitted,
        passed=tally.passed,
        problems=tally.problems,
        rectify=tally.rectify,
        case=tally.case,
        transfer=tally.transfer,
        open_rectify=tally.open_rectify,
        joint=tally.drawn if internal else 0,
        credit_based=tally.drawn if credit else 0,
    )
