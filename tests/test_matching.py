"""Inspector matching: two-person rule, 回避, counties, cross-region, workload, leads, experts."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.draw import (
    DrawnTarget,
    DrawRefused,
    ExpertCandidate,
    InspectorCandidate,
    RefusalKind,
    TargetCandidate,
)
from spotcheck.matching import (
    Assignment,
    MatchRules,
    match_inspectors,
    replace_inspector,
)
from spotcheck.quota import Level, TaskKind
from spotcheck.roles import Role
from tests.documented_matching import documented_matching, documented_replacement
from tests.factories_draw import (
    COUNTY,
    OTHER_COUNTY,
    expert,
    inspector,
    inspectors,
    seed,
    target,
    targets,
)

THIRD_COUNTY = "130607"
COUNTY_RULES = MatchRules()
CITY_CROSS = MatchRules(level=Level.CITY, cross_region=True)


def onsite(population: list[TargetCandidate]) -> list[DrawnTarget]:
    return [DrawnTarget(t, "stratum", TaskKind.ONSITE) for t in population]


def teams(assignments: tuple[Assignment, ...]) -> list[tuple[str, ...]]:
    return [a.inspectors for a in assignments]


def test_fewer_than_two_inspectors_per_check_cannot_be_configured() -> None:
    with pytest.raises(ValueError):
        MatchRules(per_check=1)


def test_cross_region_needs_a_city_level_draw() -> None:
    with pytest.raises(ValueError):
        MatchRules(level=Level.COUNTY, cross_region=True)


def test_county_draw_uses_the_targets_own_county_only() -> None:
    people = [*inspectors(3), *inspectors(3, region=OTHER_COUNTY)]
    drawn = onsite([*targets(3), *targets(3, region=OTHER_COUNTY)])
    region = {p.cert_no: p.region for p in people}
    for a, item in zip(
        match_inspectors(drawn, people, set(), seed(), COUNTY_RULES), drawn, strict=True
    ):
        assert len(a.inspectors) == 2
        assert {region[c] for c in a.inspectors} == {item.target.region}


def test_cross_region_never_sends_anyone_to_his_own_county() -> None:
    people = [
        *inspectors(4),
        *inspectors(4, region=OTHER_COUNTY),
        *inspectors(4, region=THIRD_COUNTY),
    ]
    drawn = onsite([*targets(6), *targets(6, region=OTHER_COUNTY)])
    region = {p.cert_no: p.region for p in people}
    for a, item in zip(
        match_inspectors(drawn, people, set(), seed(), CITY_CROSS), drawn, strict=True
    ):
        assert item.target.region not in {region[c] for c in a.inspectors}


def test_admins_are_never_drawn_onto_a_team() -> None:
    people = [
        *inspectors(2),
        inspector(10, role=Role.ADMIN),
        inspector(11, role=Role.COUNTY_ADMIN),
    ]
    result = match_inspectors(onsite(targets(1)), people, set(), seed(), COUNTY_RULES)
    assert set(result[0].inspectors) == {people[0].cert_no, people[1].cert_no}


def test_a_specialist_is_on_the_team_when_one_is_eligible() -> None:
    specialist = inspector(99, specialties=("涉VOCs",), load=5)
    people = [*inspectors(10), specialist]
    drawn = onsite([target(1, tags=("涉VOCs",))])
    for n in range(10):
        assert (
            specialist.cert_no
            in match_inspectors(drawn, people, set(), seed(n), COUNTY_RULES)[0].inspectors
        )


def test_industry_counts_as_a_specialty_match() -> None:
    specialist = inspector(99, specialties=("电镀",))
    people = [*inspectors(10), specialist]
    result = match_inspectors(
        onsite([target(1, industry="电镀")]), people, set(), seed(), COUNTY_RULES
    )
    assert result[0].inspectors[0] == specialist.cert_no


def test_workload_spreads_evenly_without_other_constraints() -> None:
    people = inspectors(10)
    result = match_inspectors(onsite(targets(7)), people, set(), seed(), COUNTY_RULES)
    loads = Counter(c for team in teams(result) for c in team)
    assert sorted(loads[p.cert_no] for p in people) == [1] * 6 + [2] * 4


def test_existing_load_counts_towards_the_balance() -> None:
    busy = inspectors(2, load=3)
    idle = inspectors(2, start=10)
    result = match_inspectors(onsite(targets(1)), [*busy, *idle], set(), seed(), COUNTY_RULES)
    assert set(result[0].inspectors) == {p.cert_no for p in idle}


def test_team_lead_has_the_lead_role_when_the_team_has_one() -> None:
    lead = inspector(50, role=Role.LEAD)
    people = [*inspectors(1), lead]
    result = match_inspectors(onsite(targets(1)), people, set(), seed(), COUNTY_RULES)
    assert result[0].lead == lead.cert_no


def test_without_a_lead_role_the_first_member_leads() -> None:
    result = match_inspectors(onsite(targets(3)), inspectors(6), set(), seed(), COUNTY_RULES)
    assert all(a.lead == a.inspectors[0] for a in result)


def test_too_few_inspectors_in_a_county_refuses_naming_it() -> None:
    people = [*inspectors(1), *inspectors(5, region=OTHER_COUNTY)]
    with pytest.raises(DrawRefused) as refused:
        match_inspectors(onsite(targets(1)), people, set(), seed(), COUNTY_RULES)
    reason = refused.value.reason
    assert reason.kind is RefusalKind.TOO_FEW_INSPECTORS
    assert (reason.region, reason.needed, reason.available) == (COUNTY, 2, 1)
    assert reason.target == target(0).credit_code


def test_conflicts_can_leave_too_few_inspectors() -> None:
    people = inspectors(3)
    conflicts = {(people[0].cert_no, target(0).credit_code)}
    match_inspectors(onsite(targets(1)), people, conflicts, seed(), COUNTY_RULES)
    conflicts.add((people[1].cert_no, target(0).credit_code))
    with pytest.raises(DrawRefused) as refused:
        match_inspectors(onsite(targets(1)), people, conflicts, seed(), COUNTY_RULES)
    assert refused.value.reason.available == 1


def test_workload_cap_refuses_instead_of_overloading() -> None:
    rules = MatchRules(max_per_quarter=2)
    with pytest.raises(DrawRefused) as refused:
        match_inspectors(onsite(targets(5)), inspectors(4), set(), seed(), rules)
    reason = refused.value.reason
    assert reason.kind is RefusalKind.WORKLOAD_CAP and reason.cap == 2
    assert reason.available < reason.needed


def test_offsite_tasks_get_no_team() -> None:
    drawn = [DrawnTarget(target(1), "offsite", TaskKind.OFFSITE)]
    (task,) = match_inspectors(drawn, [], set(), seed(), COUNTY_RULES)
    assert (task.kind, task.inspectors, task.lead, task.experts) == (TaskKind.OFFSITE, (), None, ())


def test_experts_are_drawn_by_industry_when_asked() -> None:
    rules = MatchRules(experts_per_check=1)
    pool = [expert(1, industries=("电镀",)), expert(2, industries=("化工",))]
    result = match_inspectors(
        onsite([target(1, industry="化工")]), inspectors(2), set(), seed(), rules, pool
    )
    assert result[0].experts == ("E002",)
    with pytest.raises(DrawRefused) as refused:
        match_inspectors(
            onsite(targets(2)), inspectors(4), set(), seed(), MatchRules(experts_per_check=3), pool
        )
    assert refused.value.reason.kind is RefusalKind.TOO_FEW_EXPERTS


KEYS = ["化工", "电镀", "涉VOCs", "涉重金属"]
Scenario = tuple[list[TargetCandidate], list[InspectorCandidate], set[tuple[str, str]], MatchRules]


@st.composite
def scenarios(draw: st.DrawFn, crowded: bool = False) -> Scenario:
    """Targets, people, conflicts and rules. ``crowded``: many targets with several preferred
    keys each for few people, so that loads rise quickly and the matcher's kept-up unions of
    specialists are consulted at every load."""
    counties = [COUNTY, OTHER_COUNTY, THIRD_COUNTY]
    keys = KEYS if crowded else KEYS[:3]
    people = [
        inspector(
            i,
            region=draw(st.sampled_from(counties)),
            specialties=tuple(draw(st.sets(st.sampled_from(keys), max_size=2))),
            role=draw(st.sampled_from([Role.INSPECTOR, Role.LEAD])),
            load=draw(st.integers(0, 3 if crowded else 2)),
        )
        for i in range(draw(st.integers(4, 16) if crowded else st.integers(2, 14)))
    ]
    population = [
        target(
            n,
            region=draw(st.sampled_from(counties)),
            industry=draw(st.sampled_from(keys if crowded else keys[:2])),
            tags=tuple(draw(st.sets(st.sampled_from(keys), max_size=3))) if crowded else (),
        )
        for n in range(draw(st.integers(1, 25 if crowded else 10)))
    ]
    conflicts = draw(
        st.sets(
            st.tuples(
                st.sampled_from([p.cert_no for p in people]),
                st.sampled_from([t.credit_code for t in population]),
            ),
            max_size=8 if crowded else 6,
        )
    )
    level = draw(st.sampled_from([Level.COUNTY, Level.CITY]))
    rules = MatchRules(
        per_check=draw(st.integers(2, 3)),
        max_per_quarter=draw(st.none() | (st.integers(3, 12) if crowded else st.integers(2, 6))),
        level=level,
        cross_region=level is Level.CITY and draw(st.booleans()),
    )
    return population, people, conflicts, rules


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.integers(0, 3))
def test_every_team_keeps_every_rule_or_the_draw_is_refused(
    scenario: Scenario,
    n: int,
) -> None:
    population, people, conflicts, rules = scenario
    try:
        result = match_inspectors(onsite(population), people, conflicts, seed(n), rules)
    except DrawRefused as refused:
        assert refused.reason.available < refused.reason.needed
        return
    by_cert = {p.cert_no: p for p in people}
    added = Counter(c for a in result for c in a.inspectors)
    for a, t in zip(result, population, strict=True):
        assert len(set(a.inspectors)) == len(a.inspectors) == rules.per_check
        assert a.lead in a.inspectors
        for cert in a.inspectors:
            assert (cert, t.credit_code) not in conflicts
            if rules.level is Level.COUNTY:
                assert by_cert[cert].region == t.region
            if rules.cross_region:
                assert by_cert[cert].region != t.region
    if rules.max_per_quarter is not None:
        assert all(by_cert[c].load + k <= rules.max_per_quarter for c, k in added.items())


@settings(max_examples=150, deadline=None)
@given(scenarios(crowded=True), st.integers(0, 5))
def test_matching_follows_the_documented_rule_pick_by_pick(
    scenario: Scenario,
    n: int,
) -> None:
    population, people, conflicts, rules = scenario
    expected = documented_matching(population, people, conflicts, seed(n), rules)
    try:
        result = match_inspectors(onsite(population), people, conflicts, seed(n), rules)
    except DrawRefused:
        assert expected is None
        return
    assert [(a.inspectors, a.lead) for a in result] == [(t.inspectors, t.lead) for t in expected]


@st.composite
def expert_pools(draw: st.DrawFn) -> list[ExpertCandidate]:
    """Experts of several counties with numeric ids, which sort as strings ("12" < "7")."""
    return [
        ExpertCandidate(
            str(n),
            f"专家{n}",
            draw(st.sampled_from([COUNTY, OTHER_COUNTY, "130600"])),
            tuple(draw(st.sets(st.sampled_from(KEYS[:2]), max_size=2))),
            draw(st.integers(0, 2)),
        )
        for n in sorted(draw(st.sets(st.integers(1, 30), min_size=1, max_size=8)))
    ]


@settings(max_examples=100, deadline=None)
@given(scenarios(), expert_pools(), st.integers(1, 2), st.integers(0, 3))
def test_experts_follow_the_documented_rule_pick_by_pick(
    scenario: Scenario, pool: list[ExpertCandidate], per_check: int, n: int
) -> None:
    population, people, conflicts, rules = scenario
    rules = replace(rules, experts_per_check=per_check)
    expected = documented_matching(population, people, conflicts, seed(n), rules, pool)
    try:
        result = match_inspectors(onsite(population), people, conflicts, seed(n), rules, pool)
    except DrawRefused:
        assert expected is None
        return
    assert expected is not None
    assert [(a.inspectors, a.lead, a.experts) for a in result] == [
        (t.inspectors, t.lead, t.experts) for t in expected
    ]


@settings(max_examples=100, deadline=None)
@given(scenarios(crowded=True), st.integers(0, 5), st.data())
def test_replacement_follows_the_documented_rule(
    scenario: Scenario, n: int, data: st.DataObject
) -> None:
    population, people, conflicts, rules = scenario
    try:
        before = match_inspectors(onsite(population), people, conflicts, seed(n), rules)
    except DrawRefused:
        return
    at = data.draw(st.integers(0, len(before) - 1))
    removed = data.draw(st.sampled_from(before[at].inspectors))
    added = Counter(c for a in before for c in a.inspectors)
    now = [replace(p, load=p.load + added[p.cert_no]) for p in people]
    if data.draw(st.booleans()):  # a recusal declares the conflict before the replacement
        conflicts = conflicts | {(removed, population[at].credit_code)}
    expected = documented_replacement(
        before[at].inspectors,
        before[at].lead,
        population[at],
        removed,
        now,
        conflicts,
        seed(n + 1),
        rules,
    )
    try:
        after = replace_inspector(
            before, population[at], removed, now, conflicts, seed(n + 1), rules
        )
    except DrawRefused:
        assert expected is None
        return
    assert expected is not None
    assert (after[at].inspectors, after[at].lead) == (expected.inspectors, expected.lead)
    assert after[:at] + after[at + 1 :] == before[:at] + before[at + 1 :]


def test_replacement_takes_the_place_of_the_removed_inspector() -> None:
    people = inspectors(6)
    population = targets(2)
    before = match_inspectors(onsite(population), people, set(), seed(), COUNTY_RULES)
    removed = before[1].inspectors[0]
    after = replace_inspector(before, population[1], removed, people, set(), seed(), COUNTY_RULES)
    assert after[0] == before[0]
    newcomer = after[1].inspectors[0]
    assert newcomer not in before[1].inspectors
    assert after[1].inspectors[1:] == before[1].inspectors[1:]
    assert after[1].lead == newcomer  # the removed member led the team (no lead roles here)


def test_replacement_respects_conflicts_and_the_county() -> None:
    people = [*inspectors(4), *inspectors(4, region=OTHER_COUNTY)]
    population = targets(1)
    code = population[0].credit_code
    before = match_inspectors(onsite(population), people, set(), seed(), COUNTY_RULES)
    removed = before[0].inspectors[0]
    spare = [p.cert_no for p in inspectors(4) if p.cert_no not in before[0].inspectors]
    conflicts = {(removed, code), (spare[0], code)}
    after = replace_inspector(
        before, population[0], removed, people, conflicts, seed(), COUNTY_RULES
    )
    assert after[0].inspectors[0] == spare[1]
    conflicts.add((spare[1], code))
    with pytest.raises(DrawRefused) as refused:
        replace_inspector(before, population[0], removed, people, conflicts, seed(), COUNTY_RULES)
    assert refused.value.reason.kind is RefusalKind.TOO_FEW_INSPECTORS


def test_replacing_someone_not_on_the_team_is_an_error() -> None:
    before = match_inspectors(onsite(targets(1)), inspectors(2), set(), seed(), COUNTY_RULES)
    with pytest.raises(ValueError):
        replace_inspector(before, target(0), "nobody", inspectors(2), set(), seed(), COUNTY_RULES)
