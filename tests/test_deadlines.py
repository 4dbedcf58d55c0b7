"""Quarters and the reporting deadlines of DESIGN.md rule 10, against the official calendar."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from spotcheck.deadlines import (
    Quarter,
    publication_due,
    quarter_deadlines,
    year_deadlines,
)
from spotcheck.workdays import WorkdayCalendar, package_knows

OFFICIAL = WorkdayCalendar()
FUTURE = next(y for y in range(2027, 2101) if not package_knows(y))


def _weekdays(start: date, end: date) -> list[date]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


# -- Quarter -----------------------------------------------------------------------------------


def test_quarter_parses_and_prints_back() -> None:
    q = Quarter.parse("2024Q1")
    assert q == Quarter(2024, 1)
    assert str(q) == "2024Q1"
    assert Quarter.parse(" 2024q3 ") == Quarter(2024, 3)


@pytest.mark.parametrize("text", ["2024Q5", "2024Q0", "2024-Q1", "24Q1", "Q1 2024", ""])
def test_quarter_rejects_what_is_not_a_quarter(text: str) -> None:
    with pytest.raises(ValueError):
        Quarter.parse(text)


def test_quarter_knows_its_days_and_neighbours() -> None:
    q = Quarter(2024, 1)
    assert (q.first_day, q.last_day) == (date(2024, 1, 1), date(2024, 3, 31))
    assert Quarter(2024, 3).last_day == date(2024, 9, 30)
    assert Quarter(2024, 4).next() == Quarter(2025, 1)
    assert Quarter(2024, 1).previous() == Quarter(2023, 4)
    assert Quarter(2024, 2).next() == Quarter(2024, 3)
    assert Quarter.containing(date(2024, 9, 30)) == Quarter(2024, 3)
    assert Quarter.containing(date(2024, 10, 1)) == Quarter(2024, 4)
    assert Quarter(2023, 4) < Quarter(2024, 1)


# -- quarter deadlines -------------------------------------------------------------------------


def test_2024q1_summary_window_and_statistics_due_skip_qingming() -> None:
    d = quarter_deadlines(Quarter(2024, 1), OFFICIAL)
    assert d.summary_window == (date(2024, 3, 27), date(2024, 3, 29))
    assert d.statistics_window == (date(2024, 4, 1), date(2024, 4, 3))
    assert d.statistics_due == date(2024, 4, 3)  # 04-04 is Qingming
    assert d.draw_due == date(2024, 1, 15)
    assert d.provisional is False


def test_json_shape_is_exactly_what_the_command_line_prints() -> None:
    d = quarter_deadlines(Quarter.parse("2024Q1"), OFFICIAL)
    assert d.to_json_dict() == {
        "quarter": "2024Q1",
        "summary_window": ["2024-03-27", "2024-03-29"],
        "statistics_window": ["2024-04-01", "2024-04-03"],
        "statistics_due": "2024-04-03",
        "draw_due": "2024-01-15",
        "provisional": False,
    }
    assert json.dumps(d.to_json_dict(), ensure_ascii=False) == (
        '{"quarter": "2024Q1", "summary_window": ["2024-03-27", "2024-03-29"], '
        '"statistics_window": ["2024-04-01", "2024-04-03"], "statistics_due": "2024-04-03", '
        '"draw_due": "2024-01-15", "provisional": false}'
    )


def test_2024q3_summary_window_includes_the_sunday_worked() -> None:
    d = quarter_deadlines(Quarter(2024, 3), OFFICIAL)
    # The last three working days of the quarter are 09-27 (Fri), 09-29 (Sun worked), 09-30.
    assert d.summary_window == (date(2024, 9, 27), date(2024, 9, 30))
    days = OFFICIAL.last_workdays_in(d.quarter.first_day, d.quarter.last_day, 3).value
    assert days == (date(2024, 9, 27), date(2024, 9, 29), date(2024, 9, 30))


def test_2024q3_statistics_window_waits_for_the_end_of_national_day() -> None:
    d = quarter_deadlines(Quarter(2024, 3), OFFICIAL)
    assert d.statistics_window == (date(2024, 10, 8), date(2024, 10, 10))
    assert d.statistics_due == date(2024, 10, 10)


def test_2025q3_statistics_due_on_a_saturday_worked() -> None:
    d = quarter_deadlines(Quarter(2025, 3), OFFICIAL)
    assert d.summary_window == (date(2025, 9, 28), date(2025, 9, 30))  # 09-28 is a Sunday worked
    assert d.statistics_window == (date(2025, 10, 9), date(2025, 10, 11))
    assert d.statistics_due == date(2025, 10, 11)
    assert d.statistics_due.weekday() == 5


def test_2024q4_statistics_window_crosses_into_the_new_year() -> None:
    d = quarter_deadlines(Quarter(2024, 4), OFFICIAL)
    assert d.summary_window == (date(2024, 12, 27), date(2024, 12, 31))
    assert d.statistics_window == (date(2025, 1, 2), date(2025, 1, 6))


def test_draw_due_counts_calendar_days_from_the_quarter_start() -> None:
    assert quarter_deadlines(Quarter(2024, 4), OFFICIAL).draw_due == date(2024, 10, 15)
    assert quarter_deadlines(Quarter(2024, 2), OFFICIAL, draw_due_days=10).draw_due == date(
        2024, 4, 10
    )
    for bad in (0, -1, 92):  # 2024Q1 has 91 days
        with pytest.raises(ValueError):
            quarter_deadlines(Quarter(2024, 1), OFFICIAL, draw_due_days=bad)


def test_year_deadlines_lists_four_quarters_in_order() -> None:
    year = year_deadlines(2024, OFFICIAL)
    assert [str(d.quarter) for d in year] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert not any(d.provisional for d in year)


# -- a year the package does not know ----------------------------------------------------------


def test_unknown_year_without_config_is_monday_to_friday_and_provisional() -> None:
    d = quarter_deadlines(Quarter(FUTURE, 1), OFFICIAL)
    march = _weekdays(date(FUTURE, 3, 1), date(FUTURE, 3, 31))
    april = _weekdays(date(FUTURE, 4, 1), date(FUTURE, 4, 30))
    assert d.summary_window == (march[-3], march[-1])
    assert d.statistics_window == (april[0], april[2])
    assert d.provisional is True
    assert d.to_json_dict()["provisional"] is True
    assert all(q.provisional for q in year_deadlines(FUTURE, OFFICIAL))
    assert OFFICIAL.unknown_years([FUTURE]) == (FUTURE,)


def test_last_quarter_before_an_unknown_year_is_provisional() -> None:
    d = quarter_deadlines(Quarter(FUTURE - 1, 4), OFFICIAL)
    assert d.statistics_window[0].year == FUTURE
    assert d.provisional is True


def test_config_for_the_unknown_year_moves_the_dates_and_ends_provisional() -> None:
    new_year = date(FUTURE, 1, 1)
    calendar = WorkdayCalendar(extra_holidays=frozenset({new_year}))
    before = quarter_deadlines(Quarter(FUTURE - 1, 4), OFFICIAL)
    after = quarter_deadlines(Quarter(FUTURE - 1, 4), calendar)
    january = [d for d in _weekdays(new_year, date(FUTURE, 1, 31)) if d != new_year]
    assert after.statistics_window == (january[0], january[2])
    assert after.provisional is False
    if new_year.weekday() < 5:  # 2027-01-01 is a Friday: the guess counted it as a working day
        assert before.statistics_window[0] == new_year
        assert after.statistics_window != before.statistics_window


def test_config_extra_holiday_and_working_day_move_the_summary_window() -> None:
    march = _weekdays(date(FUTURE, 3, 1), date(FUTURE, 3, 31))
    last_saturday = max(
        date(FUTURE, 3, d) for d in range(25, 32) if date(FUTURE, 3, d).weekday() == 5
    )
    calendar = WorkdayCalendar(
        extra_holidays=frozenset({march[-1]}), extra_workdays=frozenset({last_saturday})
    )
    expected = sorted([*march[:-1], last_saturday])[-3:]
    d = quarter_deadlines(Quarter(FUTURE, 1), calendar)
    assert d.summary_window == (expected[0], expected[-1])
    assert d.summary_window != quarter_deadlines(Quarter(FUTURE, 1), OFFICIAL).summary_window
    assert d.provisional is False


# -- publication -------------------------------------------------------------------------------


def test_publication_due_is_the_20th_working_day_after_the_result_is_formed() -> None:
    # 10-08..10-12 (Saturday worked) are 5, 10-14..10-31 make 19, 11-01 is the 20th.
    assert publication_due(date(2024, 9, 30), OFFICIAL) == date(2024, 11, 1)
    assert publication_due(date(2024, 1, 31), OFFICIAL) == date(2024, 3, 4)
    assert (
        OFFICIAL.workdays_between(
            date(2024, 9, 20), publication_due(date(2024, 9, 20), OFFICIAL)
        ).value
        == 20
    )
