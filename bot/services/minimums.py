"""The quarter's minimum on-site checks per class, exactly as a draw would plan them — the one
source for Q&A answers, digests, the statistics table and the draw (grade multipliers included;
only positive-list general targets are off site). The directory is counted in SQL and planned
by ``quota.plan_counted``, the draw's own planner."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level, StratumKey, TaskKind, plan_counted
from storage import statistics_store


@dataclass(frozen=True)
class ClassMinimum:
    population: int  # targets of the class checked on site (the positive list is off site)
    minimum: int  # the class total the draw plans: Σ of its grade strata's quotas


def planned(
    ctx: AppContext, counts: Counter[StratumKey], level: Level
) -> dict[tuple[str | None, SupervisionClass], ClassMinimum]:
    """Per (county, class) at county level, per (None, class) at city level."""
    if level is Level.CITY:
        city: Counter[StratumKey] = Counter()
        for (_, cls, grade), n in counts.items():
            city[(None, cls, grade)] += n
        counts = city
    policy = ctx.config.policy
    result: dict[tuple[str | None, SupervisionClass], ClassMinimum] = {}
    for stratum in plan_counted(level, counts, policy.ratios, policy.grade_multipliers):
        if stratum.kind is TaskKind.ONSITE:
            key = (stratum.region, stratum.supervision_class)
            found = result.get(key, ClassMinimum(0, 0))
            result[key] = ClassMinimum(
                found.population + stratum.population, found.minimum + stratum.quota
            )
    return result


async def class_minimums(
    ctx: AppContext, session: AsyncSession, level: Level, county: str | None
) -> dict[SupervisionClass, ClassMinimum]:
    """Per class, for one county (county level) or the whole city (city level)."""
    counts = await statistics_store.population(session, county)
    where = county if level is Level.COUNTY else None
    found = planned(ctx, counts, level)
    return {cls: found.get((where, cls), ClassMinimum(0, 0)) for cls in SupervisionClass}
