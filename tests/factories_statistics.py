"""A quarter with known results for the statistics, evaluation and publication tests: two
counties' targets, three draw records (one an internal joint check with differentiated grade
ratios), and results at every stage of the review chain — written through the same stores the
bot uses. The expected numbers are worked out in tests/test_statistics.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services.publication import keep_deadlines
from spotcheck.follow_up import CORRECTION_PHOTO_NOTE
from spotcheck.inspection import EvidenceSource, FollowUpKind, ResultCategory, ResultState
from spotcheck.reminders import Duty
from spotcheck.states import AssignmentState
from storage import draw_store, publication_store, review_store
from storage.draw_models import Assignment, DrawPlan, DrawRecord
from storage.evidence_store import PhotoLimits, inspect_image
from storage.models import Target
from storage.result_models import FollowUp
from storage.result_store import FollowUpInput, add_evidence, save_result
from storage.schedule_models import Submission
from tests.evidence_images import jpeg
from tests.factories import credit_code
from tests.factories_results import result_input

QUARTER = "2026Q4"
JINGXIU, LIANCHI = "130602", "130606"  # 竞秀区, 莲池区
REVIEWER = "13060099"
AT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
DIFFERENTIATED = {"A": "1", "B": "1", "C": "3/2", "D": "2"}
EVEN = {"A": "1", "B": "1", "C": "1", "D": "1"}


@dataclass
class Seeded:
    """Ids a test may need: assignment ids by name, result ids by name."""

    assignments: dict[str, int]
    results: dict[str, int]


def _target(county: str, serial: int, cls: str, grade: str, **extra: object) -> Target:
    return Target(
        credit_code=credit_code(county, serial),
        name=f"{county}测试企业{serial:03d}有限公司",
        region_code=county,
        supervision_class=cls,
        credit_grade=grade,
        latitude=38.87,
        longitude=115.46,
        **extra,
    )


def directory() -> list[Target]:
    """竞秀区: 9 key (B) and one inactive, 2 special (D), 10 general (C) and 4 on the positive
    list. 莲池区: 4 key (A), no special, no general."""
    rows = [_target(JINGXIU, n, "key", "B") for n in range(1, 10)]
    rows.append(_target(JINGXIU, 10, "key", "B", active=False))
    rows += [_target(JINGXIU, n, "special", "D") for n in range(11, 13)]
    rows += [_target(JINGXIU, n, "general", "C") for n in range(13, 23)]
    rows += [_target(JINGXIU, n, "general", "A", positive_list=True) for n in range(23, 27)]
    rows += [_target(LIANCHI, n, "key", "A") for n in range(1, 5)]
    return rows


async def _record(
    session: AsyncSession, key: str, level: str, joint: str, multipliers: dict[str, str]
) -> DrawRecord:
    plan = DrawPlan(plan_key=key, quarter=QUARTER, level=level)
    session.add(plan)
    await session.flush()
    record = DrawRecord(
        plan_id=plan.id,
        kind="draw",
        created_by="test",
        body="{}",
        body_sha256="0" * 64,
        parameters={"joint": {"kind": joint}, "multipliers": multipliers},
    )
    session.add(record)
    await session.flush()
    return record


def _assignment(
    record: DrawRecord, level: str, cls: str, code: str, kind: str = "onsite", **extra: object
) -> Assignment:
    return Assignment(
        plan_id=record.plan_id,
        record_id=record.id,
        quarter=QUARTER,
        level=level,
        supervision_class=cls,
        credit_code=code,
        kind=kind,
        stratum=cls,
        due_date=date(2026, 12, 15),
        **extra,
    )


async def seed_quarter(ctx: AppContext) -> Seeded:
    """The directory, the draws and the results (see each step)."""
    tasks: dict[str, Assignment] = {}
    async with ctx.sessions.begin() as session:
        session.add_all(directory())
        joint = await _record(session, "jx-county", "county", "internal", DIFFERENTIATED)
        plain = await _record(session, "lc-county", "county", "none", EVEN)
        city = await _record(session, "city-key", "city", "none", EVEN)
        tasks["jx_key_1"] = _assignment(joint, "county", "key", credit_code(JINGXIU, 1))
        tasks["jx_key_2"] = _assignment(joint, "county", "key", credit_code(JINGXIU, 2))
        tasks["jx_special"] = _assignment(joint, "county", "special", credit_code(JINGXIU, 11))
        tasks["jx_general"] = _assignment(joint, "county", "general", credit_code(JINGXIU, 13))
        for n in range(23, 27):
            tasks[f"jx_offsite_{n}"] = _assignment(
                joint, "county", "general", credit_code(JINGXIU, n), kind="offsite"
            )
        tasks["jx_superseded"] = _assignment(
            joint,
            "county",
            "key",
            credit_code(JINGXIU, 3),
            state=AssignmentState.SUPERSEDED.value,
        )
        tasks["lc_key"] = _assignment(plain, "county", "key", credit_code(LIANCHI, 1))
        tasks["city_key"] = _assignment(city, "city", "key", credit_code(JINGXIU, 9))
        session.add_all(tasks.values())
    results = await _results(ctx, {name: t.id for name, t in tasks.items()})
    return Seeded({name: t.id for name, t in tasks.items()}, results)


async def _save(ctx: AppContext, assignment_id: int, **overrides: object) -> int:
    async with ctx.sessions.begin() as session:
        return await save_result(session, result_input(assignment_id, **overrides))


async def _move(ctx: AppContext, result_id: int, *states: ResultState) -> None:
    async with ctx.sessions.begin() as session:
        for state in states:
            assert await review_store.move(session, result_id, state, REVIEWER, AT)


async def _results(ctx: AppContext, ids: dict[str, int]) -> dict[str, int]:
    """竞秀区 key 1: returned, then resubmitted and passed (problem, 责令整改 open + 立案查处).
    竞秀区 key 2: submitted, waiting (no problem). 竞秀区 special: objected to (its 移交 does
    not count). 竞秀区 general: no result. 莲池区 key: passed (problem pending; 移交 and 移送).
    The city's key check: passed, nothing found."""
    s = ResultState
    found: dict[str, int] = {}
    first = await _save(ctx, ids["jx_key_1"])
    await _move(ctx, first, s.PENDING_REVIEW, s.RETURNED)
    found["jx_key_1_v1"] = first
    found["jx_key_1"] = await _save(
        ctx,
        ids["jx_key_1"],
        follow_ups=(
            FollowUpInput(FollowUpKind.RECTIFY, deadline=date(2026, 11, 18)),
            FollowUpInput(FollowUpKind.CASE),
        ),
    )
    await _move(ctx, found["jx_key_1"], s.PENDING_REVIEW, s.PASSED)
    found["jx_key_2"] = await _save(
        ctx, ids["jx_key_2"], category=ResultCategory.NONE, follow_ups=()
    )
    await _move(ctx, found["jx_key_2"], s.PENDING_REVIEW)
    found["jx_special"] = await _save(
        ctx,
        ids["jx_special"],
        follow_ups=(FollowUpInput(FollowUpKind.TRANSFER, agency="保定市应急管理局"),),
    )
    await _move(ctx, found["jx_special"], s.OBJECTED)
    found["lc_key"] = await _save(
        ctx,
        ids["lc_key"],
        category=ResultCategory.PROBLEM_PENDING,
        follow_ups=(
            FollowUpInput(FollowUpKind.TRANSFER, agency="保定市应急管理局"),
            FollowUpInput(FollowUpKind.JUDICIAL, agency="保定市公安局"),
        ),
    )
    await _move(ctx, found["lc_key"], s.PENDING_REVIEW, s.PASSED)
    found["city_key"] = await _save(
        ctx, ids["city_key"], category=ResultCategory.NONE, follow_ups=()
    )
    await _move(ctx, found["city_key"], s.PENDING_REVIEW, s.PASSED)
    return found


