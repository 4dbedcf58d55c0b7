"""docs/draw-algorithm.md's worked example, re-computed from the code: every figure it prints.

The figures are read from the document itself — the records (json blocks), the `label = value`
lines of its text blocks and its tables — so the document cannot drift from the code: a record
that does not verify, a key, an H, a candidate list or a quota that differs fails here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from spotcheck import quota
from spotcheck.classes import CreditRiskGrade
from spotcheck.matching import tie_key
from spotcheck.quota import GRADES_RISKIEST_FIRST, GradeMultipliers, apportion, class_total
from spotcheck.record import (
    SEED_DOMAIN,
    ReplacementInputs,
    SeedInput,
    compute_replacement,
    derive_seed,
    read_assignments,
    read_draw_inputs,
    read_rules,
    verify_record,
)
from tests.documented_matching import Pick, documented_matching, documented_replacement, hmac_of

DOC = Path(__file__).resolve().parents[1] / "docs" / "draw-algorithm.md"
FIGURE = re.compile(r"^(?P<label>[^=]+?) = (?P<value>\S.*)$")
RANK_KEY = re.compile(r"key\((?P<stratum>[^,]+), (?P<code>\w+)\)")
PICK_H = re.compile(r"H\((?P<domain>[\w-]+), (?P<code>\w+), (?P<detail>[\w-]+)\)")
LEAD_KEY = re.compile(r"lead key\((?P<code>\w+), (?P<cert>[\w-]+)\)")
LOAD_NOW = re.compile(r"load now\((?P<cert>[\w-]+)\)")
PLAIN = (
    "seed message",
    "seed",
    "removed",
    "declared conflict",
    "replacement entropy",
    "replacement seed",
)
LABELS = [RANK_KEY, PICK_H, LEAD_KEY, LOAD_NOW, *(re.compile(re.escape(p)) for p in PLAIN)]


def section(heading: str) -> str:
    """The text under the heading that starts with ``heading``, up to the next one as high."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}") + 1
    depth = len(heading.split(" ")[0])
    following = re.compile(rf"^#{{1,{depth}}} ", re.M).search(text, start + 1)
    return text[start : following.start() if following else len(text)]


def fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def figures(text: str) -> dict[str, str]:
    """The ``label = value`` lines of the text blocks: every line is one, labels are unique."""
    found: dict[str, str] = {}
    for block in fenced(text, "text"):
        for line in block.splitlines():
            match = FIGURE.match(line)
            assert match, f"not a figure: {line!r}"
            assert match["label"] not in found, f"twice: {match['label']}"
            found[match["label"]] = match["value"]
    return found


def labelled(text: str, pattern: re.Pattern[str]) -> list[tuple[dict[str, str], str]]:
    """The figures whose label matches ``pattern``: (its parts, the value), in order."""
    result = []
    for label, value in figures(text).items():
        match = pattern.fullmatch(label)
        if match:
            result.append((match.groupdict(), value))
    return result


