"""稽查考核: the scoring rule on plain numbers, and the seeded counties' evaluations worked out
by hand (tests/factories_statistics.py: seed_quarter, then seed_evaluation), on SQLite and
PostgreSQL, in the service and in the workbook's 稽查考核 sheet."""

from __future__ import annotations

import io
from datetime import date
from fractions import Fraction

import openpyxl
import pytest

from bot.context import AppContext
from bot.services.evaluation import quarter_evaluation
from bot.services.statistics import quarter_statistics
from bot.services.statistics_report import build_report
from spotcheck.evaluation import (
    DEFAULT_WEIGHTS,
    CountyRecord,
    Criterion,
    Evaluation,
    Ratio,
    ReportStatus,
    evaluate,
    past_deadline,
    report_status,
)
from spotcheck.statistics import Tally
from tests.conftest import make_config
from tests.factories_statistics import (
    EVALUATED_ON,
    JINGXIU,
    LIANCHI,
    QUARTER,
    seed_evaluation,
    seed_publication_cases,
    seed_quarter,
)

ON_TIME, LATE, MISSING, NOT_DUE = (
    ReportStatus.ON_TIME,
    ReportStatus.LATE,
    ReportStatus.MISSING,
    ReportStatus.NOT_DUE,
)


def test_a_duty_is_on_time_until_its_window_s_last_day_and_missing_after() -> None:
    end = date(2027, 1, 6)
    assert report_status(end, date(2027, 1, 6), date(2027, 2, 1)) is ON_TIME
    assert report_status(end, date(2026, 12, 20), date(2027, 2, 1)) is ON_TIME  # early
    assert report_status(end, date(2027, 1, 7), date(2027, 2, 1)) is LATE
    assert report_status(end, None, date(2027, 1, 6)) is NOT_DUE
    assert report_status(end, None, date(2027, 1, 7)) is MISSING


def test_a_rectification_is_past_its_deadline_when_closed_after_it_or_open_beyond_it() -> None:
    deadline = date(2026, 11, 18)
    assert past_deadline(deadline, None, date(2026, 11, 19))
    assert not past_deadline(deadline, None, date(2026, 11, 18))  # the day itself is in time
    assert past_deadline(deadline, date(2026, 11, 19), date(2026, 11, 19))
    assert not past_deadline(deadline, date(2026, 11, 18), date(2027, 1, 1))


def test_a_county_with_nothing_to_measure_loses_only_what_it_failed() -> None:
    record = CountyRecord("130699", (MISSING, NOT_DUE), Tally())
    found = evaluate(record, DEFAULT_WEIGHTS)
    assert found.attained[Criterion.REPORTING] == 0  # the one duty due was not sent
    assert found.score == 100 - DEFAULT_WEIGHTS[Criterion.REPORTING]


def test_a_county_that_drew_nothing_of_what_it_had_to_scores_below_one_that_did() -> None:
    idle = CountyRecord("130606", (ON_TIME, ON_TIME), Tally(minimum=10))
    working = CountyRecord(
        "130602", (ON_TIME, ON_TIME), Tally(minimum=10, drawn=10, passed=6, joint=0)
    )
    idle_score = evaluate(idle, DEFAULT_WEIGHTS)
    assert idle_score.score == DEFAULT_WEIGHTS[Criterion.REPORTING]  # only its reports count
    assert evaluate(working, DEFAULT_WEIGHTS).score > idle_score.score


def test_shares_count_against_their_thresholds_and_rates_are_capped() -> None:
    tally = Tally(minimum=4, drawn=10, passed=5, joint=2, credit_based=10)
    record = CountyRecord("130602", (ON_TIME, ON_TIME), tally, returned=Ratio(3, 2))
    attained = evaluate(record, DEFAULT_WEIGHTS).attained
    assert attained[Criterion.QUOTA] == 1  # 5 passed of 4 required: full, not more
    assert attained[Criterion.JOINT] == Fraction(2, 3)  # 20% of the 30% required
    assert attained[Criterion.CREDIT] == 1
    assert attained[Criterion.REVIEW] == 0  # never below nothing


def test_the_weights_decide_the_score() -> None:
    record = CountyRecord("130602", (LATE, ON_TIME), Tally(minimum=2, drawn=2, passed=1))
    only_quota = {c: 100 if c is Criterion.QUOTA else 0 for c in Criterion}
    assert evaluate(record, only_quota).score == 50
    only_reporting = {c: 100 if c is Criterion.REPORTING else 0 for c in Criterion}
    assert evaluate(record, only_reporting).score == 50


async def _evaluations(ctx: AppContext) -> dict[str, Evaluation]:
    async with ctx.sessions() as session:
        table = await quarter_statistics(ctx, session, QUARTER)
    found = await quarter_evaluation(ctx, table, EVALUATED_ON)
    return {e.record.county: e for e in found}


