"""The draw use cases (bot.services.draws) against a real database, on every engine.

Each test builds a small directory by inserting Target and Inspector rows, draws through the
service and checks both what the service returns and what the database holds afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from bot.context import AppContext
from bot.services import draws
from bot.services.draws import DrawOutcome, DrawProblem, DrawRequest
from spotcheck.draw import DrawFilters, DrawRefused, RefusalKind
from spotcheck.quota import Level
from spotcheck.record import LIST_NAMES, compute_draw, read_draw_inputs, verify_record
from storage.draw_models import (
    Assignment,
    AssignmentMember,
    Conflict,
    DrawCommitment,
    DrawPlan,
    DrawRecord,
)
from storage.models import AuditLog, Expert, Inspector, Target
from tests.conftest import fresh_database, make_config
from tests.factories import credit_code

JINGXIU, LIANCHI, MANCHENG = "130602", "130606", "130607"
QUARTER = "2024Q3"
LOTTERY = "2024-07-02 双色球 第2024075期 03 09 14 21 27 31 + 05"
QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"]


# --- arranging a directory ------------------------------------------------------------------


def target(
    serial: int,
    county: str = JINGXIU,
    cls: str = "key",
    grade: str = "B",
    *,
    industry: str = "化学原料和化学制品制造业",
    positive: bool = False,
    active: bool = True,
) -> Target:
    return Target(
        credit_code=credit_code(county, serial),
        name=f"保定市测试企业{serial}号",
        region_code=county,
        industry=industry,
        permit_category="重点管理",
        supervision_class=cls,
        positive_list=positive,
        credit_grade=grade,
        tags=[],
        active=active,
    )


def inspector(serial: int, county: str = JINGXIU, role: str = "inspector") -> Inspector:
    return Inspector(
        cert_no=f"{county}{serial:05d}",
        name=f"执法员{serial}",
        region_code=county,
        specialties=[],
        role=role,
        status="on_duty",
    )


def cert(serial: int, county: str = JINGXIU) -> str:
    return f"{county}{serial:05d}"


def county_directory() -> list[Any]:
    """竞秀区: 12 key targets (25% → 3 on site), 2 special (50% → 1 on site), 3 general targets
    on the positive list (3 off site); four inspectors and a team lead."""
    return [
        *(target(i) for i in range(12)),
        *(target(100 + i, cls="special", grade="A") for i in range(2)),
        *(target(200 + i, cls="general", grade="A", positive=True) for i in range(3)),
        *(inspector(i) for i in range(4)),
        inspector(9, role="lead"),
    ]


async def add(ctx: AppContext, rows: Iterable[Any]) -> None:
    async with ctx.sessions() as session, session.begin():
        session.add_all(list(rows))


def county_request(seed: str | None = LOTTERY, **changes: Any) -> DrawRequest:
    """竞秀区's county-level draw of QUARTER with a public seed text."""
    fields: dict[str, Any] = {
        "quarter": QUARTER,
        "level": Level.COUNTY,
        "actor": "测试管理员",
        "region": JINGXIU,
        "seed_text": seed,
    }
    return DrawRequest(**{**fields, **changes})


@asynccontextmanager
async def context(url: str, **policy: object) -> AsyncIterator[AppContext]:
    ctx = await AppContext.open(make_config(url, policy=policy), migrate=False)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def twin_url(
    database_url: str, tmp_path: Path, sqlite_template: Path, postgres_template: str
) -> AsyncIterator[str]:
    """A second empty database on the same engine as ``database_url``."""
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    async with fresh_database(engine, tmp_path, sqlite_template, postgres_template, "twin") as url:
        yield url


# --- reading the database back ----------------------------------------------------------------


async def count(ctx: AppContext, model: Any) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def stored_assignments(ctx: AppContext, record_id: int) -> dict[str, Assignment]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(Assignment).where(Assignment.record_id == record_id))
        return {a.credit_code: a for a in rows}


async def stored_teams(ctx: AppContext, record_id: int) -> dict[str, dict[str, tuple[bool, str]]]:
    """credit code → {执法证号: (is_lead, state)} of the inspectors on the record's assignments."""
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Assignment.credit_code, AssignmentMember)
            .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
            .where(Assignment.record_id == record_id, AssignmentMember.person_kind == "inspector")
        )
        teams: dict[str, dict[str, tuple[bool, str]]] = {}
        for code, member in rows:
            teams.setdefault(code, {})[member.person_key] = (member.is_lead, member.state)
    return teams


