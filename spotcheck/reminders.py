"""Which reporting reminders are due (DESIGN.md rule 10): pure, given the day and what has been
submitted.

Each county sends the quarter's work summary (工作总结) within its summary window and the
statistics table (统计表) within its statistics window. For each duty and quarter a county
admin is reminded at four stages: AHEAD (``lead_workdays`` working days before the window
opens), OPENS (the window's first day), DUE (its last day), and — when the due day has passed
without a submission — LATE, which goes to the city admins as an escalation. A stage is
relevant from its first day until the next stage begins (LATE for ``LATE_WORKDAYS`` working
days after the due day), and never once the duty is submitted: after downtime, only what is
still relevant is sent (catch-up), and a ledger keyed by ``Reminder.key`` makes each one go
out once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from spotcheck.deadlines import Quarter, QuarterDeadlines, quarter_deadlines
from spotcheck.workdays import WorkdayCalendar

LATE_WORKDAYS = 10


class Duty(StrEnum):
    SUMMARY = "summary"  # 工作总结, with typical cases and evidence
    STATISTICS = "statistics"  # 统计表


class Stage(StrEnum):
    AHEAD = "ahead"
    OPENS = "opens"
    DUE = "due"
    LATE = "late"  # escalated to the city


@dataclass(frozen=True, slots=True)
class Reminder:
    quarter: Quarter
    duty: Duty
    stage: Stage
    window: tuple[date, date]
    provisional: bool

    @property
    def key(self) -> str:
        return f"{self.quarter}:{self.duty}:{self.stage}"

    @property
    def escalated(self) -> bool:
        return self.stage is Stage.LATE


def duty_window(
    deadlines: QuarterDeadlines, duty: Duty, calendar: WorkdayCalendar
) -> tuple[tuple[date, date], bool]:
    """A duty's window, and whether it is provisional — judged by the days that window rests on
    alone (the quarter's last working days, or the days after the quarter), so that 2026Q4's
    summary window stays firm although its statistics window reaches into an unknown 2027."""
    if duty is Duty.SUMMARY:
        window = deadlines.summary_window
        consulted = (window[0], deadlines.quarter.last_day)
    else:
        window = deadlines.statistics_window
        consulted = (deadlines.quarter.last_day + timedelta(days=1), window[1])
    guessed = calendar.unknown_years(range(consulted[0].year, consulted[1].year + 1))
    return window, bool(guessed)


@cache
def stages(
    quarter: Quarter, duty: Duty, calendar: WorkdayCalendar, lead_workdays: int
) -> tuple[tuple[Stage, date, date, tuple[date, date], bool], ...]:
    """(stage, first day, last day, window, provisional) for one duty of one quarter.

    Cached: every county asks the same question every morning, and the answer depends only on
    the calendar (a frozen value)."""
    window, window_provisional = duty_window(quarter_deadlines(quarter, calendar), duty, calendar)
    opens, due = window
    ahead = calendar.nth_workday_before(opens, lead_workdays)
    provisional = window_provisional or ahead.provisional
    late_until = calendar.nth_workday_after(due, LATE_WORKDAYS).value
    spans = [
        (Stage.AHEAD, ahead.value, opens - timedelta(days=1)),
        (Stage.OPENS, opens, due - timedelta(days=1)),
        (Stage.DUE, due, due),
        (Stage.LATE, due + timedelta(days=1), late_until),
    ]
    return tuple(
        (stage, first, last, window, provisional) for stage, first, last in spans if first <= last
    )


def reminders_due(
    today: date,
    calendar: WorkdayCalendar,
    submitted: Iterable[tuple[str, str]],
    lead_workdays: int = 3,
) -> list[Reminder]:
    """The reminders relevant today for one county, given its submitted (quarter, duty) pairs.

    The quarters looked at are today's and the one before (whose statistics window and lateness
    reach into today's quarter).
    """
    done = {(q, d) for q, d in submitted}
    current = Quarter.containing(today)
    found: list[Reminder] = []
    for quarter in (current.previous(), current, current.next()):
        for duty in Duty:
            if (str(quarter), duty.value) in done:
                continue
            for stage, first, last, window, provisional in stages(
                quarter, duty, calendar, lead_workdays
            ):
                if first <= today <= last:
                    found.append(Reminder(quarter, duty, stage, window, provisional))
    return found
