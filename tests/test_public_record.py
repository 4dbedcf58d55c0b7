"""The public extract of a draw record: it holds no inspector's data, it re-computes the target
draw by itself, and a tampered targets list or drawn target fails at that spot."""

from __future__ import annotations

import copy
import hashlib
from datetime import date
from typing import Any

import pytest

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.deadlines import Quarter, check_due
from spotcheck.matching import MatchRules
from spotcheck.public_record import (
    draws_disclosed,
    is_public_extract,
    public_extract,
    verify_public_extract,
)
from spotcheck.quota import Level
from spotcheck.record import (
    DrawInputs,
    JointCheck,
    JointKind,
    SeedInput,
    canonical_json,
    commitment_of,
    compute_draw,
    list_sha256,
    verify_record,
)
from spotcheck.roles import Role
from tests.factories_draw import OTHER_COUNTY, expert, inspector, inspectors, targets

ENTROPY = bytes(range(32))


def _full_record() -> tuple[dict[str, Any], str]:
    """A real draw of two counties' targets, with experts, a conflict and the caller's fields
    as `draw --out` writes them; and the hash of its stored body."""
    people = [
        *inspectors(6, specialties=("涉VOCs",)),
        inspector(20, role=Role.LEAD),
        *inspectors(4, region=OTHER_COUNTY),
    ]
    population = [
        *targets(30, tags=("涉VOCs",)),
        *targets(6, start=100, cls=SupervisionClass.SPECIAL, grade=CreditRiskGrade.D),
        *targets(5, start=200, cls=SupervisionClass.GENERAL, positive=True),
    ]
    body = compute_draw(
        DrawInputs(
            quarter="2026Q4",
            level=Level.COUNTY,
            seed=SeedInput("03 11 19 24 30 + 07", ENTROPY, commitment_of(ENTROPY)),
            targets=population,
            inspectors=people,
            rules=MatchRules(max_per_quarter=12, experts_per_check=1),
            region="130602",
            joint=JointCheck(JointKind.CROSS_DEPARTMENT, ("保定市应急管理局",)),
            experts=[expert(1), expert(2)],
            conflicts=frozenset({(people[0].cert_no, population[0].credit_code)}),
            exclusions={population[1].credit_code: "recently_checked"},
        )
    )
    stored = canonical_json(body)
    caller = {
        "id": 7,
        "created_by": f"tg:555/{people[0].cert_no}",
        "created_at": "2026-10-08T01:00:00+00:00",
        "amends": 6,
        "reason": "名录库漏录两家企业",
    }
    return {**body, **caller}, hashlib.sha256(stored).hexdigest()


def _extract() -> dict[str, Any]:
    record, body_sha256 = _full_record()
    return public_extract(record, body_sha256)


def test_the_extract_holds_no_inspector_expert_or_conflict_and_no_creator() -> None:
    record, _ = _full_record()
    text = canonical_json(_extract()).decode()
    people = [*record["inspectors"], *record["experts"]]
    assert people and record["conflicts"]
    for person in people:
        assert person["name"] not in text
    for entry in record["inspectors"]:
        assert entry["cert_no"] not in text
    assert "tg:555" not in text
    assert all(set(task) == {"target", "stratum", "kind"} for task in _extract()["assignments"])


def test_the_extract_keeps_what_the_target_draw_needs_and_the_other_lists_hashes() -> None:
    record, body_sha256 = _full_record()
    extract = _extract()
    for key in ("seed", "parameters", "targets", "exclusions", "strata", "amends", "reason"):
        assert extract[key] == record[key]
    for key in ("targets_sha256", "inspectors_sha256", "experts_sha256", "conflicts_sha256"):
        assert extract[key] == record[key]
    assert extract["body_sha256"] == body_sha256
    assert [t["target"] for t in extract["assignments"]] == [
        t["target"] for t in record["assignments"]
    ]
    assert is_public_extract(extract) and not is_public_extract(record)


def test_the_extract_verifies_by_itself_and_says_only_the_targets_were_checked() -> None:
    outcome = verify_public_extract(_extract())
    assert outcome.ok and outcome.targets_only
    record, _ = _full_record()
    assert verify_record(record).ok and not verify_record(record).targets_only


def _renamed_target(extract: dict[str, Any]) -> None:
    extract["targets"][3]["name"] = "另一家企业"


def _dropped_target(extract: dict[str, Any]) -> None:
    del extract["targets"][0]


def _other_drawn_target(extract: dict[str, Any]) -> None:
    drawn = {t["target"] for t in extract["assignments"]}
    spare = next(t["credit_code"] for t in extract["targets"] if t["credit_code"] not in drawn)
    extract["assignments"][1]["target"] = spare


def _consistent_list_without_a_drawn_target(extract: dict[str, Any]) -> None:
    """The list and its hash changed together: the draw no longer comes out the same."""
    gone = extract["assignments"][0]["target"]
    extract["targets"] = [t for t in extract["targets"] if t["credit_code"] != gone]
    extract["targets_sha256"] = list_sha256(extract["targets"])


def _other_seed(extract: dict[str, Any]) -> None:
    extract["seed"]["public_text"] = "03 11 19 24 30 + 08"


def _forged_commitment(extract: dict[str, Any]) -> None:
    extract["seed"]["commitment"] = "0" * 64


def _teams_added_back(extract: dict[str, Any]) -> None:
    extract["assignments"][0]["inspectors"] = ["13060200001", "13060200002"]


def _missing_hash(extract: dict[str, Any]) -> None:
    del extract["inspectors_sha256"]


@pytest.mark.parametrize(
    ("tamper", "path"),
    [
        (_renamed_target, "targets"),
        (_dropped_target, "targets"),
        (_other_drawn_target, "assignments[1].target"),
        (_consistent_list_without_a_drawn_target, "strata[0].population"),
        (_other_seed, "seed.value"),
        (_forged_commitment, "seed.commitment"),
        (_teams_added_back, "assignments[0].inspectors"),
        (_missing_hash, "inspectors_sha256"),
    ],
)
def test_a_tampered_extract_fails_at_the_first_difference(tamper: Any, path: str) -> None:
    extract = copy.deepcopy(_extract())
    tamper(extract)
    outcome = verify_public_extract(extract)
    assert not outcome.ok
    assert outcome.first_difference == path


def test_only_a_draw_record_has_an_extract() -> None:
    record, body_sha256 = _full_record()
    with pytest.raises(ValueError):
        public_extract({**record, "kind": "replacement"}, body_sha256)


@pytest.mark.parametrize(
    ("today", "disclosed"),
    [
        (date(2026, 10, 1), False),
        (date(2026, 12, 31), False),  # the quarter's last day: checks may still be under way
        (date(2027, 1, 1), True),
        (date(2027, 6, 30), True),
    ],
)
def test_a_quarter_s_draws_are_disclosed_only_after_its_last_day(
    today: date, disclosed: bool
) -> None:
    assert draws_disclosed(Quarter.parse("2026Q4"), today) is disclosed


def test_a_late_draw_keeps_the_quarter_s_draws_withheld_until_its_checks_are_due() -> None:
    quarter = Quarter.parse("2026Q3")  # ended 2026-09-30; drawn late on 2026-11-29
    due = check_due(quarter, date(2026, 11, 29))
    assert due == date(2026, 12, 29)
    assert not draws_disclosed(quarter, date(2026, 12, 1), due)
    assert not draws_disclosed(quarter, due, due)  # the due day itself: still under way
    assert draws_disclosed(quarter, date(2026, 12, 30), due)
    assert check_due(quarter, date(2026, 9, 30)) == quarter.last_day  # drawn in time
