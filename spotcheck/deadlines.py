"""Quarters and the reporting deadlines of DESIGN.md rule 10.

Each county branch sends the quarter's work summary within the last 3 working days before the
quarter ends (the *summary window*: the last 3 working days that fall inside the quarter) and
the quarter's statistics table within 3 working days after it ends (the *statistics window*:
the 1st to 3rd working day after the quarter; due on the 3rd). A quarter's draw is due within
its first ``draw_due_days`` calendar days (config, 15 by default). A result is published within
20 working days after it is formed; the day it is formed is not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from spotcheck.workdays import WorkdayCalendar

SUMMARY_DAYS = 3
STATISTICS_DAYS = 3
PUBLICATION_WORKDAYS = 20
DRAW_DUE_DAYS = 15

QUARTER_PATTERN = re.compile(r"([0-9]{4})Q([1-4])")
_LAST_DAY = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    """A calendar quarter, written "2024Q1"."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"quarter number must be 1 to 4, got {self.number}")
        # The year after must exist too: a quarter's statistics window lies in the next one.
        if not 1 <= self.year <= 9998:
            raise ValueError(f"year out of range: {self.year}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2024Q1" (case-insensitive, surrounding blanks ignored) to a Quarter."""
        m = QUARTER_PATTERN.fullmatch(text.strip().upper())
        if m is None:
            raise ValueError(f"not a quarter like 2024Q1: {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def of_year(cls, year: int) -> tuple[Quarter, ...]:
        return tuple(cls(year, n) for n in range(1, 5))

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        month, day = _LAST_DAY[self.number]
        return date(self.year, month, day)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)


@dataclass(frozen=True, slots=True)
class QuarterDeadlines:
    """One quarter's deadlines; ``provisional`` when any of them rests on a Monday–Friday guess."""

    quarter: Quarter
    summary_window: tuple[date, date]
    statistics_window: tuple[date, date]
    statistics_due: date
    draw_due: date
    provisional: bool

    def to_json_dict(self) -> dict[str, str | list[str] | bool]:
        return {
            "quarter": str(self.quarter),
            "summary_window": [d.isoformat() for d in self.summary_window],
            "statistics_window": [d.isoformat() for d in self.statistics_window],
            "statistics_due": self.statistics_due.isoformat(),
            "draw_due": self.draw_due.isoformat(),
            "provisional": self.provisional,
        }


def quarter_deadlines(
    quarter: Quarter, calendar: WorkdayCalendar, draw_due_days: int = DRAW_DUE_DAYS
) -> QuarterDeadlines:
    if not 1 <= draw_due_days <= (quarter.last_day - quarter.first_day).days + 1:
        raise ValueError(f"draw_due_days must fall inside the quarter, got {draw_due_days}")
    draw_due = quarter.first_day + timedelta(days=draw_due_days - 1)
    summary = calendar.last_workdays_in(quarter.first_day, quarter.last_day, SUMMARY_DAYS)
    opens = calendar.nth_workday_after(quarter.last_day, 1)
    due = calendar.nth_workday_after(quarter.last_day, STATISTICS_DAYS)
    return QuarterDeadlines(
        quarter=quarter,
        summary_window=(summary.value[0], summary.value[-1]),
        statistics_window=(opens.value, due.value),
        statistics_due=due.value,
        draw_due=draw_due,
        provisional=summary.provisional or opens.provisional or due.provisional,
    )


def year_deadlines(
    year: int, calendar: WorkdayCalendar, draw_due_days: int = DRAW_DUE_DAYS
) -> tuple[QuarterDeadlines, ...]:
    """The four quarters of ``year``, in order."""
    return tuple(quarter_deadlines(q, calendar, draw_due_days) for q in Quarter.of_year(year))


LATE_DRAW_CHECK_DAYS = 30  # a draw of an ended quarter: its checks are due this many days later


def check_due(quarter: Quarter, drawn_on: date | None) -> date:
    """When a drawn check is due: the quarter's last day, or — drawn after the quarter ended,
    a late draw made with its reason — ``LATE_DRAW_CHECK_DAYS`` after the day it was drawn."""
    if drawn_on is None or drawn_on <= quarter.last_day:
        return quarter.last_day
    return drawn_on + timedelta(days=LATE_DRAW_CHECK_DAYS)


def publication_due(formed: date, calendar: WorkdayCalendar) -> date:
    """The last day to publish a result formed on ``formed``: the 20th working day after it.

    For whether that date is provisional, ask ``calendar.nth_workday_after(formed, 20)``.
    """
    return calendar.nth_workday_after(formed, PUBLICATION_WORKDAYS).value
