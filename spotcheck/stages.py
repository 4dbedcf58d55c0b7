"""Stages counted: how many assignments stand at each stage (待接受 … 通过), and how many
follow-ups are open and overdue — what the leads' and county admins' digests and the
statistics reminder name. Pure: the rows come in, the counts go out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from spotcheck.inspection import FollowUpKind
from spotcheck.states import TaskState

OPEN = "open"  # follow_ups.state of a follow-up not yet closed (未完结)


def follow_up_overdue(kind: FollowUpKind, deadline: date | None, state: str, today: date) -> bool:
    """An open 责令整改 whose deadline is before today: overdue (the deadline day itself is
    still in time). Other follow-ups have no deadline to miss."""
    return (
        state == OPEN and kind is FollowUpKind.RECTIFY and deadline is not None and deadline < today
    )


@dataclass(frozen=True)
class StageCounts:
    """Assignments per stage, every stage present (0 when none), in the chain's order; and the
    follow-ups still open, of which overdue."""

    stages: tuple[tuple[TaskState, int], ...] = field(
        default_factory=lambda: tuple((s, 0) for s in TaskState)
    )
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0

    @property
    def total(self) -> int:
        return sum(n for _, n in self.stages)

    def of(self, stage: TaskState) -> int:
        return dict(self.stages)[stage]


def count_stages(
    stages: Iterable[TaskState],
    follow_ups: Iterable[tuple[FollowUpKind, date | None, str]],
    today: date,
) -> StageCounts:
    """The counts of these assignments' stages and of these follow-ups (kind, deadline, state)."""
    counted = Counter(stages)
    open_ = [(k, d, s) for k, d, s in follow_ups if s == OPEN]
    return StageCounts(
        tuple((s, counted[s]) for s in TaskState),
        len(open_),
        sum(1 for k, d, s in open_ if follow_up_overdue(k, d, s, today)),
    )
