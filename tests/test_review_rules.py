"""The review chain's rules: who may move a result where, when enough members confirmed, who
reviews, and when a wait for review is reminded or escalated (working days)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.inspection import ResultState
from spotcheck.review import (
    ConfirmPolicy,
    Overdue,
    ReviewerKind,
    confirmed_enough,
    may_amend,
    may_follow,
    may_move,
    review_overdue,
    reviewers_for,
)

S = ResultState


def test_the_chain_goes_submitted_to_review_to_passed_or_returned_and_nowhere_else() -> None:
    allowed = {(a, b) for a in S for b in S if may_move(a, b)}
    assert allowed == {
        (S.SUBMITTED, S.PENDING_REVIEW),
        (S.SUBMITTED, S.OBJECTED),
        (S.PENDING_REVIEW, S.PASSED),
        (S.PENDING_REVIEW, S.RETURNED),
    }


def test_a_new_version_follows_only_a_sent_back_one_and_an_amendment_only_a_passed_one() -> None:
    assert may_follow(None, amendment=False)
    assert not may_follow(None, amendment=True)
    assert {s for s in S if may_follow(s, amendment=False)} == {S.OBJECTED, S.RETURNED}
    assert {s for s in S if may_follow(s, amendment=True)} == {S.PASSED}


members = st.sets(st.sampled_from(["a", "b", "c", "d"]))


@given(members, members)
def test_one_confirmation_of_another_member_is_enough_unless_all_are_asked(
    others: set[str], confirmed: set[str]
) -> None:
    agreeing = others & confirmed
    assert confirmed_enough(ConfirmPolicy.ONE, others, confirmed) == (not others or bool(agreeing))
    assert confirmed_enough(ConfirmPolicy.ALL, others, confirmed) == (agreeing == others)


def test_a_confirmation_from_outside_the_team_counts_for_nothing() -> None:
    assert not confirmed_enough(ConfirmPolicy.ONE, {"b"}, {"x", "a"})


def test_the_lead_reviews_unless_he_submitted_then_the_county_then_the_city() -> None:
    lead = reviewers_for("lead", "wang", ["c1", "c2"], ["city"])
    assert (lead.kind, lead.cert_nos) == (ReviewerKind.LEAD, ("lead",))
    county = reviewers_for("lead", "lead", ["c1", "c2"], ["city"])
    assert (county.kind, county.cert_nos) == (ReviewerKind.COUNTY_ADMIN, ("c1", "c2"))
    city = reviewers_for(None, "wang", [], ["city"])
    assert (city.kind, city.cert_nos) == (ReviewerKind.CITY_ADMIN, ("city",))
    # a county admin who submitted does not review himself
    assert reviewers_for(None, "c1", ["c1"], ["city"]).cert_nos == ("city",)


def test_a_wait_is_reminded_after_n_working_days_and_escalated_after_twice_as_many() -> None:
    assert [review_overdue(waited, 3) for waited in (0, 2, 3, 5, 6, 40)] == [
        Overdue.NO,
        Overdue.NO,
        Overdue.REMIND,
        Overdue.REMIND,
        Overdue.ESCALATE,
        Overdue.ESCALATE,
    ]


# --- issue 10: amendments ---


def test_only_the_submitter_on_the_team_amends_the_latest_passed_version() -> None:
    assert {s for s in S if may_amend(s, True, "A", "A", True)} == {S.PASSED}
    assert not may_amend(S.PASSED, False, "A", "A", True)  # amended already: not the latest
    assert not may_amend(S.PASSED, True, "A", "B", True)  # the lead or any other member
    assert not may_amend(S.PASSED, True, "A", "A", False)  # replaced since
