"""Working days (工作日) by the official Chinese calendar, with config for years it lacks.

A day is a working day by the first source that knows its year:

1. the ``[calendar]`` config lists (extra holidays, extra working days) — for any date listed;
2. the chinesecalendar package, for the years its data covers (asked at run time, never
   hard-coded: a newer package release simply knows more years);
3. otherwise Monday to Friday less the statutory holidays (法定节假日, with the days off the
   law gives for those falling on a weekend), marked *provisional*: the rule of the holidays
   is known years ahead (the lunar ones are computed), the make-up working days (调休) that
   the State Council adds are not. The statutory days come in as a function of the year,
   so this module stays free of the package that computes them.

A year counts as covered by config when config lists any date in that year. The State Council
publishes a year's holiday schedule in November or December; until chinesecalendar ships it,
an admin copies the year's holidays and make-up working days (调休) into the config, and from
then on that year is no longer provisional. Listing a single date of a year therefore claims
the whole year: every other weekday of it is a working day and every weekend day a rest day.

Every answer carries ``provisional``: true when any day consulted to reach it fell in a year
that neither source covers, so the answer may move once the official schedule is known.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

import chinese_calendar

T = TypeVar("T")

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Workday:
    """Whether one day is a working day, and whether that is only a Monday–Friday guess.

    Truthy exactly when ``is_workday``, so ``if calendar.is_workday(d):`` reads as expected.
    """

    is_workday: bool
    provisional: bool

    def __bool__(self) -> bool:
        return self.is_workday


@dataclass(frozen=True, slots=True)
class Reckoned(Generic[T]):
    """A value reckoned in working days, provisional if any day consulted was provisional."""

    value: T
    provisional: bool


class ConflictingOverrides(ValueError):
    """The config lists the same date both as an extra holiday and as an extra working day."""

    def __init__(self, dates: Iterable[date]) -> None:
        self.dates: tuple[date, ...] = tuple(sorted(dates))
        super().__init__(f"dates listed both as holiday and as working day: {self.dates}")


@functools.cache
def package_knows(year: int) -> bool:
    """Whether the installed chinesecalendar has the official schedule for ``year``."""
    if not 1 <= year <= 9999:
        return False
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value.strip())


def no_statutory_holidays(_year: int) -> frozenset[date]:
    return frozenset()


@dataclass(frozen=True, slots=True)
class WorkdayCalendar:
    """The working-day calendar: config overrides, then chinesecalendar, then Monday–Friday
    less ``statutory_holidays(year)``."""

    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    # Part of the value (equality, hash): reminders cache their stages per calendar.
    statutory_holidays: Callable[[int], frozenset[date]] = no_statutory_holidays
    _config_years: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        both = self.extra_holidays & self.extra_workdays
        if both:
            raise ConflictingOverrides(both)
        years = frozenset(d.year for d in self.extra_holidays | self.extra_workdays)
        object.__setattr__(self, "_config_years", years)

    @classmethod
    def from_config(
        cls,
        extra_holidays: Iterable[date | str] = (),
        extra_workdays: Iterable[date | str] = (),
        statutory_holidays: Callable[[int], frozenset[date]] = no_statutory_holidays,
    ) -> WorkdayCalendar:
        """Build from config lists of dates or ISO strings ("2027-01-01")."""
        return cls(
            frozenset(_as_date(d) for d in extra_holidays),
            frozenset(_as_date(d) for d in extra_workdays),
            statutory_holidays,
        )

    # -- single days ------------------------------------------------------------------------

    def year_is_known(self, year: int) -> bool:
        """Whether config or chinesecalendar covers ``year`` (so its days are not provisional)."""
        return year in self._config_years or package_knows(year)

    def unknown_years(self, years: Iterable[int]) -> tuple[int, ...]:
        """The years among ``years``, sorted and distinct, that need ``[calendar]`` config."""
        return tuple(sorted({y for y in years if not self.year_is_known(y)}))

    def is_workday(self, day: date) -> Workday:
        d = _as_date(day)
        if d in self.extra_workdays:
            return Workday(is_workday=True, provisional=False)
        if d in self.extra_holidays:
            return Workday(is_workday=False, provisional=False)
        if package_knows(d.year):
            return Workday(is_workday=bool(chinese_calendar.is_workday(d)), provisional=False)
        weekday = d.weekday() < 5
        if d.year in self._config_years:
            return Workday(is_workday=weekday, provisional=False)
        return Workday(weekday and d not in self.statutory_holidays(d.year), provisional=True)

    # -- counting -----------------------------------------------------------------------------

    def nth_workday_after(self, day: date, n: int) -> Reckoned[date]:
        """The ``n``-th working day strictly after ``day`` (``n`` >= 1); ``day`` is not counted."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        return self._step(_as_date(day), n, _ONE_DAY)

    def nth_workday_before(self, day: date, n: int) -> Reckoned[date]:
        """The ``n``-th working day strictly before ``day`` (``n`` >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        return self._step(_as_date(day), n, -_ONE_DAY)

    def add_workdays(self, day: date, n: int) -> Reckoned[date]:
        """Move ``n`` working days from ``day``: forward if ``n`` > 0, backward if ``n`` < 0.

        ``day`` itself is never counted. With ``n`` == 0 the answer is ``day`` when it is a
        working day, otherwise the next working day, so the answer is always a working day.
        """
        d = _as_date(day)
        if n > 0:
            return self._step(d, n, _ONE_DAY)
        if n < 0:
            return self._step(d, -n, -_ONE_DAY)
        today = self.is_workday(d)
        if today.is_workday:
            return Reckoned(d, today.provisional)
        after = self._step(d, 1, _ONE_DAY)
        return Reckoned(after.value, after.provisional or today.provisional)

    def workdays_between(self, start: date, end: date) -> Reckoned[int]:
        """How many working days fall after ``start`` up to and including ``end``.

        The interval is (start, end]: ``workdays_between(d, nth_workday_after(d, n)) == n``.
        Zero when ``end`` <= ``start``.
        """
        d, last = _as_date(start) + _ONE_DAY, _as_date(end)
        count, provisional = 0, False
        while d <= last:
            w = self.is_workday(d)
            count += w.is_workday
            provisional = provisional or w.provisional
            d += _ONE_DAY
        return Reckoned(count, provisional)

    def last_workdays_in(self, start: date, end: date, n: int) -> Reckoned[tuple[date, ...]]:
        """The last ``n`` working days within [start, end], earliest first.

        Fewer than ``n`` when the interval holds fewer. Only the days from ``end`` back to the
        earliest one returned are consulted.
        """
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        first, d = _as_date(start), _as_date(end)
        found: list[date] = []
        provisional = False
        while len(found) < n and d >= first:
            w = self.is_workday(d)
            provisional = provisional or w.provisional
            if w.is_workday:
                found.append(d)
            d -= _ONE_DAY
        return Reckoned(tuple(reversed(found)), provisional)

    def _step(self, day: date, n: int, step: timedelta) -> Reckoned[date]:
        d, left, provisional = day, n, False
        while left:
            d += step
            w = self.is_workday(d)
            provisional = provisional or w.provisional
            left -= w.is_workday
        return Reckoned(d, provisional)