# --- issue 11: what the evaluation (稽查考核) counts beyond the table ---

EVALUATED_ON = date(2027, 1, 15)  # after 2026Q4's statistics window, whatever 2027's calendar


def _shanghai_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


async def seed_evaluation(ctx: AppContext, seeded: Seeded) -> None:
    """On top of ``seed_quarter``: 竞秀区 sent its summary on time and its statistics late;
    莲池区 sent no summary and its statistics on time. 莲池区's problem has a photo; 竞秀区's
    has only a correction photo (which does not count). 莲池区's check also ordered two 责令整改,
    one closed after its deadline, one in time. 莲池区's passed result was published in time.
    Worked out in tests/test_evaluation.py."""
    async with ctx.sessions.begin() as session:
        session.add_all(
            [
                Submission(
                    county=JINGXIU,
                    quarter=QUARTER,
                    duty=Duty.SUMMARY,
                    submitted_by="test",
                    submitted_at=_shanghai_noon(date(2026, 12, 30)),
                ),
                Submission(
                    county=JINGXIU,
                    quarter=QUARTER,
                    duty=Duty.STATISTICS,
                    submitted_by="test",
                    submitted_at=_shanghai_noon(date(2027, 1, 14)),
                ),
                Submission(
                    county=LIANCHI,
                    quarter=QUARTER,
                    duty=Duty.STATISTICS,
                    submitted_by="test",
                    submitted_at=_shanghai_noon(date(2027, 1, 4)),
                ),
            ]
        )
        photo = inspect_image(jpeg(), PhotoLimits())
        await add_evidence(
            session,
            seeded.assignments["lc_key"],
            photo,
            source=EvidenceSource.PHOTO,
            received_by="13060601",
        )
        correction = inspect_image(jpeg(seed=2), PhotoLimits())
        await add_evidence(
            session,
            seeded.assignments["jx_key_1"],
            correction,
            source=EvidenceSource.PHOTO,
            received_by="13060201",
            note=CORRECTION_PHOTO_NOTE,
        )
        session.add_all(
            [
                FollowUp(
                    result_id=seeded.results["lc_key"],
                    kind=FollowUpKind.RECTIFY.value,
                    deadline=date(2026, 11, 20),
                    state="closed",
                    closed_by="13060601",
                    # 00:30 on 11-21 in Shanghai: late, though still 11-20 in UTC
                    closed_at=datetime(2026, 11, 20, 16, 30, tzinfo=UTC),
                ),
                FollowUp(
                    result_id=seeded.results["lc_key"],
                    kind=FollowUpKind.RECTIFY.value,
                    deadline=date(2026, 12, 1),
                    state="closed",
                    closed_by="13060601",
                    closed_at=_shanghai_noon(date(2026, 12, 1)),  # on the day: in time
                ),
            ]
        )
        await keep_deadlines(ctx, session)
        await publication_store.mark_published(
            session, [seeded.results["lc_key"]], date(2026, 12, 1), "test"
        )


