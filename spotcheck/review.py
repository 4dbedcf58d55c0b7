"""The review chain of an on-site result, as pure rules (shared/DESIGN.md: 草稿 → 已提交 →
待审核 → 审核退回 / 通过).

A result is recorded by one inspector and is not an enforcement record until a second one
confirms it (two-person enforcement) and the bureau reviews it:

- 已提交 (submitted): the other members of the team confirm (确认) or object (有异议);
- 有异议 (objected): a member objected; the submitter's draft is open again, this version
  stays as it was;
- 待审核 (pending review): enough members confirmed; the reviewer passes or returns it;
- 审核退回 (returned): the reviewer sent it back with a reason; the submitter's draft again;
- 通过 (passed): reviewed. Nothing changes in place any more: a correction is an amendment,
  a new version that goes through the same chain.

A version that was objected to or returned is followed by a new version (the resubmission);
a passed one may be followed by an amendment. Versions are never changed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from spotcheck.inspection import ResultState


class ConfirmPolicy(StrEnum):
    """How many of the other members must confirm before the result goes to review."""

    ONE = "one"  # at least one other member (two-person enforcement)
    ALL = "all"  # every other member


class Verdict(StrEnum):
    """A team member's answer to a submitted result."""

    CONFIRM = "confirm"  # 确认
    OBJECT = "object"  # 有异议 (with a reason)


# Where each state may go; a state missing here is where its version ends.
MOVES: dict[ResultState, frozenset[ResultState]] = {
    ResultState.SUBMITTED: frozenset({ResultState.PENDING_REVIEW, ResultState.OBJECTED}),
    ResultState.PENDING_REVIEW: frozenset({ResultState.PASSED, ResultState.RETURNED}),
}
# A version in one of these is followed by a new one: a resubmission after 有异议 or 退回.
REOPENED = frozenset({ResultState.OBJECTED, ResultState.RETURNED})


def may_move(current: ResultState, to: ResultState) -> bool:
    return to in MOVES.get(current, frozenset())


def may_follow(previous: ResultState | None, amendment: bool) -> bool:
    """Whether a new version may be written after one in ``previous`` (None: the first):
    a resubmission after 有异议 or 审核退回, an amendment after 通过, nothing else (a version
    still with the team or the reviewer is not replaced)."""
    if previous is None:
        return not amendment
    return previous is ResultState.PASSED if amendment else previous in REOPENED


def confirmed_enough(
    policy: ConfirmPolicy, others: Collection[str], confirmed: Collection[str]
) -> bool:
    """Whether the confirmations of the other members in force (by 执法证号) suffice. A team
    with nobody else on it (all others replaced) has nobody to wait for."""
    agreeing = set(confirmed) & set(others)
    if not others:
        return True
    if policy is ConfirmPolicy.ALL:
        return agreeing == set(others)
    return bool(agreeing)


class ReviewerKind(StrEnum):
    LEAD = "lead"  # the team's 组长
    COUNTY_ADMIN = "county_admin"  # a 区县管理员 of the target's county
    CITY_ADMIN = "city_admin"  # a 管理员 of the city


@dataclass(frozen=True)
class Reviewers:
    kind: ReviewerKind
    cert_nos: tuple[str, ...]  # any one of them may review; the card goes to each


def reviewers_for(
    lead: str | None,
    submitter: str,
    county_admins: Sequence[str],
    city_admins: Sequence[str],
) -> Reviewers:
    """The team's lead when he did not submit it himself, else the county admins of the
    target's county, else the city admins (nobody reviews his own result)."""
    if lead is not None and lead != submitter:
        return Reviewers(ReviewerKind.LEAD, (lead,))
    county = tuple(c for c in county_admins if c != submitter)
    if county:
        return Reviewers(ReviewerKind.COUNTY_ADMIN, county)
    return Reviewers(ReviewerKind.CITY_ADMIN, tuple(c for c in city_admins if c != submitter))


class Overdue(StrEnum):
    NO = "no"
    REMIND = "remind"  # remind the reviewer
    ESCALATE = "escalate"  # tell the county admins


def review_overdue(waited_workdays: int, after_workdays: int) -> Overdue:
    """A result that has waited for review ``waited_workdays`` working days (the official
    calendar's count after the day it went to 待审核): the reviewer is reminded once it has
    waited ``after_workdays``, and the county admins are told after twice as many."""
    if waited_workdays >= 2 * after_workdays:
        return Overdue.ESCALATE
    if waited_workdays >= after_workdays:
        return Overdue.REMIND
    return Overdue.NO


# --- issue 10: amendments ---


def may_amend(state: ResultState, latest: bool, submitter: str, caller: str, on_team: bool) -> bool:
    """Whether ``caller`` (执法证号) may start a 更正 (amendment) of a result version: only of
    the latest version, once it is 通过, and only its submitter while he is still on the team
    in force (he recorded it and his form holds its answers; anyone else who finds it wrong
    asks him, and the amendment goes through the same confirmation and review)."""
    return latest and state is ResultState.PASSED and caller == submitter and on_team