def onsite(outcome: DrawOutcome | dict[str, Any]) -> dict[str, dict[str, Any]]:
    record = outcome.record if isinstance(outcome, DrawOutcome) else outcome
    return {t["target"]: t for t in record["assignments"] if t["kind"] == "onsite"}


async def whole(ctx: AppContext, outcome: DrawOutcome) -> dict[str, Any]:
    """The record as published, its lists spliced in (DrawOutcome.record names them by hash)."""
    return await draws.load_record(ctx, outcome.record_id)


def without_lists(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in LIST_NAMES}


async def problem_of(call: Any) -> DrawProblem:
    with pytest.raises(DrawProblem) as caught:
        await call
    return caught.value


# --- seeds ----------------------------------------------------------------------------------


async def test_same_seed_on_identical_databases_draws_identical_records(
    ctx: AppContext, twin_url: str
) -> None:
    await add(ctx, county_directory())
    first = await draws.execute(ctx, county_request())
    async with context(twin_url) as twin:
        await add(twin, county_directory())
        second = await draws.execute(twin, dataclasses.replace(county_request(), actor="另一人"))
        async with twin.sessions() as session:
            twin_row = await session.get(DrawRecord, second.record_id)
    async with ctx.sessions() as session:
        row = await session.get(DrawRecord, first.record_id)
    assert row is not None and twin_row is not None
    assert len(onsite(first)) == 4 and len(first.tasks) == 7
    assert first.tasks == second.tasks
    assert row.body == twin_row.body
    assert row.body_sha256 == twin_row.body_sha256 == hashlib.sha256(row.body.encode()).hexdigest()
    caller = {"id", "created_at", "created_by"}
    assert {k: v for k, v in first.record.items() if k not in caller} == {
        k: v for k, v in second.record.items() if k not in caller
    }
    assert first.record["seed"]["public_text"] == LOTTERY
    assert first.record["seed"]["entropy"] is None
    assert verify_record(await whole(ctx, first)).ok


async def test_another_seed_draws_another_selection(ctx: AppContext, twin_url: str) -> None:
    def directory() -> list[Any]:
        return [*(target(i) for i in range(40)), *(inspector(i) for i in range(6))]

    await add(ctx, directory())
    first = await draws.execute(ctx, county_request("第2024075期 03 09 14 21 27 31 + 05"))
    async with context(twin_url) as twin:
        await add(twin, directory())
        second = await draws.execute(twin, county_request("第2024076期 01 07 11 18 22 30 + 12"))
    assert len(onsite(first)) == len(onsite(second)) == 10
    assert set(onsite(first)) != set(onsite(second))
    assert first.record["seed"]["value"] != second.record["seed"]["value"]
    assert first.record["targets_sha256"] == second.record["targets_sha256"]


