"""The working-day calendar: official schedule, config overrides, Monday–Friday fallback."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.workdays import ConflictingOverrides, Workday, WorkdayCalendar, package_knows

OFFICIAL = WorkdayCalendar()

# The first year from 2027 on that the installed chinesecalendar does not know (2027 with 1.11);
# found at run time so that a newer package release does not break these tests.
FUTURE = next(y for y in range(2027, 2101) if not package_knows(y))


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


# -- the official calendar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (date(2024, 3, 29), True),  # an ordinary Friday
        (date(2024, 3, 30), False),  # an ordinary Saturday
        (date(2024, 4, 4), False),  # Qingming, a Thursday
        (date(2024, 4, 5), False),  # Qingming bridge day, a Friday
        (date(2024, 2, 18), True),  # Sunday worked for the Spring Festival
        (date(2024, 9, 29), True),  # Sunday worked for National Day
        (date(2024, 10, 1), False),  # National Day
        (date(2024, 10, 7), False),  # last day of the National Day holiday, a Monday
        (date(2024, 10, 12), True),  # Saturday worked for National Day
        (date(2025, 10, 11), True),  # Saturday worked for National Day
    ],
)
def test_official_calendar_follows_holidays_and_weekends_worked(
    day: date, is_workday: bool
) -> None:
    answer = OFFICIAL.is_workday(day)
    assert answer.is_workday is is_workday
    assert answer.provisional is False
    assert bool(answer) is is_workday


def test_package_years_are_found_at_run_time_not_hard_coded() -> None:
    assert package_knows(2004) and package_knows(2024) and package_knows(2026)
    assert not package_knows(1900)
    assert not package_knows(FUTURE)
    assert not package_knows(0) and not package_knows(10_000)


def test_no_year_from_1900_to_2100_crashes() -> None:
    for year in range(1900, 2101):
        assert OFFICIAL.is_workday(date(year, 1, 1)).is_workday in (True, False)
        assert OFFICIAL.add_workdays(date(year, 12, 30), 3).value.year == year + 1
        assert OFFICIAL.add_workdays(date(year, 1, 2), -3).value.year == year - 1


# -- a year nobody knows yet -------------------------------------------------------------------


def test_unknown_year_without_config_falls_back_to_monday_to_friday_provisionally() -> None:
    for day in _days_of(FUTURE):
        answer = OFFICIAL.is_workday(day)
        assert answer.is_workday is (day.weekday() < 5)
        assert answer.provisional is True


def test_unknown_year_skips_the_statutory_holidays_and_stays_provisional() -> None:
    new_year, national_day = date(FUTURE, 1, 1), date(FUTURE, 10, 1)
    asked: list[int] = []

    def statutory(year: int) -> frozenset[date]:
        asked.append(year)
        return frozenset({date(year, 1, 1), date(year, 10, 1)})

    calendar = WorkdayCalendar(statutory_holidays=statutory)
    for day in _days_of(FUTURE):
        answer = calendar.is_workday(day)
        assert answer.is_workday is (day.weekday() < 5 and day not in (new_year, national_day))
        assert answer.provisional is True
    # The official calendar and the config decide their years without the estimate.
    assert calendar.is_workday(date(2024, 10, 8)) == Workday(True, False)
    assert calendar.is_workday(date(2024, 10, 1)) == Workday(False, False)
    # A year the config lists is the config's alone: its 10-01 is what the config says.
    configured = WorkdayCalendar(
        extra_holidays=frozenset({date(FUTURE, 5, 3)}), statutory_holidays=statutory
    )
    assert configured.is_workday(national_day) == Workday(national_day.weekday() < 5, False)
    assert set(asked) == {FUTURE}
    # A different estimate is a different calendar (reminders cache their stages per calendar).
    assert calendar != OFFICIAL


def test_unknown_years_lists_only_years_neither_package_nor_config_covers() -> None:
    assert OFFICIAL.unknown_years([2024, FUTURE, 1990, FUTURE, 2003]) == (1990, 2003, FUTURE)
    assert OFFICIAL.unknown_years([2004, 2026]) == ()
    configured = WorkdayCalendar(extra_holidays=frozenset({date(FUTURE, 1, 1)}))
    assert configured.unknown_years([FUTURE, FUTURE + 1]) == (FUTURE + 1,)
    assert configured.year_is_known(FUTURE)


def test_config_overrides_decide_an_unknown_year_and_make_it_no_longer_provisional() -> None:
    friday = _weekday_on_or_after(date(FUTURE, 10, 1), 4)
    saturday = friday + timedelta(days=1)
    monday = friday + timedelta(days=3)
    calendar = WorkdayCalendar(
        extra_holidays=frozenset({friday}), extra_workdays=frozenset({saturday})
    )
    assert calendar.is_workday(friday).is_workday is False
    assert calendar.is_workday(friday).provisional is False
    assert calendar.is_workday(saturday).is_workday is True
    assert calendar.is_workday(saturday).provisional is False
    # Any date listed claims the whole year: the other days are Monday–Friday, not provisional.
    assert calendar.is_workday(monday).is_workday is True
    assert calendar.is_workday(monday).provisional is False
    # Thursday before the extra holiday, plus one working day, lands on the Saturday worked.
    assert calendar.add_workdays(friday - timedelta(days=1), 1).value == saturday
    assert OFFICIAL.add_workdays(friday - timedelta(days=1), 1).value == friday
    # The following year is still unknown.
    assert calendar.is_workday(date(FUTURE + 1, 6, 1)).provisional is True


def test_config_overrides_come_before_the_official_calendar() -> None:
    calendar = WorkdayCalendar.from_config(
        extra_holidays=["2024-03-29"], extra_workdays=[date(2024, 4, 4)]
    )
    assert calendar.is_workday(date(2024, 3, 29)).is_workday is False
    assert calendar.is_workday(date(2024, 4, 4)).is_workday is True
    assert calendar.is_workday(date(2024, 4, 5)).is_workday is False  # still the package's


def test_a_date_both_holiday_and_workday_in_config_is_rejected() -> None:
    with pytest.raises(ConflictingOverrides) as raised:
        WorkdayCalendar.from_config(["2027-01-01", "2027-01-04"], ["2027-01-04"])
    assert raised.value.dates == (date(2027, 1, 4),)


# -- counting ----------------------------------------------------------------------------------


def test_nth_workday_after_skips_the_national_day_holiday() -> None:
    assert OFFICIAL.nth_workday_after(date(2024, 9, 30), 1).value == date(2024, 10, 8)
    assert OFFICIAL.nth_workday_after(date(2024, 9, 30), 5).value == date(2024, 10, 12)
    assert OFFICIAL.nth_workday_before(date(2024, 10, 8), 1).value == date(2024, 9, 30)
    with pytest.raises(ValueError):
        OFFICIAL.nth_workday_after(date(2024, 9, 30), 0)


def test_add_workdays_with_zero_rolls_a_rest_day_forward() -> None:
    assert OFFICIAL.add_workdays(date(2024, 10, 3), 0).value == date(2024, 10, 8)
    assert OFFICIAL.add_workdays(date(2024, 10, 8), 0).value == date(2024, 10, 8)
    assert OFFICIAL.add_workdays(date(2024, 10, 8), -1).value == date(2024, 9, 30)


def test_workdays_between_counts_after_start_up_to_end() -> None:
    assert OFFICIAL.workdays_between(date(2024, 9, 27), date(2024, 10, 8)).value == 3
    assert OFFICIAL.workdays_between(date(2024, 10, 8), date(2024, 10, 8)).value == 0
    assert OFFICIAL.workdays_between(date(2024, 10, 8), date(2024, 9, 1)).value == 0


def test_last_workdays_in_counts_a_sunday_worked() -> None:
    last = OFFICIAL.last_workdays_in(date(2024, 7, 1), date(2024, 9, 30), 3)
    assert last.value == (date(2024, 9, 27), date(2024, 9, 29), date(2024, 9, 30))
    assert last.provisional is False
    short = OFFICIAL.last_workdays_in(date(2024, 10, 1), date(2024, 10, 8), 3)
    assert short.value == (date(2024, 10, 8),)


def test_provisional_spreads_to_any_answer_that_consulted_an_unknown_year() -> None:
    last_known = date(FUTURE - 1, 12, 31)
    assert (
        OFFICIAL.workdays_between(last_known - timedelta(days=10), last_known).provisional is False
    )
    assert OFFICIAL.nth_workday_after(last_known, 1).provisional is True
    assert OFFICIAL.workdays_between(last_known, last_known + timedelta(days=1)).provisional
    assert OFFICIAL.add_workdays(date(FUTURE, 1, 10), -30).provisional is True


# -- properties --------------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        OFFICIAL,
        WorkdayCalendar.from_config(
            extra_holidays=[date(FUTURE, 1, 1), "2024-03-29"],
            extra_workdays=[_weekday_on_or_after(date(FUTURE, 2, 1), 5)],
        ),
    ]
)
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
STEPS = st.integers(min_value=-40, max_value=40)


@settings(max_examples=300)
@given(CALENDARS, DAYS, STEPS)
def test_add_workdays_never_lands_on_a_rest_day(
    calendar: WorkdayCalendar, day: date, n: int
) -> None:
    assert calendar.is_workday(calendar.add_workdays(day, n).value).is_workday


@settings(max_examples=300)
@given(CALENDARS, DAYS, STEPS, STEPS)
def test_add_workdays_is_monotonic_in_the_count(
    calendar: WorkdayCalendar, day: date, m: int, n: int
) -> None:
    low, high = sorted((m, n))
    a, b = calendar.add_workdays(day, low).value, calendar.add_workdays(day, high).value
    assert a <= b
    if low < high and low != 0 and high != 0:
        assert a < b


@settings(max_examples=300)
@given(CALENDARS, DAYS, st.integers(min_value=0, max_value=20), STEPS)
def test_add_workdays_is_monotonic_in_the_start(
    calendar: WorkdayCalendar, day: date, later: int, n: int
) -> None:
    other = day + timedelta(days=later)
    assert calendar.add_workdays(day, n).value <= calendar.add_workdays(other, n).value


@settings(max_examples=200)
@given(CALENDARS, DAYS, st.integers(min_value=1, max_value=40))
def test_workdays_between_undoes_nth_workday_after(
    calendar: WorkdayCalendar, day: date, n: int
) -> None:
    assert calendar.workdays_between(day, calendar.nth_workday_after(day, n).value).value == n


# -- the boundary ------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["workdays.py", "deadlines.py"])
def test_calendar_modules_import_nothing_outside_the_domain(module: str) -> None:
    source = Path(__file__).parents[1] / "spotcheck" / module
    forbidden = {"bot", "storage", "handlers", "scheduler", "telegram", "sqlalchemy", "holidays"}
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        assert not {name.split(".")[0] for name in names} & forbidden
