"""The quarter's statistics as a county or the city would file them, counted from a seeded
quarter (tests/factories_statistics.py) on SQLite and PostgreSQL: rows checked cell by cell,
totals equal to the rows' sum, the plan's ratio checks, an empty quarter, and the digests
reading the same numbers."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from fractions import Fraction

from bot.context import AppContext
from bot.services import draws
from bot.services.demo import load_demo_directory
from bot.services.digests import county_progress
from bot.services.draws import DrawRequest
from bot.services.publication import keep_deadlines
from bot.services.statistics import quarter_statistics
from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter
from spotcheck.inspection import ResultState
from spotcheck.quota import Level
from spotcheck.statistics import QuarterStatistics, Rule, Tally, total
from storage import publication_store, review_store
from storage.models import Target
from storage.result_store import save_result
from tests.factories import credit_code
from tests.factories_results import result_input
from tests.factories_statistics import AT, JINGXIU, LIANCHI, QUARTER, REVIEWER, seed_quarter

KEY, SPECIAL, GENERAL = SupervisionClass.KEY, SupervisionClass.SPECIAL, SupervisionClass.GENERAL


async def _table(ctx: AppContext, region: str | None = None) -> QuarterStatistics:
    async with ctx.sessions() as session:
        return await quarter_statistics(ctx, session, QUARTER, region)


def _row(
    table: QuarterStatistics, level: Level, region: str | None, cls: SupervisionClass
) -> Tally:
    (found,) = [
        r.tally
        for r in table.rows
        if r.level is level and r.region == region and r.supervision_class is cls
    ]
    return found


async def test_each_county_row_counts_its_checks_where_their_results_stand(
    ctx: AppContext,
) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx)
    # 9 active key targets at 25%: 3; the returned version's check passed on resubmission
    assert _row(table, Level.COUNTY, JINGXIU, KEY) == Tally(
        targets=9,
        minimum=3,
        drawn=2,
        checked=2,
        submitted=2,
        passed=1,
        problems=1,
        rectify=1,
        case=1,
        open_rectify=1,
        joint=2,
        credit_based=2,
    )
    # objected to: checked, not submitted, and its 移交 waits for the next version
    assert _row(table, Level.COUNTY, JINGXIU, SPECIAL) == Tally(
        targets=2, minimum=1, drawn=1, checked=1, joint=1, credit_based=1
    )
    # the positive list is counted among the targets and monitored off site
    assert _row(table, Level.COUNTY, JINGXIU, GENERAL) == Tally(
        targets=14, minimum=1, drawn=1, offsite=4, joint=1, credit_based=1
    )
    # 移交 and 移送司法机关 are one column
    assert _row(table, Level.COUNTY, LIANCHI, KEY) == Tally(
        targets=4, minimum=1, drawn=1, checked=1, submitted=1, passed=1, problems=1, transfer=1
    )


async def test_a_county_without_targets_in_a_class_has_a_row_of_zeros_and_no_rate(
    ctx: AppContext,
) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx)
    empty = _row(table, Level.COUNTY, LIANCHI, SPECIAL)
    assert empty == Tally()
    assert empty.completion is None
    assert _row(table, Level.COUNTY, JINGXIU, KEY).completion == Fraction(1, 3)


async def test_the_city_rows_hold_the_city_level_draws_against_the_city_minimum(
    ctx: AppContext,
) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx)
    # 9 + 4 key targets at 10%: 2
    assert _row(table, Level.CITY, None, KEY) == Tally(
        targets=13, minimum=2, drawn=1, checked=1, submitted=1, passed=1
    )
    assert _row(table, Level.CITY, None, SPECIAL) == Tally(targets=2, minimum=1)


async def test_the_totals_equal_the_sum_of_the_rows_in_every_column(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx)
    totals = table.totals
    for column in fields(Tally):
        assert getattr(totals, column.name) == sum(
            getattr(r.tally, column.name) for r in table.rows
        )
    assert totals.drawn == 6  # the superseded assignment is not counted
    assert totals == total(r.tally for r in table.rows)


async def test_the_ratio_checks_say_which_rule_is_met(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx)
    shares = {c.rule: c for c in table.checks if c.rule is not Rule.QUOTA}
    assert (shares[Rule.JOINT].part, shares[Rule.JOINT].whole) == (4, 6)
    assert shares[Rule.JOINT].met  # 67% ≥ 30%
    assert (shares[Rule.CREDIT].part, shares[Rule.CREDIT].whole) == (4, 6)
    assert shares[Rule.CREDIT].met is False  # 67% < 85%
    assert (shares[Rule.OFFSITE].part, shares[Rule.OFFSITE].whole) == (4, 4)
    assert shares[Rule.OFFSITE].met
    quota = {
        (c.level, c.region, c.supervision_class): c.met
        for c in table.checks
        if c.rule is Rule.QUOTA
    }
    assert quota[(Level.COUNTY, JINGXIU, KEY)] is False  # 2 drawn of 3
    assert quota[(Level.COUNTY, LIANCHI, KEY)] is True
    assert quota[(Level.CITY, None, SPECIAL)] is False  # nothing drawn at city level
    assert (Level.COUNTY, LIANCHI, SPECIAL) not in quota  # nothing required, nothing drawn


async def test_one_county_s_table_holds_its_rows_only(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx, LIANCHI)
    assert {(r.level, r.region) for r in table.rows} == {(Level.COUNTY, LIANCHI)}
    assert table.totals.drawn == 1
    shares = {c.rule: c for c in table.checks if c.rule is not Rule.QUOTA}
    assert shares[Rule.OFFSITE].met is None  # no positive-list target: nothing to measure


async def test_an_empty_quarter_has_every_row_and_nothing_drawn(ctx: AppContext) -> None:
    table = await _table(ctx)
    assert table.rows  # every configured county and the city, each class
    assert table.totals == Tally()
    assert all(c.ratio is None for c in table.checks if c.rule is not Rule.QUOTA)


async def test_a_second_count_gives_identical_numbers(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    assert await _table(ctx) == await _table(ctx)


async def test_the_county_digest_reads_the_table_s_numbers(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    table = await _table(ctx)
    async with ctx.sessions() as session:
        progress = await county_progress(ctx, session, JINGXIU, Quarter.parse(QUARTER))
    assert [(p.supervision_class, p.drawn, p.minimum) for p in progress] == [
        (r.supervision_class.value, r.tally.drawn, r.tally.minimum)
        for r in table.of_county(JINGXIU)
    ]
    assert [(p.drawn, p.minimum) for p in progress] == [(1, 1), (2, 3), (1, 1)]


async def test_each_passed_version_gets_its_publication_deadline_once(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 3  # 竞秀区 key v2, 莲池区 key, the city's
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 0
        # passed 2026-11-10 (Tuesday): 20 working days later is 2026-12-08
        late = await publication_store.late_by_county(session, QUARTER, date(2026, 12, 9))
    assert late == {JINGXIU: 2, LIANCHI: 1}


async def test_a_passed_version_amended_by_another_that_passed_is_not_counted_late(
    ctx: AppContext,
) -> None:
    seeded = await seed_quarter(ctx)
    async with ctx.sessions.begin() as session:
        amendment = await save_result(
            session,
            result_input(seeded.assignments["lc_key"], amendment_reason="类别填错", follow_ups=()),
        )
        for state in (ResultState.PENDING_REVIEW, ResultState.PASSED):
            assert await review_store.move(session, amendment, state, REVIEWER, AT)
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 4  # the amendment has its own deadline
        late = await publication_store.late_by_county(session, QUARTER, date(2026, 12, 9))
    assert late == {JINGXIU: 2, LIANCHI: 1}  # the check, once: its amendment


async def test_a_drawn_class_keeps_the_minimum_its_draw_planned_after_the_directory_grows(
    ctx: AppContext,
) -> None:
    """The table is filed after the quarter, when next quarter's import may have added targets:
    a class drawn keeps its draw's 对象数 and 应抽数; a class not drawn follows the directory."""
    await load_demo_directory(ctx)
    quarter = "2026Q4"
    request = DrawRequest(
        quarter, Level.COUNTY, "测试", region=JINGXIU, supervision_class=KEY, seed_text="s"
    )
    await draws.execute(ctx, request)
    before = await _table_of(ctx, quarter)
    async with ctx.sessions.begin() as session:
        session.add_all(
            Target(
                credit_code=credit_code(JINGXIU, 9000 + n),
                name=f"新增重点企业{n}",
                region_code=JINGXIU,
                supervision_class=cls,
                credit_grade="B",
            )
            for n, cls in enumerate(["key"] * 6 + ["special"] * 6)
        )
    after = await _table_of(ctx, quarter)
    drawn, undrawn = (Level.COUNTY, JINGXIU, KEY), (Level.COUNTY, JINGXIU, SPECIAL)
    assert (after[drawn].targets, after[drawn].minimum) == (
        before[drawn].targets,
        before[drawn].minimum,
    )
    assert after[drawn].drawn == before[drawn].minimum  # 达标 stays 达标
    async with ctx.sessions() as session:  # the county's own table says the same
        county = await quarter_statistics(ctx, session, quarter, JINGXIU)
    assert _row(county, *drawn).minimum == before[drawn].minimum
    assert after[undrawn].targets == before[undrawn].targets + 6
    assert after[undrawn].minimum > before[undrawn].minimum


async def _table_of(
    ctx: AppContext, quarter: str
) -> dict[tuple[Level, str | None, SupervisionClass], Tally]:
    async with ctx.sessions() as session:
        table = await quarter_statistics(ctx, session, quarter)
    return {(r.level, r.region, r.supervision_class): r.tally for r in table.rows}