# --- issue 11: what is to publish, and so what can be late ---


async def seed_publication_cases(ctx: AppContext, seeded: Seeded) -> dict[str, int]:
    """On top of ``seed_quarter``: 莲池区's passed check amended by a version that passed too
    (only the amendment is to publish), and a check of another 莲池区 target that passed before
    a redraw of its plan superseded the assignment (nothing of it is to publish). Both passed
    on 2026-11-10 as the rest: due 2026-12-08. Result ids by name."""
    found = {
        "lc_key_v2": await _save(
            ctx, seeded.assignments["lc_key"], amendment_reason="类别填错", follow_ups=()
        )
    }
    await _move(ctx, found["lc_key_v2"], ResultState.PENDING_REVIEW, ResultState.PASSED)
    async with ctx.sessions.begin() as session:
        record = await _record(session, "lc-redrawn", "county", "none", EVEN)
        redrawn = _assignment(record, "county", "key", credit_code(LIANCHI, 2))
        session.add(redrawn)
    found["lc_redrawn"] = await _save(ctx, redrawn.id, follow_ups=())
    await _move(ctx, found["lc_redrawn"], ResultState.PENDING_REVIEW, ResultState.PASSED)
    async with ctx.sessions.begin() as session:
        await draw_store.supersede_plan_assignments(session, record.plan_id)
    return found