async def test_a_draw_without_seed_records_server_entropy(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    outcome = await draws.execute(ctx, county_request(seed=None))
    seed = outcome.record["seed"]
    assert seed["public_text"] is None and seed["commitment"] is None
    assert len(bytes.fromhex(seed["entropy"])) == 32
    assert verify_record(await whole(ctx, outcome)).ok


# --- one draw per plan; amendments ----------------------------------------------------------


async def test_second_draw_of_a_plan_is_refused_without_amendment(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    first = await draws.execute(ctx, county_request())
    problem = await problem_of(draws.execute(ctx, county_request("another seed")))
    assert problem.kind == "already_drawn"
    assert problem.details["record"] == first.record_id
    assert await count(ctx, DrawRecord) == 1
    assert await count(ctx, DrawPlan) == 1


async def test_amendment_with_reason_supersedes_the_old_assignments(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    first = await draws.execute(ctx, county_request())
    second = await draws.execute(
        ctx,
        county_request("重抽 第2024076期", amends=first.record_id, reason="名录库漏录两家企业"),
    )
    assert second.record_id != first.record_id
    assert (second.record["amends"], second.record["reason"]) == (
        first.record_id,
        "名录库漏录两家企业",
    )
    # The plan's own earlier draw does not exclude its targets from the redraw.
    assert "already_drawn" not in second.record["exclusions"].values()
    old = await stored_assignments(ctx, first.record_id)
    new = await stored_assignments(ctx, second.record_id)
    assert len(old) == len(new) == 7
    assert {a.state for a in old.values()} == {"superseded"}
    assert {a.state for a in new.values()} == {"assigned"}
    async with ctx.sessions() as session:
        plan = (await session.scalars(select(DrawPlan))).one()
        stored = await session.get(DrawRecord, second.record_id)
    assert plan.current_record_id == second.record_id
    assert stored is not None and (stored.amends, stored.reason) == (
        first.record_id,
        "名录库漏录两家企业",
    )
    assert without_lists(await whole(ctx, second)) == second.record


async def test_amending_a_record_no_longer_current_is_refused(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    first = await draws.execute(ctx, county_request())
    second = await draws.execute(
        ctx, county_request("seed 2", amends=first.record_id, reason="第一次重抽")
    )
    problem = await problem_of(
        draws.execute(ctx, county_request("seed 3", amends=first.record_id, reason="再抽一次"))
    )
    assert problem.kind == "not_current"
    assert (problem.details["record"], problem.details["current"]) == (
        first.record_id,
        second.record_id,
    )
    assert await count(ctx, DrawRecord) == 2


@pytest.mark.parametrize("reason", [None, ""])
async def test_amending_without_a_reason_is_refused(ctx: AppContext, reason: str | None) -> None:
    await add(ctx, county_directory())
    first = await draws.execute(ctx, county_request())
    problem = await problem_of(
        draws.execute(ctx, county_request("seed 2", amends=first.record_id, reason=reason))
    )
    assert problem.kind == "reason_required"
    assert await count(ctx, DrawRecord) == 1
    assert {a.state for a in (await stored_assignments(ctx, first.record_id)).values()} == {
        "assigned"
    }


async def test_amending_a_plan_never_drawn_is_refused(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    problem = await problem_of(draws.execute(ctx, county_request(amends=1, reason="重抽")))
    assert problem.kind == "nothing_to_amend"
    assert await count(ctx, DrawPlan) == 0


async def test_two_concurrent_confirmations_make_exactly_one_draw(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    results = await asyncio.gather(
        draws.execute(ctx, county_request()),
        draws.execute(ctx, dataclasses.replace(county_request(), actor="另一位管理员")),
        return_exceptions=True,
    )
    outcomes = [r for r in results if isinstance(r, DrawOutcome)]
    problems = [r for r in results if isinstance(r, DrawProblem)]
    assert (len(outcomes), len(problems)) == (1, 1), results
    assert problems[0].kind == "already_drawn"
    assert problems[0].details.get("record") == outcomes[0].record_id
    assert await count(ctx, DrawRecord) == 1
    assert await count(ctx, DrawPlan) == 1
    assert await count(ctx, Assignment) == 7
    assert set(await stored_assignments(ctx, outcomes[0].record_id)) == {
        t["target"] for t in outcomes[0].tasks
    }


# --- teams ----------------------------------------------------------------------------------


@pytest.mark.parametrize("per_check", [2, 3])
async def test_every_onsite_team_has_at_least_two_inspectors_and_a_lead_among_them(
    database_url: str, per_check: int
) -> None:
    async with context(database_url, inspectors_per_check=per_check) as ctx:
        await add(ctx, county_directory())
        outcome = await draws.execute(ctx, county_request())
        teams = await stored_teams(ctx, outcome.record_id)
        kinds = {
            code: a.kind for code, a in (await stored_assignments(ctx, outcome.record_id)).items()
        }
    assert Counter(kinds.values()) == {"onsite": 4, "offsite": 3}
    assert set(teams) == {code for code, kind in kinds.items() if kind == "onsite"}
    counts = (outcome.onsite, outcome.offsite, outcome.inspector_visits, outcome.expert_visits)
    assert counts == (4, 3, sum(len(team) for team in teams.values()), 0)
    lead_cert = cert(9)
    for code, team in teams.items():
        assert len(team) == per_check >= 2
        leads = [c for c, (is_lead, _) in team.items() if is_lead]
        assert leads == [onsite(outcome)[code]["lead"]]
        assert set(team) == set(onsite(outcome)[code]["inspectors"])
        if lead_cert in team:  # the team lead (组长) leads the team he is on
            assert leads == [lead_cert]


async def test_the_outcome_counts_the_experts_sent_as_the_stored_teams_hold_them(
    ctx: AppContext,
) -> None:
    experts = [
        Expert(name=f"专家{i}", region_code=JINGXIU, phone=f"1380000000{i}") for i in range(4)
    ]
    await add(ctx, [*county_directory(), *experts])
    outcome = await draws.execute(ctx, county_request(experts_per_check=1))
    async with ctx.sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(AssignmentMember)
            .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
            .where(
                Assignment.record_id == outcome.record_id, AssignmentMember.person_kind == "expert"
            )
        )
    assert outcome.expert_visits == stored == outcome.onsite == 4


async def test_declared_conflict_is_never_drawn_onto_its_target(ctx: AppContext) -> None:
    special = target(100, cls="special", grade="A")  # alone in its stratum: drawn every time
    conflicted = cert(0)
    await add(ctx, [special, *(target(i) for i in range(8)), *(inspector(i) for i in range(4))])
    await add(
        ctx,
        [
            Conflict(
                cert_no=conflicted,
                credit_code=special.credit_code,
                reason="亲属在该企业任职",
                created_by="test",
            )
        ],
    )
    would_have_been_drawn = 0
    for quarter in QUARTERS:
        outcome = await draws.execute(ctx, dataclasses.replace(county_request(), quarter=quarter))
        team = onsite(outcome)[special.credit_code]["inspectors"]
        assert conflicted not in team
        assert conflicted not in (await stored_teams(ctx, outcome.record_id))[special.credit_code]
        # The same draw without the declaration: shows the seeds would have picked him.
        inputs = dataclasses.replace(
            read_draw_inputs(await whole(ctx, outcome)), conflicts=frozenset()
        )
        without = compute_draw(inputs)
        would_have_been_drawn += conflicted in onsite(without)[special.credit_code]["inspectors"]
    assert would_have_been_drawn > 0


async def test_cross_region_draw_never_sends_an_inspector_to_his_own_county(
    ctx: AppContext,
) -> None:
    rows: list[Any] = []
    for n, county in enumerate((JINGXIU, LIANCHI, MANCHENG)):
        rows += [target(n * 100 + i, county) for i in range(20)]
        rows += [inspector(n * 10 + i, county) for i in range(3)]
    await add(ctx, rows)
    same_county_without = 0
    for quarter in QUARTERS[:3]:
        request = DrawRequest(
            quarter=quarter,
            level=Level.CITY,
            actor="test",
            seed_text=f"{LOTTERY} {quarter}",
            cross_region=True,
        )
        record = await whole(ctx, await draws.execute(ctx, request))
        assert record["parameters"]["rules"]["cross_region"] is True
        county_of = {i["cert_no"]: i["region"] for i in record["inspectors"]}
        target_county = {t["credit_code"]: t["region"] for t in record["targets"]}
        teams = onsite(record)
        assert len(teams) == 6  # 10% of 60 key targets, city level
        for code, task in teams.items():
            assert all(county_of[c] != target_county[code] for c in task["inspectors"])
        inputs = read_draw_inputs(record)
        without = compute_draw(
            dataclasses.replace(inputs, rules=dataclasses.replace(inputs.rules, cross_region=False))
        )
        same_county_without += sum(
            county_of[c] == target_county[code]
            for code, task in onsite(without).items()
            for c in task["inspectors"]
        )
    assert same_county_without > 0


# --- refusals -------------------------------------------------------------------------------


async def test_workload_cap_too_small_is_refused_in_chinese_and_nothing_is_written(
    database_url: str,
) -> None:
    async with context(database_url, max_checks_per_inspector=1) as ctx:
        # 8 key targets → 2 on-site checks of 2 inspectors each, but 3 inspectors at 1 check.
        await add(ctx, [*(target(i) for i in range(8)), *(inspector(i) for i in range(3))])
        with pytest.raises(DrawRefused) as caught:
            await draws.execute(ctx, county_request())
        reason = caught.value.reason
        assert (reason.kind, reason.needed, reason.available, reason.cap, reason.region) == (
            RefusalKind.WORKLOAD_CAP,
            2,
            1,
            1,
            JINGXIU,
        )
        assert reason.target in {credit_code(JINGXIU, i) for i in range(8)}
        assert ctx.texts.refusal(ctx.config.regions, reason) == (
            f"无法抽取：竞秀区 执法人员本季度任务已达上限 1 件，检查 {reason.target} "
            "需要 2 名，只有 1 名未达上限。"
        )
        for model in (DrawPlan, DrawRecord, Assignment, AssignmentMember):
            assert await count(ctx, model) == 0, model
        async with ctx.sessions() as session:
            entities = set(await session.scalars(select(AuditLog.entity)))
        assert "draw_records" not in entities


async def test_county_with_too_few_inspectors_is_refused_with_its_name(ctx: AppContext) -> None:
    await add(
        ctx,
        [
            *(target(i) for i in range(8)),
            *(inspector(i) for i in range(4)),
            *(target(50 + i, LIANCHI) for i in range(8)),
            inspector(1, LIANCHI),
            inspector(2, LIANCHI, role="county_admin"),  # administrators are never drawn
        ],
    )
    request = DrawRequest(quarter=QUARTER, level=Level.COUNTY, actor="test", seed_text=LOTTERY)
    with pytest.raises(DrawRefused) as caught:
        await draws.execute(ctx, request)
    reason = caught.value.reason
    assert (reason.kind, reason.needed, reason.available, reason.region) == (
        RefusalKind.TOO_FEW_INSPECTORS,
        2,
        1,
        LIANCHI,
    )
    message = ctx.texts.refusal(ctx.config.regions, reason)
    assert message == (
        f"无法抽取：莲池区 执法人员不足，检查 {reason.target} 需要 2 名，"
        "符合条件（未回避、非本地交叉执法）的只有 1 名。请补充执法人员后重试。"
    )
    assert await count(ctx, DrawRecord) == 0
    # 竞秀区 alone has enough.
    assert len(onsite(await draws.execute(ctx, county_request()))) == 2


async def test_bad_quarter_and_unknown_region_are_refused(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    bad = await problem_of(
        draws.execute(ctx, dataclasses.replace(county_request(), quarter="2024Q5"))
    )
    assert (bad.kind, bad.details) == ("bad_quarter", {"quarter": "2024Q5"})
    unknown = await problem_of(draws.execute(ctx, county_request(region="999999")))
    assert (unknown.kind, unknown.details) == ("unknown_region", {"region": "999999"})
    assert await count(ctx, DrawPlan) == 0


# --- exclusions -----------------------------------------------------------------------------


async def test_inactive_targets_are_recorded_as_excluded_and_never_drawn(ctx: AppContext) -> None:
    active = target(100, cls="special", grade="A")
    closed = target(101, cls="special", grade="A", active=False)
    closed_offsite = target(200, cls="general", grade="A", positive=True, active=False)
    await add(
        ctx,
        [
            active,
            closed,
            closed_offsite,
            target(201, cls="general", grade="A", positive=True),
            *(inspector(i) for i in range(4)),
        ],
    )
    for quarter in QUARTERS[:4]:
        record = (
            await draws.execute(ctx, dataclasses.replace(county_request(), quarter=quarter))
        ).record
        assert record["exclusions"] == {
            closed.credit_code: "inactive",
            closed_offsite.credit_code: "inactive",
        }
        drawn = {t["target"] for t in record["assignments"]}
        assert drawn == {active.credit_code, credit_code(JINGXIU, 201)}
        special = next(s for s in record["strata"] if s["class"] == "special")
        assert (special["population"], special["quota"]) == (1, 1)


async def test_target_drawn_by_another_plan_this_quarter_counts_towards_the_quota(
    ctx: AppContext,
) -> None:
    paper = [target(i, industry="造纸和纸制品业") for i in range(4)]
    chemical = [target(10 + i) for i in range(4)]
    await add(ctx, [*paper, *chemical, *(inspector(i) for i in range(4))])
    directed = await draws.execute(
        ctx, county_request(filters=DrawFilters(industries=frozenset({"造纸和纸制品业"})))
    )
    assert len(onsite(directed)) == 1  # 25% of the 4 paper mills
    (first,) = onsite(directed)
    assert first in {t.credit_code for t in paper}

    undirected = county_request("第2024076期")
    (stratum,) = await draws.preview(ctx, undirected)
    assert (stratum.id, stratum.population, stratum.quota) == ("county:130602:key:B", 8, 2)
    assert (stratum.already_drawn, stratum.to_draw) == (1, 1)
    # Another level is another quarter's minimum: the county draw does not count there.
    (city,) = await draws.preview(ctx, DrawRequest(quarter=QUARTER, level=Level.CITY, actor="test"))
    assert (city.already_drawn, city.to_draw) == (0, 1)

    record = await whole(ctx, await draws.execute(ctx, undirected))
    assert record["exclusions"] == {first: "already_drawn"}
    assert [(s["quota"], s["already_drawn"], s["to_draw"]) for s in record["strata"]] == [(2, 1, 1)]
    assert len(onsite(record)) == 1 and first not in onsite(record)
    assert verify_record(record).ok


# --- commitments ----------------------------------------------------------------------------


async def test_commitment_is_revealed_by_the_draw_that_uses_it(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    commitment_id, commitment = await draws.commit_entropy(ctx, "市局管理员")
    assert len(commitment) == 64 and int(commitment, 16) >= 0
    outcome = await draws.execute(ctx, county_request(commitment_id=commitment_id))
    seed = outcome.record["seed"]
    assert seed["commitment"] == commitment
    assert seed["public_text"] == LOTTERY
    assert hashlib.sha256(bytes.fromhex(seed["entropy"])).hexdigest() == commitment
    async with ctx.sessions() as session:
        stored = await session.get(DrawCommitment, commitment_id)
    assert stored is not None
    assert (stored.used_by_record_id, stored.entropy_hex) == (outcome.record_id, seed["entropy"])
    assert verify_record(await whole(ctx, outcome)).ok
    # Entropy and public text together: not the seed of the public text alone.
    plain = compute_draw(
        dataclasses.replace(
            read_draw_inputs(await whole(ctx, outcome)),
            seed=dataclasses.replace(
                read_draw_inputs(await whole(ctx, outcome)).seed, entropy=None, commitment=None
            ),
        )
    )
    assert plain["seed"]["value"] != seed["value"]  # type: ignore[index]


async def test_a_commitment_cannot_be_used_twice(ctx: AppContext) -> None:
    await add(
        ctx,
        [
            *county_directory(),
            *(target(50 + i, LIANCHI) for i in range(4)),
            *(inspector(i, LIANCHI) for i in range(2)),
        ],
    )
    commitment_id, _ = await draws.commit_entropy(ctx, "test")
    await draws.execute(ctx, county_request(commitment_id=commitment_id))
    again = await problem_of(
        draws.execute(ctx, county_request(region=LIANCHI, commitment_id=commitment_id))
    )
    assert (again.kind, again.details) == ("commitment_unusable", {"commitment": commitment_id})
    unknown = await problem_of(
        draws.execute(ctx, county_request(region=LIANCHI, commitment_id=999))
    )
    assert unknown.kind == "commitment_unusable"
    assert await count(ctx, DrawRecord) == 1
    assert await count(ctx, DrawPlan) == 1


# --- replacement ----------------------------------------------------------------------------


async def _one_team(ctx: AppContext, inspectors: int) -> tuple[DrawOutcome, str, list[str]]:
    """A county with one special target (always drawn) and ``inspectors`` people."""
    special = target(100, cls="special", grade="A")
    await add(ctx, [special, *(inspector(i) for i in range(inspectors))])
    outcome = await draws.execute(ctx, county_request())
    return outcome, special.credit_code, list(onsite(outcome)[special.credit_code]["inspectors"])


async def test_replacement_draws_a_new_member_under_the_same_constraints(
    ctx: AppContext,
) -> None:
    outcome, code, team = await _one_team(ctx, 4)
    removed, kept = team
    others = sorted({cert(i) for i in range(4)} - set(team))
    # One of the two people not on the team declares a conflict: only the other may come.
    await add(ctx, [Conflict(cert_no=others[0], credit_code=code, created_by="test")])
    replaced = await draws.replace_inspector(
        ctx, outcome.record_id, code, removed, "本人申请回避：曾在该企业任职", "市局管理员"
    )
    record = replaced.record
    assert record["kind"] == "replacement"
    assert (record["amends"], record["reason"]) == (
        outcome.record_id,
        "本人申请回避：曾在该企业任职",
    )
    assert record["replaced"] == {"target": code, "inspector": removed}
    (new_team,) = [t for t in record["assignments"] if t["target"] == code]
    assert sorted(new_team["inspectors"]) == sorted([kept, others[1]])
    assert new_team["lead"] in new_team["inspectors"]
    assert verify_record(await whole(ctx, replaced)).ok
    stored = (await stored_teams(ctx, outcome.record_id))[code]
    assert {c: state for c, (_, state) in stored.items()} == {
        removed: "replaced",
        kept: "assigned",
        others[1]: "assigned",
    }
    assert [c for c, (lead, _) in stored.items() if lead] == [new_team["lead"]]
    async with ctx.sessions() as session:
        plan = (await session.scalars(select(DrawPlan))).one()
        row = await session.get(DrawRecord, replaced.record_id)
    assert plan.current_record_id == replaced.record_id
    assert row is not None and (row.kind, row.amends) == ("replacement", outcome.record_id)


async def test_replacing_someone_not_on_the_team_is_refused(ctx: AppContext) -> None:
    outcome, code, team = await _one_team(ctx, 4)
    stranger = next(cert(i) for i in range(4) if cert(i) not in team)
    problem = await problem_of(
        draws.replace_inspector(ctx, outcome.record_id, code, stranger, "不能到岗", "test")
    )
    assert (problem.kind, problem.details) == (
        "not_in_team",
        {"inspector": stranger, "target": code},
    )
    unknown = await problem_of(
        draws.replace_inspector(ctx, outcome.record_id, credit_code(LIANCHI, 1), team[0], "x", "t")
    )
    assert unknown.kind == "not_in_record"
    assert await count(ctx, DrawRecord) == 1


async def test_replacing_on_a_record_no_longer_current_is_refused(ctx: AppContext) -> None:
    outcome, code, team = await _one_team(ctx, 5)
    await draws.replace_inspector(ctx, outcome.record_id, code, team[0], "病假", "test")
    problem = await problem_of(
        draws.replace_inspector(ctx, outcome.record_id, code, team[1], "出差", "test")
    )
    assert problem.kind == "not_current"
    no_reason = await problem_of(
        draws.replace_inspector(ctx, outcome.record_id, code, team[1], "", "test")
    )
    assert no_reason.kind == "reason_required"
    assert await count(ctx, DrawRecord) == 2


async def test_inspector_replaced_earlier_can_be_drawn_back_onto_the_team(
    ctx: AppContext,
) -> None:
    outcome, code, (first, second) = await _one_team(ctx, 3)
    (third,) = {cert(i) for i in range(3)} - {first, second}
    once = await draws.replace_inspector(ctx, outcome.record_id, code, first, "出差", "test")
    assert sorted(onsite(once)[code]["inspectors"]) == sorted([second, third])
    twice = await draws.replace_inspector(ctx, once.record_id, code, third, "病假", "test")
    assert sorted(onsite(twice)[code]["inspectors"]) == sorted([first, second])
    stored = (await stored_teams(ctx, outcome.record_id))[code]
    assert {c: state for c, (_, state) in stored.items()} == {
        first: "assigned",
        second: "assigned",
        third: "replaced",
    }
    assert verify_record(await whole(ctx, twice)).ok


# --- the record is append-only ----------------------------------------------------------------


async def test_draw_records_cannot_be_updated_or_deleted(ctx: AppContext) -> None:
    await add(ctx, county_directory())
    outcome = await draws.execute(ctx, county_request())
    forged = json.dumps({"assignments": []})
    for statement in (
        update(DrawRecord).values(body=forged),
        update(DrawRecord).values(reason="悄悄改过"),
        delete(DrawRecord),
    ):
        async with ctx.sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
                await session.commit()
    assert without_lists(await whole(ctx, outcome)) == outcome.record
