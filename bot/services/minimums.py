"""The quarter's minimum on-site checks per class, exactly as a draw would plan them — the one
source for Q&A answers, digests and the draw (grade multipliers included; only positive-list
general targets are off site)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level, TaskKind, plan_quarter
from storage import draw_store


@dataclass(frozen=True)
class ClassMinimum:
    population: int  # targets of the class checked on site (the positive list is off site)
    minimum: int  # the class total the draw plans: Σ of its grade strata's quotas


async def class_minimums(
    ctx: AppContext, session: AsyncSession, level: Level, county: str | None
) -> dict[SupervisionClass, ClassMinimum]:
    """Per class, for one county (county level) or the whole city (city level)."""
    targets = [
        t for t, active in await draw_store.target_candidates(session, region=county) if active
    ]
    policy = ctx.config.policy
    strata = plan_quarter(
        level,
        targets,
        policy.ratios,
        policy.grade_multipliers,
        region=county if level is Level.COUNTY else None,
    )
    result = {cls: ClassMinimum(0, 0) for cls in SupervisionClass}
    for stratum in strata:
        if stratum.kind is TaskKind.ONSITE:
            found = result[stratum.supervision_class]
            result[stratum.supervision_class] = ClassMinimum(
                found.population + stratum.population, found.minimum + stratum.quota
            )
    return result
