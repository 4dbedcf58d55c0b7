"""Which reporting reminders are due on a day (spotcheck.reminders): pure, dates from the official
calendar. The windows themselves are tested in tests/test_deadlines.py; here, the stages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.deadlines import Quarter
from spotcheck.reminders import LATE_WORKDAYS, Duty, Reminder, Stage, reminders_due, stages
from spotcheck.workdays import WorkdayCalendar

OFFICIAL = WorkdayCalendar()


def due(
    day: date,
    calendar: WorkdayCalendar = OFFICIAL,
    submitted: Iterable[tuple[str, str]] = (),
    lead: int = 3,
) -> list[tuple[str, str, str]]:
    """(quarter, duty, stage) due on ``day``, sorted."""
    return sorted(
        (str(r.quarter), r.duty.value, r.stage.value)
        for r in reminders_due(day, calendar, submitted, lead)
    )


def one(day: date, quarter: str, duty: Duty, calendar: WorkdayCalendar = OFFICIAL) -> Reminder:
    [found] = [
        r for r in reminders_due(day, calendar, ()) if str(r.quarter) == quarter and r.duty is duty
    ]
    return found


def stage_on(day: date, quarter: str, duty: Duty) -> Stage | None:
    found = [
        r.stage
        for r in reminders_due(day, OFFICIAL, ())
        if str(r.quarter) == quarter and r.duty is duty
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


# --- 2024Q1 ---------------------------------------------------------------------------------


def test_2024q1_summary_ahead_starts_three_working_days_before_the_window() -> None:
    # 03-27 (Wed) opens; three working days before it: 03-26 (Tue), 03-25 (Mon), 03-22 (Fri).
    [ahead, *_] = stages(Quarter(2024, 1), Duty.SUMMARY, OFFICIAL, 3)
    assert ahead[:3] == (Stage.AHEAD, date(2024, 3, 22), date(2024, 3, 26))
    assert OFFICIAL.workdays_between(date(2024, 3, 22), date(2024, 3, 27)).value == 3
    assert stage_on(date(2024, 3, 21), "2024Q1", Duty.SUMMARY) is None
    for day in (date(2024, 3, 22), date(2024, 3, 23), date(2024, 3, 24), date(2024, 3, 26)):
        assert stage_on(day, "2024Q1", Duty.SUMMARY) is Stage.AHEAD, day


def test_2024q1_summary_opens_on_03_27_and_is_due_on_03_29() -> None:
    assert stage_on(date(2024, 3, 27), "2024Q1", Duty.SUMMARY) is Stage.OPENS
    assert stage_on(date(2024, 3, 28), "2024Q1", Duty.SUMMARY) is Stage.OPENS
    assert stage_on(date(2024, 3, 29), "2024Q1", Duty.SUMMARY) is Stage.DUE
    reminder = one(date(2024, 3, 27), "2024Q1", Duty.SUMMARY)
    assert reminder.window == (date(2024, 3, 27), date(2024, 3, 29))
    assert reminder.key == "2024Q1:summary:opens"
    assert (reminder.provisional, reminder.escalated) == (False, False)


def test_2024q1_summary_is_late_from_03_30_for_ten_working_days() -> None:
    # 10 working days after 03-29: 04-01..03, (清明 04-04..06 off), 04-07 (a Sunday worked),
    # 04-08..12, 04-15.
    assert LATE_WORKDAYS == 10
    late = stages(Quarter(2024, 1), Duty.SUMMARY, OFFICIAL, 3)[-1]
    assert late[:3] == (Stage.LATE, date(2024, 3, 30), date(2024, 4, 15))
    assert stage_on(date(2024, 3, 30), "2024Q1", Duty.SUMMARY) is Stage.LATE
    assert stage_on(date(2024, 4, 15), "2024Q1", Duty.SUMMARY) is Stage.LATE
    assert stage_on(date(2024, 4, 16), "2024Q1", Duty.SUMMARY) is None
    reminder = one(date(2024, 4, 1), "2024Q1", Duty.SUMMARY)
    assert reminder.escalated and reminder.key == "2024Q1:summary:late"


def test_2024q1_statistics_window_04_01_to_04_03() -> None:
    assert stage_on(date(2024, 3, 26), "2024Q1", Duty.STATISTICS) is None
    assert stage_on(date(2024, 3, 27), "2024Q1", Duty.STATISTICS) is Stage.AHEAD
    assert stage_on(date(2024, 3, 31), "2024Q1", Duty.STATISTICS) is Stage.AHEAD
    assert stage_on(date(2024, 4, 1), "2024Q1", Duty.STATISTICS) is Stage.OPENS
    assert stage_on(date(2024, 4, 2), "2024Q1", Duty.STATISTICS) is Stage.OPENS
    assert stage_on(date(2024, 4, 3), "2024Q1", Duty.STATISTICS) is Stage.DUE
    assert stage_on(date(2024, 4, 4), "2024Q1", Duty.STATISTICS) is Stage.LATE
    assert stage_on(date(2024, 4, 18), "2024Q1", Duty.STATISTICS) is Stage.LATE
    assert stage_on(date(2024, 4, 19), "2024Q1", Duty.STATISTICS) is None
    assert one(date(2024, 4, 3), "2024Q1", Duty.STATISTICS).window == (
        date(2024, 4, 1),
        date(2024, 4, 3),
    )


def test_a_day_can_carry_both_duties_of_a_quarter() -> None:
    assert due(date(2024, 3, 27)) == [
        ("2024Q1", "statistics", "ahead"),
        ("2024Q1", "summary", "opens"),
    ]
    assert due(date(2024, 4, 1)) == [
        ("2024Q1", "statistics", "opens"),
        ("2024Q1", "summary", "late"),
    ]
    assert due(date(2024, 5, 15)) == []


def test_a_longer_lead_time_starts_ahead_earlier() -> None:
    [ahead, *_] = stages(Quarter(2024, 1), Duty.SUMMARY, OFFICIAL, 5)
    assert ahead[1:3] == (date(2024, 3, 20), date(2024, 3, 26))
    assert ("2024Q1", "summary", "ahead") in due(date(2024, 3, 20), lead=5)
    assert ("2024Q1", "summary", "ahead") not in due(date(2024, 3, 20), lead=3)


# --- 2024Q3: a Sunday and a Saturday worked, National Day ---------------------------------


def test_2024q3_summary_window_includes_the_sunday_worked() -> None:
    window = (date(2024, 9, 27), date(2024, 9, 30))
    assert stage_on(date(2024, 9, 26), "2024Q3", Duty.SUMMARY) is Stage.AHEAD
    assert stage_on(date(2024, 9, 27), "2024Q3", Duty.SUMMARY) is Stage.OPENS
    sunday = one(date(2024, 9, 29), "2024Q3", Duty.SUMMARY)
    assert date(2024, 9, 29).weekday() == 6
    assert (sunday.stage, sunday.window) == (Stage.OPENS, window)
    assert one(date(2024, 9, 30), "2024Q3", Duty.SUMMARY).stage is Stage.DUE
    assert one(date(2024, 10, 1), "2024Q3", Duty.SUMMARY).stage is Stage.LATE


def test_2024q3_statistics_window_after_national_day() -> None:
    # Ahead runs through the holiday (10-01..07); the window is 10-08..10-10.
    for day in (date(2024, 10, 1), date(2024, 10, 7)):
        assert stage_on(day, "2024Q3", Duty.STATISTICS) is Stage.AHEAD, day
    opens = one(date(2024, 10, 8), "2024Q3", Duty.STATISTICS)
    assert (opens.stage, opens.window) == (Stage.OPENS, (date(2024, 10, 8), date(2024, 10, 10)))
    assert stage_on(date(2024, 10, 10), "2024Q3", Duty.STATISTICS) is Stage.DUE
    assert stage_on(date(2024, 10, 11), "2024Q3", Duty.STATISTICS) is Stage.LATE


def test_lateness_counts_the_saturday_worked_after_national_day() -> None:
    # 10 working days after 10-10 include Saturday 10-12 (调休): the last is 10-23, not 10-24.
    assert date(2024, 10, 12).weekday() == 5
    assert stage_on(date(2024, 10, 23), "2024Q3", Duty.STATISTICS) is Stage.LATE
    assert stage_on(date(2024, 10, 24), "2024Q3", Duty.STATISTICS) is None


def test_2025q3_statistics_due_day_is_a_saturday_worked() -> None:
    reminder = one(date(2025, 10, 11), "2025Q3", Duty.STATISTICS)
    assert date(2025, 10, 11).weekday() == 5
    assert (reminder.stage, reminder.window) == (
        Stage.DUE,
        (date(2025, 10, 9), date(2025, 10, 11)),
    )


# --- submissions ----------------------------------------------------------------------------


def test_a_submitted_duty_yields_no_reminders() -> None:
    summary_done = [("2024Q1", "summary")]
    assert due(date(2024, 3, 27), submitted=summary_done) == [("2024Q1", "statistics", "ahead")]
    assert due(date(2024, 4, 1), submitted=summary_done) == [("2024Q1", "statistics", "opens")]
    both = [*summary_done, ("2024Q1", "statistics")]
    for offset in range(40):
        day = date(2024, 3, 15) + timedelta(days=offset)
        assert [d for d in due(day, submitted=both) if d[0] == "2024Q1"] == [], day


def test_a_submission_counts_only_for_its_own_quarter() -> None:
    assert due(date(2024, 3, 27), submitted=[("2023Q4", "summary"), ("2024Q2", "summary")]) == [
        ("2024Q1", "statistics", "ahead"),
        ("2024Q1", "summary", "opens"),
    ]


# --- years the package does not know -------------------------------------------------------


def test_a_year_the_package_does_not_know_gives_provisional_reminders() -> None:
    # 2027 by Monday–Friday: Q1's last three working days are 03-29..31 (Mon–Wed).
    reminder = one(date(2027, 3, 29), "2027Q1", Duty.SUMMARY)
    assert (reminder.stage, reminder.window) == (
        Stage.OPENS,
        (date(2027, 3, 29), date(2027, 3, 31)),
    )
    assert reminder.provisional
    # 2026Q4's statistics window reaches into 2027: guessed too, New Year's Day counted as work.
    opens = one(date(2027, 1, 1), "2026Q4", Duty.STATISTICS)
    assert (opens.stage, opens.window, opens.provisional) == (
        Stage.OPENS,
        (date(2027, 1, 1), date(2027, 1, 5)),
        True,
    )


def test_a_summary_window_in_a_known_year_stays_firm_when_the_statistics_window_is_guessed() -> (
    None
):
    # 2026Q4: the summary window 12-29..31 is official; only the statistics window reaches 2027.
    summary = one(date(2026, 12, 29), "2026Q4", Duty.SUMMARY)
    assert (summary.stage, summary.window) == (
        Stage.OPENS,
        (date(2026, 12, 29), date(2026, 12, 31)),
    )
    assert summary.provisional is False
    assert one(date(2026, 12, 29), "2026Q4", Duty.STATISTICS).provisional is True


def test_config_holidays_for_the_unknown_year_move_the_dates_and_end_provisional() -> None:
    configured = WorkdayCalendar.from_config(
        extra_holidays=["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10"],
        extra_workdays=["2027-02-06"],
    )
    assert configured.year_is_known(2027)
    # New Year's Day off: the window starts on Monday 01-04, one working day later
    assert one(date(2027, 1, 1), "2026Q4", Duty.STATISTICS, configured).stage is Stage.AHEAD
    opens = one(date(2027, 1, 4), "2026Q4", Duty.STATISTICS, configured)
    assert (opens.stage, opens.window, opens.provisional) == (
        Stage.OPENS,
        (date(2027, 1, 4), date(2027, 1, 6)),
        False,
    )
    summary = one(date(2027, 3, 29), "2027Q1", Duty.SUMMARY, configured)
    assert (summary.window, summary.provisional) == ((date(2027, 3, 29), date(2027, 3, 31)), False)


# --- shape ----------------------------------------------------------------------------------


@given(
    st.integers(min_value=2005, max_value=2025),
    st.integers(min_value=1, max_value=4),
    st.sampled_from(list(Duty)),
    st.integers(min_value=1, max_value=5),
)
def test_stages_follow_each_other_without_gap_or_overlap(
    year: int, number: int, duty: Duty, lead: int
) -> None:
    spans = stages(Quarter(year, number), duty, OFFICIAL, lead)
    assert [s[0] for s in spans] == [Stage.AHEAD, Stage.OPENS, Stage.DUE, Stage.LATE]
    for (_, _, last, _, _), (_, first, _, _, _) in pairwise(spans):
        assert first == last + timedelta(days=1)
    _, opens, _, window, _ = spans[1]
    _, due_first, due_last, _, _ = spans[2]
    assert window == (opens, due_first) and due_first == due_last
    assert OFFICIAL.is_workday(spans[0][1]) and OFFICIAL.is_workday(due_first)
    assert OFFICIAL.workdays_between(spans[0][1], opens).value == lead
    assert OFFICIAL.workdays_between(due_first, spans[3][2]).value == LATE_WORKDAYS
