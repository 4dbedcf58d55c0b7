"""The target draw: HMAC ranking per stratum, directed filters, exclusions, fairness."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.draw import (
    DrawFilters,
    DrawRefused,
    ExclusionReason,
    RefusalKind,
    TargetCandidate,
    draw_targets,
    filter_candidates,
    hmac_sha256,
    planning_population,
)
from spotcheck.quota import GradeMultipliers, Level, Ratios, StratumPlan, TaskKind, plan_quarter
from tests.factories_draw import COUNTY, OTHER_COUNTY, seed, target, targets

KEY, GENERAL = SupervisionClass.KEY, SupervisionClass.GENERAL


def plan(population: list[TargetCandidate], level: Level = Level.COUNTY) -> tuple[StratumPlan, ...]:
    return plan_quarter(level, population, Ratios(), GradeMultipliers())


def codes(population: list[TargetCandidate], key: bytes) -> list[str]:
    return [d.target.credit_code for d in draw_targets(plan(population), population, key)]


def test_undirected_draw_keeps_every_candidate() -> None:
    population = targets(10)
    assert not DrawFilters().directed
    assert filter_candidates(population, DrawFilters()) == population


def test_directed_filter_matches_every_given_condition() -> None:
    wanted = target(1, industry="电镀", tags=("涉重金属",), permit="重点管理")
    population = [
        wanted,
        target(2, industry="电镀", tags=("涉VOCs",)),
        target(3, industry="化工", tags=("涉重金属",)),
        target(4, industry="电镀", tags=("涉重金属",), region=OTHER_COUNTY),
        target(5, industry="电镀", tags=("涉重金属",), permit="简化管理"),
    ]
    filters = DrawFilters(
        industries=frozenset({"电镀"}),
        tags=frozenset({"涉重金属", "涉危废"}),
        permit_categories=frozenset({"重点管理"}),
        regions=frozenset({COUNTY}),
    )
    assert filters.directed
    assert filter_candidates(population, filters) == [wanted]


def test_directed_quota_is_computed_over_the_filtered_population() -> None:
    population = [*targets(12, industry="电镀"), *targets(100, start=100, industry="化工")]
    filtered = filter_candidates(population, DrawFilters(industries=frozenset({"电镀"})))
    strata = plan(filtered)
    assert [(s.population, s.quota) for s in strata] == [(12, 3)]  # ceil(25% × 12)
    drawn = draw_targets(strata, filtered, seed())
    assert len(drawn) == 3 and all(d.target.industry == "电镀" for d in drawn)


def test_draw_takes_the_quota_lowest_hmac_ranks() -> None:
    population = targets(20)
    key = seed(7)
    stratum = f"county:{COUNTY}:key:B"
    ranks = sorted(
        (hmac.new(key, f"{stratum}\x00{t.credit_code}".encode(), hashlib.sha256).digest(), t)
        for t in population
    )
    expected = [t.credit_code for _, t in ranks[:5]]  # quota ceil(25% × 20) = 5
    assert codes(population, key) == expected


@settings(max_examples=25)
@given(st.permutations(targets(30) + targets(30, start=100, grade=CreditRiskGrade.D)))
def test_same_seed_draws_the_same_targets_in_any_input_order(
    population: list[TargetCandidate],
) -> None:
    reference = targets(30) + targets(30, start=100, grade=CreditRiskGrade.D)
    assert codes(population, seed(1)) == codes(reference, seed(1))


def test_another_seed_draws_another_selection() -> None:
    population = targets(100)
    first = codes(population, seed(1))
    assert len(first) == 25
    assert set(codes(population, seed(2))) != set(first)


def test_declared_exclusions_are_never_drawn() -> None:
    population = targets(8)
    excluded = {t.credit_code: ExclusionReason.RECENTLY_CHECKED for t in population[:4]}
    for n in range(20):
        drawn = draw_targets(plan(population), population, seed(n), excluded)
        assert not {d.target.credit_code for d in drawn} & set(excluded)
        assert len(drawn) == 2


def test_only_inactive_targets_leave_the_population() -> None:
    population = targets(8)
    exclusions = {
        population[0].credit_code: ExclusionReason.INACTIVE,
        population[1].credit_code: ExclusionReason.ALREADY_DRAWN,
        population[2].credit_code: "some other declared reason",
    }
    assert len(planning_population(population, exclusions)) == 7


def test_stratum_emptied_by_exclusions_refuses_with_the_counts() -> None:
    population = targets(4)  # quota ceil(25% × 4) = 1
    excluded = {t.credit_code: ExclusionReason.RECENTLY_CHECKED for t in population}
    with pytest.raises(DrawRefused) as refused:
        draw_targets(plan(population), population, seed(), excluded)
    reason = refused.value.reason
    assert reason.kind is RefusalKind.TOO_FEW_TARGETS
    assert (reason.needed, reason.available, reason.region) == (1, 0, COUNTY)
    assert reason.stratum == f"county:{COUNTY}:key:B"


def test_positive_list_targets_get_offsite_tasks_and_never_onsite_ones() -> None:
    positive = targets(30, cls=GENERAL, positive=True)
    population = [*positive, *targets(40, start=100, cls=GENERAL)]
    drawn = draw_targets(plan(population), population, seed())
    offsite = [d.target for d in drawn if d.kind is TaskKind.OFFSITE]
    onsite = [d.target for d in drawn if d.kind is TaskKind.ONSITE]
    assert sorted(offsite, key=lambda t: t.credit_code) == positive
    assert len(onsite) == 2 and not any(t.positive_list for t in onsite)


def test_city_draw_ranks_the_whole_city_as_one_stratum() -> None:
    population = [*targets(15), *targets(15, region=OTHER_COUNTY)]
    drawn = draw_targets(plan(population, Level.CITY), population, seed())
    assert len(drawn) == 3 and {d.stratum for d in drawn} == {"city:key:B"}


def test_duplicate_candidate_is_refused() -> None:
    population = [target(1), target(1)]
    with pytest.raises(ValueError):
        draw_targets(plan(population), population, seed())


def test_every_candidate_of_a_stratum_is_drawn_about_equally_often() -> None:
    population = targets(20)  # quota ceil(25% × 20) = 5
    strata = plan(population)
    assert strata[0].quota == 5
    counts = dict.fromkeys((t.credit_code for t in population), 0)
    draws = 2000
    for n in range(draws):
        for drawn in draw_targets(strata, population, seed(n)):
            counts[drawn.target.credit_code] += 1
    expected = draws * 5 / 20
    chi_square = sum((observed - expected) ** 2 / expected for observed in counts.values())
    assert chi_square < 43.82  # the 0.999 quantile of chi-square with 19 degrees of freedom


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=100), st.lists(st.binary(max_size=80), min_size=1, max_size=5))
def test_the_ranking_key_is_hmac_sha256_for_any_key_and_message(
    key: bytes, messages: list[bytes]
) -> None:
    keyed = hmac_sha256(key)
    for message in messages:  # one key, many messages: the states are reused, not consumed
        assert keyed(message) == hmac.digest(key, message, hashlib.sha256)
