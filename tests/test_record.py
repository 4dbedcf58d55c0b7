"""Draw records: canonical bytes, seeds and commitments, verification of draws and replacements."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.matching import MatchRules
from spotcheck.quota import Level
from spotcheck.record import (
    DrawInputs,
    JointCheck,
    JointKind,
    ReplacementInputs,
    SeedInput,
    _lists,
    canonical_json,
    commitment_of,
    compute_draw,
    compute_replacement,
    derive_seed,
    list_sha256,
    plan_draw,
    read_assignments,
    read_draw_inputs,
    read_rules,
    read_targets,
    verify_record,
)
from spotcheck.roles import Role
from tests.factories_draw import OTHER_COUNTY, expert, inspector, inspectors, targets

ENTROPY = bytes(range(32))


def inputs(**changes: Any) -> DrawInputs:
    population = [
        *targets(30, tags=("涉VOCs",)),
        *targets(12, start=100, cls=SupervisionClass.SPECIAL, grade=CreditRiskGrade.D),
        *targets(20, start=200, cls=SupervisionClass.GENERAL, positive=True),
        *targets(10, start=300, region=OTHER_COUNTY),
    ]
    people = [
        *inspectors(8, specialties=("涉VOCs",)),
        inspector(20, role=Role.LEAD),
        *inspectors(6, region=OTHER_COUNTY),
    ]
    values: dict[str, Any] = {
        "quarter": "2024Q1",
        "level": Level.COUNTY,
        "seed": SeedInput("03 11 19 24 30 + 07", ENTROPY, commitment_of(ENTROPY)),
        "targets": population,
        "inspectors": people,
        "rules": MatchRules(max_per_quarter=12),
        "conflicts": frozenset({(people[0].cert_no, population[0].credit_code)}),
        "exclusions": {population[1].credit_code: "recently_checked"},
    }
    values.update(changes)
    return DrawInputs(**values)


def record() -> dict[str, Any]:
    return json.loads(canonical_json(compute_draw(inputs())))


def test_canonical_json_sorts_keys_keeps_chinese_and_has_no_spaces() -> None:
    assert (
        canonical_json({"b": 1, "a": ["保定", None, True]})
        == '{"a":["保定",null,true],"b":1}'.encode()
    )


def test_seed_is_sha256_of_domain_entropy_and_public_text() -> None:
    expected = hashlib.sha256(
        b"shuangsuiji-seed-v1\x00" + ENTROPY + b"\x00" + "开奖 07".encode()
    ).digest()
    assert derive_seed("开奖 07", ENTROPY) == expected
    assert derive_seed("x", None) == hashlib.sha256(b"shuangsuiji-seed-v1\x00\x00x").digest()
    assert commitment_of(ENTROPY) == hashlib.sha256(ENTROPY).hexdigest()


def test_seed_needs_something_and_well_formed_parts() -> None:
    with pytest.raises(ValueError):
        derive_seed(None, None)
    with pytest.raises(ValueError):
        derive_seed("a\x00b", None)
    with pytest.raises(ValueError):
        derive_seed(None, b"short")


def test_revealed_entropy_must_match_its_commitment() -> None:
    with pytest.raises(ValueError):
        SeedInput("text", bytes(32), commitment_of(ENTROPY)).value()


def test_same_inputs_give_a_byte_identical_record() -> None:
    first = canonical_json(compute_draw(inputs()))
    again = canonical_json(compute_draw(inputs()))
    shuffled = inputs()
    shuffled_targets = list(shuffled.targets)
    random.Random(5).shuffle(shuffled_targets)
    reordered = canonical_json(compute_draw(inputs(targets=shuffled_targets)))
    assert first == again == reordered


def test_record_holds_what_the_issue_asks_for() -> None:
    body = record()
    assert body["algorithm"] == {"name": "shuangsuiji-hmac-rank", "version": 2}
    assert body["targets_sha256"] == list_sha256(body["targets"])
    assert body["inspectors_sha256"] == list_sha256(body["inspectors"])
    assert body["seed"]["commitment"] == commitment_of(ENTROPY)
    assert body["seed"]["entropy"] == ENTROPY.hex()
    assert body["parameters"]["joint"] == {"kind": "none"}
    assert body["amends"] is None and body["reason"] is None
    kinds = {a["kind"] for a in body["assignments"]}
    assert kinds == {"onsite", "offsite"}
    assert all(len(a["inspectors"]) >= 2 for a in body["assignments"] if a["kind"] == "onsite")
    assert all(a["inspectors"] == [] for a in body["assignments"] if a["kind"] == "offsite")


def test_another_public_text_draws_other_targets() -> None:
    other = inputs(seed=SeedInput("04 12 20 25 31 + 08", ENTROPY, commitment_of(ENTROPY)))

    def drawn(body: dict[str, object]) -> set[str]:
        return {a["target"] for a in body["assignments"] if a["kind"] == "onsite"}  # type: ignore[attr-defined, index]

    assert drawn(compute_draw(inputs())) != drawn(compute_draw(other))


def test_fresh_record_verifies_with_caller_fields_added() -> None:
    body = record()
    body.update(id=7, created_by="admin", created_at="2024-01-05T02:00:00Z", reason="季度抽查")
    assert verify_record(body).ok


def test_tampered_credit_code_fails_on_the_list_hash() -> None:
    body = record()
    body["targets"][5]["credit_code"] = "91130602MA0000000X"
    outcome = verify_record(body)
    assert not outcome.ok and outcome.first_difference == "targets_sha256"


def test_tampered_assignment_fails_on_its_path() -> None:
    body = record()
    body["assignments"][3]["target"] = body["targets"][0]["credit_code"]
    assert verify_record(body).first_difference == "assignments[3].target"
    body = record()
    body["assignments"][0]["inspectors"].reverse()
    assert verify_record(body).first_difference == "assignments[0].inspectors[0]"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda b: b["seed"].update(value="00" * 32), "seed.value"),
        (lambda b: b["seed"].update(public_text="03 11 19 24 30 + 08"), "seed.value"),
        (lambda b: b["seed"].update(commitment="00" * 32), "seed.commitment"),
        (lambda b: b.update(inspectors_sha256="00" * 32), "inspectors_sha256"),
        (lambda b: b.update(targets_sha256="00" * 32), "targets_sha256"),
        (lambda b: b["strata"][0].update(quota=1), "strata[0].quota"),
        (lambda b: b["algorithm"].update(version=3), "algorithm"),
        (lambda b: b["algorithm"].update(version=True), "algorithm"),
        (lambda b: b["algorithm"].update(name="other"), "algorithm"),
        (lambda b: b.pop("exclusions"), "exclusions"),
        (lambda b: b["targets"][0].update(credit_grade="Z"), "targets[0].credit_grade"),
        (lambda b: b["inspectors"][0].update(load=2**70), "inspectors_sha256"),
    ],
)
def test_tampered_record_fails_verify_with_the_first_difference(change: Any, path: str) -> None:
    body = record()
    change(body)
    outcome = verify_record(body)
    assert (outcome.ok, outcome.first_difference) == (False, path)


def test_record_with_only_a_public_seed_text_verifies() -> None:
    body = compute_draw(inputs(seed=SeedInput("lottery 2024-01-02")))
    assert body["seed"] == {
        "value": derive_seed("lottery 2024-01-02", None).hex(),
        "public_text": "lottery 2024-01-02",
        "entropy": None,
        "commitment": None,
    }
    assert verify_record(json.loads(canonical_json(body))).ok


def test_directed_joint_city_draw_records_its_parameters_and_verifies() -> None:
    joint = JointCheck(JointKind.INTERNAL, ("执法支队", "监测站"))
    body = compute_draw(
        inputs(
            level=Level.CITY,
            rules=MatchRules(level=Level.CITY, cross_region=True, experts_per_check=1),
            experts=[expert(1), expert(2, industries=("电镀",))],
            joint=joint,
        )
    )
    params = body["parameters"]
    assert params["joint"] == {"kind": "internal", "offices": ["执法支队", "监测站"]}  # type: ignore[index]
    assert verify_record(json.loads(canonical_json(body))).ok


def test_internal_joint_check_names_two_offices() -> None:
    with pytest.raises(ValueError):
        JointCheck(JointKind.INTERNAL, ("执法支队",))


def test_record_reads_back_into_the_inputs_that_made_it() -> None:
    again = read_draw_inputs(record())
    assert compute_draw(again) == compute_draw(inputs())


def test_dry_run_plan_matches_the_recorded_strata() -> None:
    strata = [s.to_json() for s in plan_draw(inputs())]
    assert json.loads(canonical_json(strata)) == record()["strata"]


def replacement() -> tuple[DrawInputs, ReplacementInputs]:
    draw = inputs()
    body = json.loads(canonical_json(compute_draw(draw)))
    assignments = read_assignments(body)
    assert read_rules(body) == draw.rules
    assert read_targets(body) == sorted(draw.targets, key=lambda t: t.credit_code)
    onsite = next(a for a in assignments if a.kind == "onsite")
    chosen = next(t for t in draw.targets if t.credit_code == onsite.target)
    removed = onsite.inspectors[0]
    return draw, ReplacementInputs(
        quarter="2024Q1",
        seed=SeedInput("replacement 1"),
        target=chosen,
        removed=removed,
        amended_assignments=assignments,
        inspectors=draw.inspectors,
        rules=draw.rules,
        conflicts=draw.conflicts | {(removed, chosen.credit_code)},
    )


def test_replacement_record_verifies_alone() -> None:
    _, request = replacement()
    body = json.loads(canonical_json(compute_replacement(request)))
    assert body["kind"] == "replacement"
    assert body["replaced"] == {"target": request.target.credit_code, "inspector": request.removed}
    changed = [
        (old, new)
        for old, new in zip(body["amended_assignments"], body["assignments"], strict=True)
        if old != new
    ]
    assert len(changed) == 1 and request.removed not in changed[0][1]["inspectors"]
    assert verify_record(body).ok
    tampered = copy.deepcopy(body)
    tampered["replaced"]["inspector"] = changed[0][1]["inspectors"][1]
    assert not verify_record(tampered).ok


# What a record may hold: strings of any characters (control characters, quotes, backslashes,
# CJK, U+2028), 64-bit integers, booleans, null, lists and objects.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.sampled_from(list(Level)),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text() | st.sampled_from(list(SupervisionClass)), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_bytes_are_the_documented_json_dumps_form(value: Any) -> None:
    documented = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_json(value) == documented.encode("utf-8")


RECORDS_V1 = Path(__file__).parent / "records_v1"


@pytest.mark.parametrize("name", ["county-mixed-grades", "city-experts", "replacement"])
def test_version_1_records_written_before_version_2_still_verify(name: str) -> None:
    body = json.loads((RECORDS_V1 / f"{name}.json").read_bytes())
    assert body["algorithm"]["version"] == 1
    assert verify_record(body).ok


def test_a_version_1_record_relabelled_version_2_fails_at_its_quotas() -> None:
    body = json.loads((RECORDS_V1 / "county-mixed-grades.json").read_bytes())
    quotas = {s["id"].rsplit(":", 1)[1]: s["quota"] for s in body["strata"] if "special" in s["id"]}
    assert quotas == {"D": 0, "B": 3, "A": 4}  # v1: the riskiest grade at 0%
    body["algorithm"]["version"] = 2
    outcome = verify_record(body)
    assert (outcome.ok, outcome.first_difference) == (False, "strata[0].quota")


def test_the_same_inputs_drawn_today_give_the_riskiest_grade_its_seat() -> None:
    old = json.loads((RECORDS_V1 / "county-mixed-grades.json").read_bytes())
    body = compute_draw(read_draw_inputs_as(old, version=2))
    quotas = {s["id"].rsplit(":", 1)[1]: s["quota"] for s in body["strata"] if "special" in s["id"]}
    assert quotas == {"D": 1, "B": 3, "A": 3}
    assert verify_record(json.loads(canonical_json(body))).ok


def read_draw_inputs_as(record: dict[str, Any], version: int) -> DrawInputs:
    return dataclasses.replace(read_draw_inputs(record), version=version)


def test_a_recently_checked_riskiest_firm_does_not_make_version_2_refuse_the_draw() -> None:
    special = [
        *targets(1, start=400, cls=SupervisionClass.SPECIAL, grade=CreditRiskGrade.D),
        *targets(5, start=410, cls=SupervisionClass.SPECIAL, grade=CreditRiskGrade.B),
        *targets(7, start=420, cls=SupervisionClass.SPECIAL, grade=CreditRiskGrade.A),
    ]
    population = [*targets(30, tags=("涉VOCs",)), *special]

    def quotas(exclusions: dict[str, str]) -> dict[str, int]:
        body = compute_draw(inputs(targets=population, exclusions=exclusions))
        return {s["id"][-1]: s["quota"] for s in body["strata"] if ":special:" in s["id"]}

    assert quotas({}) == {"D": 1, "B": 3, "A": 3}
    # checked last month: version 2 moves nothing to D, and the draw goes ahead
    assert quotas({special[0].credit_code: "recently_checked"}) == {"D": 0, "B": 3, "A": 4}


@settings(max_examples=30)
@given(st.one_of(st.integers(0, 40), st.integers(995, 2010)), st.randoms())  # chunks of 1,000
def test_the_targets_list_encoded_one_by_one_is_the_list_encoded_whole(
    count: int, rng: random.Random
) -> None:
    population = [
        *targets(count, tags=("涉VOCs", "危废")),
        *targets(3, start=2000, cls=SupervisionClass.SPECIAL, grade=CreditRiskGrade.D),
    ]
    rng.shuffle(population)
    whole, whole_bytes = _lists(population, [], frozenset())
    streamed, streamed_bytes = _lists(population, [], frozenset(), keep_items=False)
    assert streamed_bytes["targets"] == whole_bytes["targets"]
    assert streamed["targets_sha256"] == whole["targets_sha256"]
    assert "targets" not in streamed