def tables(text: str) -> list[list[list[str]]]:
    """Each markdown table as its rows of cells, the header first (the --- row left out)."""
    found: list[list[list[str]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not previous.startswith("|"):
                found.append([])
            if not all(set(c) <= {"-"} for c in cells):
                found[-1].append(cells)
        previous = line
    return found


def table(text: str, first_header: str) -> list[dict[str, str]]:
    [rows] = [t for t in tables(text) if t[0][0] == first_header]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@cache
def record() -> dict[str, Any]:
    """The example draw's record as the document prints it."""
    loaded: dict[str, Any] = json.loads(fenced(section("## 10."), "json")[0])
    return loaded


def seed() -> bytes:
    return bytes.fromhex(record()["seed"]["value"])


def test_every_figure_of_the_example_has_a_known_label() -> None:
    labels = figures(section("## 10."))
    assert len(labels) > 20
    for label in labels:
        assert any(p.fullmatch(label) for p in LABELS), label


def test_the_example_record_is_what_the_draw_computes() -> None:
    assert record()["algorithm"] == {"name": "shuangsuiji-hmac-rank", "version": 1}
    assert verify_record(record()).ok
    tampered = json.loads(json.dumps(record()))
    tampered["assignments"][0]["inspectors"].reverse()
    assert verify_record(tampered).first_difference == "assignments[0].inspectors[0]"


def test_the_seed_is_derived_as_printed() -> None:
    text = section("### 10.1")
    shown = figures(text)
    public_text = record()["seed"]["public_text"]
    message = SEED_DOMAIN + b"\x00" + b"\x00" + public_text.encode()
    assert shown["seed message"] == message.hex()
    assert shown["seed"] == derive_seed(public_text, None).hex() == record()["seed"]["value"]


def test_class_totals_and_shares_are_the_records_quotas() -> None:
    text = section("### 10.2")
    strata = {s["id"]: s for s in record()["strata"]}
    multipliers = GradeMultipliers.from_mapping(record()["parameters"]["multipliers"])
    totals = {}
    for row in table(text, "class"):
        grades = {
            CreditRiskGrade(s["grade"]): s["population"]
            for s in strata.values()
            if s["class"] == row["class"] and s["kind"] == "onsite"
        }
        r = Fraction(row["r"])
        n = sum(grades.values())
        assert r == Fraction(
            next(s["ratio"] for s in strata.values() if s["class"] == row["class"])
        )
        assert int(row["N"]) == n
        assert int(row["⌈r·N⌉"]) == quota.quota_for(r, n)
        weighted = sum((r * multipliers.of(g) * k for g, k in grades.items()), Fraction(0))
        assert int(row["⌈Σ r·m_g·N_g⌉"]) == -(-weighted.numerator // weighted.denominator)
        assert int(row["T"]) == class_total(r, multipliers, grades)
        totals[row["class"]] = (int(row["T"]), grades)
    rows = table(text, "stratum")
    assert {row["stratum"] for row in rows} == {
        s["id"] for s in strata.values() if s["kind"] == "onsite"
    }
    for row in rows:
        stratum = strata[row["stratum"]]
        total, grades = totals[stratum["class"]]
        grade = CreditRiskGrade(stratum["grade"])
        weight = multipliers.of(grade) * grades[grade]
        share = total * weight / sum(multipliers.of(g) * k for g, k in grades.items())
        assert int(row["N_g"]) == stratum["population"]
        assert Fraction(row["w_g = m_g·N_g"]) == weight
        assert Fraction(row["exact share e_g"]) == share
        assert int(row["⌊e_g⌋"]) == share.numerator // share.denominator
        assert int(row["quota"]) == stratum["quota"]


def test_ranking_keys_are_the_hmacs_lowest_first_and_the_lowest_are_drawn() -> None:
    inputs = read_draw_inputs(record())
    keys = labelled(section("### 10.3"), RANK_KEY)
    by_stratum: dict[str, list[tuple[str, str]]] = {}
    for parts, value in keys:
        assert value == hmac_of(seed(), parts["stratum"], parts["code"]).hex()
        by_stratum.setdefault(parts["stratum"], []).append((value, parts["code"]))
    drawing = {s["id"]: s for s in record()["strata"] if s["kind"] == "onsite" and s["to_draw"]}
    assert set(by_stratum) == set(drawing)
    for stratum, ranked in by_stratum.items():
        assert ranked == sorted(ranked)
        eligible = {
            t.credit_code
            for t in inputs.targets
            if quota.stratum_of(inputs.level, t) == stratum
            and t.credit_code not in inputs.exclusions
        }
        assert {code for _, code in ranked} == eligible
        drawn = [a["target"] for a in record()["assignments"] if a["stratum"] == stratum]
        assert drawn == [code for _, code in ranked][: drawing[stratum]["to_draw"]]


def pick_rows(text: str, picks: list[Pick]) -> None:
    """The document's pick table and H figures are the documented rule's trace."""
    assert table(text, "target") == [
        {
            "target": p.target,
            "domain": p.domain,
            "detail": p.detail,
            "lowest-load candidates, in order": ", ".join(p.least),
            "n": str(len(p.least)),
            "H mod n": str(p.index),
            "picked": p.chosen,
        }
        for p in picks
    ]
    assert [
        (parts["domain"], parts["code"], parts["detail"], value)
        for parts, value in labelled(text, PICK_H)
    ] == [(p.domain, p.target, p.detail, f"{p.h:064x}") for p in picks]


def drawn_teams() -> list[Any]:
    inputs = read_draw_inputs(record())
    by_code = {t.credit_code: t for t in inputs.targets}
    onsite = [by_code[a["target"]] for a in record()["assignments"] if a["kind"] == "onsite"]
    teams = documented_matching(
        onsite, inputs.inspectors, inputs.conflicts, seed(), inputs.rules, inputs.experts
    )
    assert teams is not None
    return teams


def test_picks_are_the_documented_rule_and_the_records_teams() -> None:
    teams = drawn_teams()
    pick_rows(section("### 10.4"), [p for t in teams for p in t.picks])
    onsite = [a for a in record()["assignments"] if a["kind"] == "onsite"]
    assert [(a["inspectors"], a["lead"], a["experts"]) for a in onsite] == [
        (list(t.inspectors), t.lead, list(t.experts)) for t in teams
    ]


def test_lead_keys_are_printed_for_the_team_with_two_leads() -> None:
    roles = {i["cert_no"]: i["role"] for i in record()["inspectors"]}
    teams = {a["target"]: a for a in record()["assignments"]}
    shown: dict[str, list[tuple[str, str]]] = {}
    for parts, value in labelled(section("### 10.4"), LEAD_KEY):
        assert value == tie_key(seed(), parts["code"], parts["cert"]).hex()
        shown.setdefault(parts["code"], []).append((value, parts["cert"]))
    for code, keyed in shown.items():
        team = teams[code]
        assert [c for _, c in keyed] == [c for c in team["inspectors"] if roles[c] == "lead"]
        assert len(keyed) > 1
        assert min(keyed)[1] == team["lead"]


def test_the_replacement_is_recomputed_from_the_printed_inputs() -> None:
    text = section("### 10.5")
    shown = figures(text)
    removed = shown["removed"]
    person, code = shown["declared conflict"].split()
    assert person == removed
    drawn = read_draw_inputs(record())
    added = Counter(c for a in record()["assignments"] for c in a["inspectors"])
    now = [replace(i, load=i.load + added[i.cert_no]) for i in drawn.inspectors]
    assert [(parts["cert"], int(v)) for parts, v in labelled(text, LOAD_NOW)] == [
        (i.cert_no, i.load) for i in now
    ]
    target = next(t for t in drawn.targets if t.credit_code == code)
    conflicts = drawn.conflicts | {(removed, code)}
    seed_input = SeedInput(entropy=bytes.fromhex(shown["replacement entropy"]))
    assert shown["replacement seed"] == seed_input.value().hex()
    body = compute_replacement(
        ReplacementInputs(
            quarter=record()["parameters"]["quarter"],
            seed=seed_input,
            target=target,
            removed=removed,
            amended_assignments=read_assignments(record()),
            inspectors=now,
            rules=read_rules(record()),
            conflicts=frozenset(conflicts),
        )
    )
    excerpt = json.loads(fenced(text, "json")[0])
    assert verify_record({**body, **excerpt}).ok  # the printed fields, as version 1 computes them
    team = next(a for a in record()["assignments"] if a["target"] == code)
    expected = documented_replacement(
        team["inspectors"],
        team["lead"],
        target,
        removed,
        now,
        conflicts,
        seed_input.value(),
        drawn.rules,
    )
    assert expected is not None
    pick_rows(text, list(expected.picks))
    changed = next(a for a in excerpt["assignments"] if a["target"] == code)
    assert (changed["inspectors"], changed["lead"]) == (list(expected.inspectors), expected.lead)


# Version 2's example: the rule written the slow way, and the code once it computes version 2.

V2_POPULATIONS = {CreditRiskGrade.D: 1, CreditRiskGrade.B: 5, CreditRiskGrade.A: 7}
V2_RATIO = Fraction(1, 2)


def v2_rows() -> list[dict[str, str]]:
    return table(section("## 11."), "step")


def quotas_of(row: dict[str, str]) -> dict[CreditRiskGrade, int]:
    return {g: int(row[f"{g.value} (N {n})"]) for g, n in V2_POPULATIONS.items()}


def documented_move(
    quotas: dict[CreditRiskGrade, int],
) -> tuple[CreditRiskGrade, CreditRiskGrade] | None:
    """(donor, receiver) of the next move of section 11, or None when the rates are monotone."""
    grades = [g for g in GRADES_RISKIEST_FIRST if g in quotas]
    rate = {g: Fraction(quotas[g], V2_POPULATIONS[g]) for g in grades}
    for i, riskier in enumerate(grades):
        higher = [s for s in grades[i + 1 :] if rate[s] > rate[riskier]]
        if higher:
            top = max(rate[s] for s in higher)
            return [s for s in higher if rate[s] == top][-1], riskier
    return None


def test_version_2_example_starts_from_version_1_and_moves_by_the_rule() -> None:
    rows = v2_rows()
    multipliers = GradeMultipliers()
    total = class_total(V2_RATIO, multipliers, V2_POPULATIONS)
    shares = [(g, Fraction(n), n) for g, n in V2_POPULATIONS.items()]
    assert rows[0]["step"] == "version 1"
    assert quotas_of(rows[0]) == apportion(total, shares)
    for before, after in itertools.pairwise(rows):
        move = documented_move(quotas_of(before))
        assert move is not None
        donor, receiver = move
        assert after["step"] == f"move {donor.value} → {receiver.value}"
        expected = quotas_of(before)
        expected[donor] -= 1
        expected[receiver] += 1
        assert quotas_of(after) == expected
    for row in rows:
        rates = [Fraction(quotas_of(row)[g], n) for g, n in V2_POPULATIONS.items()]
        assert row["rates D, B, A"] == ", ".join(str(r) for r in rates)
    assert documented_move(quotas_of(rows[-1])) is None
    assert sum(quotas_of(rows[-1]).values()) == total


def test_version_2_example_is_what_the_code_computes() -> None:
    if not hasattr(quota, "risk_monotone"):
        pytest.skip("version 2 is not in spotcheck/quota.py yet")
    planned = quota.plan_class_quota(V2_RATIO, GradeMultipliers(), V2_POPULATIONS, version=2)
    assert {q.grade: q.quota for q in planned} == quotas_of(v2_rows()[-1])
