"""The quarter's statistics as SQL aggregates: the directory counted per stratum key, and the
quarter's assignments counted per (county, level, class, kind, record) with where their results
stand — a few grouped queries, whatever the number of targets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.inspection import PROBLEM_CATEGORIES, FollowUpKind, ResultState
from spotcheck.quota import Level, StratumKey, TaskKind
from spotcheck.states import RecordKind
from storage.assignment_store import assignment_in_force
from storage.draw_models import Assignment, DrawPlan, DrawRecord
from storage.models import Target
from storage.result_models import FollowUp, InspectionResult, ResultTransition

_SENT_BACK = (ResultState.OBJECTED.value, ResultState.RETURNED.value)


async def population(session: AsyncSession, region: str | None = None) -> Counter[StratumKey]:
    """Active targets per (county, class, grade); positive-list general targets under grade
    None (off site), as ``quota.plan_quarter`` counts them at county level."""
    query = select(
        Target.region_code,
        Target.supervision_class,
        Target.credit_grade,
        Target.positive_list,
        func.count(),
    ).where(Target.active)
    if region is not None:
        query = query.where(Target.region_code == region)
    query = query.group_by(
        Target.region_code, Target.supervision_class, Target.credit_grade, Target.positive_list
    )
    counts: Counter[StratumKey] = Counter()
    for county, cls_value, grade_value, positive, n in await session.execute(query):
        cls = SupervisionClass(cls_value)
        offsite = bool(positive) and cls is SupervisionClass.GENERAL
        counts[(county, cls, None if offsite else CreditRiskGrade(grade_value))] += int(n)
    return counts


@dataclass(frozen=True)
class AssignmentTally:
    """The quarter's assignments in force of one (county, level, class, kind, record), and
    where their results stand. A check's *current* version is its latest one not sent back
    (objected or returned): its category and follow-ups are what the check found."""

    region: str
    level: str
    supervision_class: str
    kind: str
    record_id: int
    drawn: int
    checked: int  # a result was submitted at least once (the check was done on site)
    submitted: int  # a current version (in the review chain or through it), or one passed
    passed: int  # a version passed review
    problems: int  # the current version's category: 发现问题…
    rectify: int  # checks whose current version orders 责令整改
    case: int  # … 立案查处
    transfer: int  # … 移交 or 涉嫌犯罪移送司法机关
    open_rectify: int  # 责令整改 of current versions not yet closed (未完结)


def version_states(quarter: str) -> Any:
    """Each result version of the quarter's assignments with its state: its last transition,
    else the state written with it."""
    step = aliased(ResultTransition)
    last_step = (
        select(step.to_state)
        .where(step.result_id == InspectionResult.id)
        .order_by(step.id.desc())
        .limit(1)
        .correlate(InspectionResult)
        .scalar_subquery()
    )
    of_quarter = select(Assignment.id).where(Assignment.quarter == quarter)
    return (
        select(
            InspectionResult.id,
            InspectionResult.assignment_id,
            InspectionResult.version,
            InspectionResult.category,
            func.coalesce(last_step, InspectionResult.state).label("state"),
        )
        .where(InspectionResult.assignment_id.in_(of_quarter))
        .cte("versions")
    )


def current_versions(versions: Any) -> Any:
    """Per assignment, its current version among ``versions`` (``version_states``): the latest
    not sent back (objected or returned)."""
    return (
        select(versions.c.assignment_id, func.max(versions.c.version).label("version"))
        .where(versions.c.state.not_in(_SENT_BACK))
        .group_by(versions.c.assignment_id)
        .subquery("current_version")
    )


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def assignment_tallies(
    session: AsyncSession, quarter: str, region: str | None = None
) -> list[AssignmentTally]:
    """One row per (county of the target, level, class, kind, record) of the quarter."""
    versions = version_states(quarter)
    current = current_versions(versions)
    passed = (
        select(versions.c.assignment_id)
        .where(versions.c.state == ResultState.PASSED.value)
        .distinct()
        .subquery("passed")
    )
    result = aliased(InspectionResult)
    follow_ups = (
        select(
            FollowUp.result_id,
            _count(FollowUp.kind == FollowUpKind.RECTIFY.value).label("rectify"),
            _count(FollowUp.kind == FollowUpKind.CASE.value).label("case"),
            _count(
                FollowUp.kind.in_((FollowUpKind.TRANSFER.value, FollowUpKind.JUDICIAL.value))
            ).label("transfer"),
            _count(
                and_(FollowUp.kind == FollowUpKind.RECTIFY.value, FollowUp.state == "open")
            ).label("open_rectify"),
        )
        .group_by(FollowUp.result_id)
        .subquery("follow_up_counts")
    )
    problem = [c.value for c in PROBLEM_CATEGORIES]
    query = (
        select(
            Target.region_code,
            Assignment.level,
            Assignment.supervision_class,
            Assignment.kind,
            Assignment.record_id,
            func.count(Assignment.id),
            func.count(Assignment.checked_on),
            _count(or_(result.id.is_not(None), passed.c.assignment_id.is_not(None))),
            func.count(passed.c.assignment_id),
            _count(result.category.in_(problem)),
            _count(follow_ups.c.rectify > 0),
            _count(follow_ups.c.case > 0),
            _count(follow_ups.c.transfer > 0),
            func.coalesce(func.sum(follow_ups.c.open_rectify), literal(0)),
        )
        .select_from(Assignment)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .outerjoin(current, current.c.assignment_id == Assignment.id)
        .outerjoin(
            result,
            and_(
                result.assignment_id == current.c.assignment_id,
                result.version == current.c.version,
            ),
        )
        .outerjoin(passed, passed.c.assignment_id == Assignment.id)
        .outerjoin(follow_ups, follow_ups.c.result_id == result.id)
        .where(Assignment.quarter == quarter, assignment_in_force())
        .group_by(
            Target.region_code,
            Assignment.level,
            Assignment.supervision_class,
            Assignment.kind,
            Assignment.record_id,
        )
    )
    if region is not None:
        query = query.where(Target.region_code == region)
    return [
        AssignmentTally(
            region=county,
            level=level,
            supervision_class=cls,
            kind=kind,
            record_id=int(record_id),
            drawn=int(drawn),
            checked=int(checked),
            submitted=int(submitted),
            passed=int(passed_n),
            problems=int(problems),
            rectify=int(rectify),
            case=int(case_n),
            transfer=int(transfer),
            open_rectify=int(open_rectify),
        )
        for (
            county,
            level,
            cls,
            kind,
            record_id,
            drawn,
            checked,
            submitted,
            passed_n,
            problems,
            rectify,
            case_n,
            transfer,
            open_rectify,
        ) in await session.execute(query)
    ]


async def record_parameters(
    session: AsyncSession, record_ids: set[int]
) -> dict[int, dict[str, Any]]:
    """The parameters of these draw records (joint kind, grade multipliers), by id."""
    if not record_ids:
        return {}
    rows = await session.execute(
        select(DrawRecord.id, DrawRecord.parameters).where(DrawRecord.id.in_(record_ids))
    )
    return {int(i): dict(p or {}) for i, p in rows}


async def offsite_covered(
    session: AsyncSession, quarter: str, region: str | None = None
) -> Counter[str]:
    """Per county: the positive-list targets with an off-site task in force this quarter, each
    counted once whatever the number of levels that gave it one."""
    query = (
        select(Target.region_code, func.count(func.distinct(Assignment.credit_code)))
        .join(Target, Target.credit_code == Assignment.credit_code)
        .where(
            Assignment.quarter == quarter,
            Assignment.kind == TaskKind.OFFSITE.value,
            assignment_in_force(),
            Target.active,
            Target.positive_list,
            Target.supervision_class == SupervisionClass.GENERAL.value,
        )
        .group_by(Target.region_code)
    )
    if region is not None:
        query = query.where(Target.region_code == region)
    return Counter({county: int(n) for county, n in await session.execute(query)})


async def undirected_strata(
    session: AsyncSession, quarter: str, region: str | None = None
) -> list[dict[str, Any]]:
    """The strata (population and quota per stratum) of the quarter's undirected draws, as
    they were drawn: each plan's latest draw record (a redraw's, not the one it replaced;
    replacements plan nothing), oldest plan first; for one county (``region``), its own
    county-level plans only. A directed draw's strata cover its filtered population only, not
    the class, and are left out. Only the bodies read are the latest records'."""
    query = (
        select(DrawRecord.plan_id, DrawRecord.id, DrawRecord.parameters)
        .join(DrawPlan, DrawPlan.id == DrawRecord.plan_id)
        .where(DrawPlan.quarter == quarter, DrawRecord.kind == RecordKind.DRAW.value)
        .order_by(DrawRecord.id)
    )
    if region is not None:
        query = query.where(DrawPlan.level == Level.COUNTY.value, DrawPlan.region == region)
    latest: dict[int, int] = {}
    for plan_id, record_id, parameters in await session.execute(query):
        if _undirected(parameters or {}):
            latest[plan_id] = record_id
    strata: list[dict[str, Any]] = []
    for plan_id in sorted(latest):
        body = await session.scalar(select(DrawRecord.body).where(DrawRecord.id == latest[plan_id]))
        found = orjson.loads(body or "{}").get("strata", [])
        strata += found if isinstance(found, list) else []
    return strata


def _undirected(parameters: dict[str, Any]) -> bool:
    """No filter narrowed the population: no list given, no violation window."""
    filters = parameters.get("filters")
    return isinstance(filters, dict) and not any(filters.values())