async def test_the_seeded_counties_records_are_counted_from_the_database(
    ctx: AppContext,
) -> None:
    seeded = await seed_quarter(ctx)
    await seed_evaluation(ctx, seeded)
    found = await _evaluations(ctx)
    jingxiu, lianchi = found[JINGXIU].record, found[LIANCHI].record
    # summary on 12-30 (window 12-29…12-31); statistics on 01-14, days after its window
    assert jingxiu.reports == (ON_TIME, LATE)
    assert lianchi.reports == (MISSING, ON_TIME)
    # its own three rows: 5 required, 4 drawn, 1 passed; every one an internal joint check
    assert (jingxiu.tally.minimum, jingxiu.tally.drawn, jingxiu.tally.passed) == (5, 4, 1)
    assert (jingxiu.tally.joint, jingxiu.tally.credit_based) == (4, 4)
    # v1 returned; v2 and the city's check of a 竞秀区 target passed
    assert jingxiu.returned == Ratio(1, 3)
    assert lianchi.returned == Ratio(0, 1)
    # a correction photo is no evidence of the problem found
    assert jingxiu.without_photo == Ratio(1, 1)
    assert lianchi.without_photo == Ratio(0, 1)
    # 竞秀区's 责令整改 is still open past 11-18; 莲池区 closed one after midnight, Shanghai time
    assert jingxiu.overdue == Ratio(1, 1)
    assert lianchi.overdue == Ratio(1, 2)
    # nothing published but 莲池区's result, in time
    assert jingxiu.published_late == Ratio(2, 2)
    assert lianchi.published_late == Ratio(0, 1)


async def test_the_evaluation_gives_passed_results_their_deadlines_before_counting(
    ctx: AppContext,
) -> None:
    await seed_quarter(ctx)  # three versions passed on 2026-11-10; no deadline kept yet
    found = await _evaluations(ctx)
    assert found[JINGXIU].record.published_late == Ratio(2, 2)  # due 12-08, not published
    assert found[LIANCHI].record.published_late == Ratio(1, 1)


async def test_published_late_counts_what_is_to_publish_only(ctx: AppContext) -> None:
    seeded = await seed_quarter(ctx)
    await seed_evaluation(ctx, seeded)  # 莲池区's check published in time
    await seed_publication_cases(ctx, seeded)
    found = await _evaluations(ctx)
    # its amendment, never published, is what the public should see: late; the version it
    # replaced is not to publish any more, nor is the check a redraw superseded
    assert found[LIANCHI].record.published_late == Ratio(1, 1)
    assert found[JINGXIU].record.published_late == Ratio(2, 2)


async def test_the_seeded_counties_scores_as_worked_out_by_hand(ctx: AppContext) -> None:
    seeded = await seed_quarter(ctx)
    await seed_evaluation(ctx, seeded)
    found = await _evaluations(ctx)
    # 竞秀区: 15×½ + 30×⅕ + 10 + 10 + 10×⅔ + 0 + 0 + 0
    assert found[JINGXIU].score == Fraction(15, 2) + 6 + 20 + Fraction(20, 3)
    # 莲池区: 15×½ + 30 + 0 (no joint check) + 0 (even grades) + 10 + 10 + 10×½ + 5
    assert found[LIANCHI].score == Fraction(135, 2)
    # a county with nothing drawn and nothing sent: only the reporting points are lost
    assert found["130607"].score == 85


async def test_the_weights_come_from_the_configuration(database_url: str) -> None:
    weights = {c.value: 0 for c in Criterion} | {"quota": 100}
    ctx = await AppContext.open(
        make_config(database_url, evaluation={"weights": weights}), migrate=False
    )
    try:
        await seed_quarter(ctx)
        found = await _evaluations(ctx)
    finally:
        await ctx.close()
    assert found[JINGXIU].score == 20  # 1 passed of 5 required
    assert found[LIANCHI].score == 100


async def test_the_evaluation_sheet_has_a_row_per_county_with_its_score(
    ctx: AppContext,
) -> None:
    seeded = await seed_quarter(ctx)
    await seed_evaluation(ctx, seeded)
    report = await build_report(ctx, QUARTER, None, EVALUATED_ON)
    sheet = openpyxl.load_workbook(io.BytesIO(report.data))["稽查考核"]
    values = list(sheet.iter_rows(values_only=True))
    headers = values[0]
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in values[1:] if row[1]}
    jingxiu = rows["竞秀区"]
    assert (jingxiu["工作总结"], jingxiu["统计表"]) == ("按时", "逾期")
    assert (jingxiu["应抽数"], jingxiu["已通过"], jingxiu["完成率"]) == (5, 1, 0.2)
    assert (jingxiu["审核次数"], jingxiu["审核退回"]) == (3, 1)
    assert (jingxiu["发现问题"], jingxiu["无照片"]) == (1, 1)
    assert (jingxiu["限期整改"], jingxiu["整改逾期"]) == (1, 1)
    assert (jingxiu["应公示"], jingxiu["公示逾期"]) == (2, 2)
    assert jingxiu["得分"] == pytest.approx(40.1667, abs=1e-4)
    assert sheet.cell(row=2, column=headers.index("得分") + 1).number_format == "0.0"
    assert (rows["莲池区"]["工作总结"], rows["莲池区"]["得分"]) == ("未报送", 67.5)
    assert len(rows) == len(ctx.config.regions.counties)
    notes = [row[0] for row in values if row[0] and str(row[0]).startswith("抽查完成")]
    assert notes == ["抽查完成：完成率（已通过 ÷ 应抽数，县级），最高 100%，权重 30"]
