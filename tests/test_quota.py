"""Quotas: exact ceilings, credit-grade strata by largest remainder, the quarter plan."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.quota import (
    GradeMultipliers,
    Level,
    Ratios,
    TaskKind,
    apportion,
    class_total,
    parse_ratio,
    plan_class_quota,
    plan_quarter,
    quota_for,
    stratum_id,
)
from tests.factories_draw import COUNTY, OTHER_COUNTY, target, targets

A, B, C, D = CreditRiskGrade.A, CreditRiskGrade.B, CreditRiskGrade.C, CreditRiskGrade.D
KEY, SPECIAL, GENERAL = SupervisionClass.KEY, SupervisionClass.SPECIAL, SupervisionClass.GENERAL
ONES = GradeMultipliers()


def test_city_quota_for_30_targets_at_10_percent_is_3() -> None:
    assert quota_for(Ratios().ratio(Level.CITY, KEY), 30) == 3


def test_county_quota_for_1234_key_targets_is_309() -> None:
    assert quota_for(Ratios().ratio(Level.COUNTY, KEY), 1234) == 309


def test_quota_rounds_any_fraction_up() -> None:
    assert quota_for(Fraction(3, 100), 1) == 1
    assert quota_for(Fraction(3, 100), 34) == 2
    assert quota_for(Fraction(3, 100), 0) == 0


def test_default_ratios_are_the_plan_table() -> None:
    ratios = Ratios()
    assert ratios.to_json() == {
        "city": {"special": "1/10", "key": "1/10", "general": "3/100"},
        "county": {"special": "1/2", "key": "1/4", "general": "3/100"},
    }


def test_ratios_read_percent_decimal_fraction_and_toml_float_exactly() -> None:
    assert parse_ratio("25%") == parse_ratio("0.25") == parse_ratio("1/4") == Fraction(1, 4)
    assert parse_ratio(0.1) == Fraction(1, 10)
    assert parse_ratio(Decimal("0.03")) == Fraction(3, 100)
    ratios = Ratios.from_mapping({"county": {"key": "30%"}})
    assert ratios.ratio(Level.COUNTY, KEY) == Fraction(3, 10)
    assert ratios.ratio(Level.CITY, KEY) == Fraction(1, 10)


@pytest.mark.parametrize("bad", ["0", "120%", "abc"])
def test_ratio_outside_zero_to_one_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        Ratios.from_mapping({"city": {"key": bad}})


def test_seven_targets_over_four_grades_at_25_percent_give_2_not_4() -> None:
    plan = plan_class_quota(Fraction(1, 4), ONES, {A: 2, B: 2, C: 2, D: 1}, version=1)
    assert sum(q.quota for q in plan) == 2
    # Equal remainders (4/7 each for A, B, C): the riskier grades C and B get the seats.
    assert {q.grade: q.quota for q in plan} == {D: 0, C: 1, B: 1, A: 0}


def test_version_2_gives_the_riskiest_grade_its_seat_first() -> None:
    plan = plan_class_quota(Fraction(1, 4), ONES, {A: 2, B: 2, C: 2, D: 1})
    # v1's D 0 / C 1 / B 1 drew D at 0% and B at 50%: B's seat (the safest of the highest
    # rate) moves to D
    assert {q.grade: q.quota for q in plan} == {D: 1, C: 1, B: 0, A: 0}


def test_the_issue_s_special_class_of_jingxiu_is_no_longer_drawn_upside_down() -> None:
    populations = {D: 1, B: 5, A: 7}
    v1 = plan_class_quota(Fraction(1, 2), ONES, populations, version=1)
    v2 = plan_class_quota(Fraction(1, 2), ONES, populations)
    assert {q.grade: q.quota for q in v1} == {D: 0, B: 3, A: 4}
    assert {q.grade: q.quota for q in v2} == {D: 1, B: 3, A: 3}


def test_higher_multiplier_raises_the_class_total_and_shifts_seats_to_risk() -> None:
    multipliers = GradeMultipliers.from_mapping({"D": "2"})
    plan = plan_class_quota(Fraction(1, 10), multipliers, {A: 10, D: 10})
    # minimum ceil(0.1 × 20) = 2; weighted ceil(0.1 × (10 + 2 × 10)) = 3; shares 1 : 2.
    assert {q.grade: q.quota for q in plan} == {D: 2, A: 1}


def test_grade_never_gets_more_than_its_population() -> None:
    multipliers = GradeMultipliers.from_mapping({"D": "4"})
    plan = plan_class_quota(Fraction(1, 2), multipliers, {A: 10, D: 2})
    # total max(6, ceil(0.5 × (10 + 8))) = 9; D's exact share 4 exceeds its 2 people.
    assert {q.grade: q.quota for q in plan} == {D: 2, A: 7}


def test_riskier_grade_with_lower_multiplier_is_refused_naming_the_grades() -> None:
    with pytest.raises(ValueError, match=r"grade C .* safer grade B"):
        GradeMultipliers.from_mapping({"B": "2", "C": "1.5", "D": "3"})


def test_multiplier_must_be_positive() -> None:
    with pytest.raises(ValueError):
        GradeMultipliers.from_mapping({"A": "0"})


populations = st.dictionaries(
    st.sampled_from(list(CreditRiskGrade)), st.integers(0, 400), min_size=1
)
ratios = st.fractions(min_value=Fraction(1, 1000), max_value=1)
multipliers = st.lists(
    st.fractions(min_value=Fraction(1, 10), max_value=5), min_size=4, max_size=4
).map(lambda xs: GradeMultipliers(dict(zip(list(CreditRiskGrade), sorted(xs), strict=True))))


@given(populations, ratios, multipliers)
def test_grade_quotas_sum_to_the_class_total_and_never_exceed_population(
    grade_populations: dict[CreditRiskGrade, int], ratio: Fraction, factors: GradeMultipliers
) -> None:
    plan = plan_class_quota(ratio, factors, grade_populations)
    total = class_total(ratio, factors, grade_populations)
    assert sum(q.quota for q in plan) == total
    assert all(0 <= q.quota <= q.population for q in plan)
    population = sum(grade_populations.values())
    assert quota_for(ratio, population) <= total <= population


@given(st.lists(st.integers(1, 50), min_size=1, max_size=6), st.integers(0, 60))
def test_uncapped_apportionment_gives_floor_or_ceiling_of_each_exact_share(
    weights: list[int], seats: int
) -> None:
    shares = [(i, Fraction(w), 10**6) for i, w in enumerate(weights)]
    result = apportion(seats, shares)
    assert sum(result.values()) == seats
    for i, w in enumerate(weights):
        exact = Fraction(seats * w, sum(weights))
        assert math.floor(exact) <= result[i] <= math.ceil(exact)


def test_stratum_ids_are_stable_strings() -> None:
    assert stratum_id(Level.COUNTY, "130602", KEY, B) == "county:130602:key:B"
    assert stratum_id(Level.CITY, None, SPECIAL, D) == "city:special:D"
    assert stratum_id(Level.COUNTY, "130602", GENERAL, None) == "county:130602:general:offsite"


def test_county_plan_has_strata_per_county_and_class() -> None:
    population = [
        *targets(8, cls=KEY, grade=B),
        *targets(4, start=100, cls=SPECIAL, grade=D),
        *targets(5, start=200, cls=KEY, grade=A, region=OTHER_COUNTY),
    ]
    plan = plan_quarter(Level.COUNTY, population, Ratios(), ONES)
    assert [(s.id, s.population, s.quota) for s in plan] == [
        (f"county:{COUNTY}:special:D", 4, 2),
        (f"county:{COUNTY}:key:B", 8, 2),
        (f"county:{OTHER_COUNTY}:key:A", 5, 2),
    ]
    only = plan_quarter(Level.COUNTY, population, Ratios(), ONES, region=OTHER_COUNTY)
    assert [s.region for s in only] == [OTHER_COUNTY]


def test_city_plan_pools_every_county() -> None:
    population = [*targets(15, cls=KEY), *targets(15, region=OTHER_COUNTY, cls=KEY)]
    plan = plan_quarter(Level.CITY, population, Ratios(), ONES)
    assert [(s.id, s.region, s.population, s.quota) for s in plan] == [("city:key:B", None, 30, 3)]
    with pytest.raises(ValueError):
        plan_quarter(Level.CITY, population, Ratios(), ONES, region=COUNTY)


def test_positive_list_general_targets_get_offsite_for_all_of_them() -> None:
    population = [
        *targets(40, cls=GENERAL, positive=True),
        *targets(40, start=100, cls=GENERAL),
        target(500, cls=KEY, positive=True),  # the positive list only spares general targets
    ]
    plan = plan_quarter(Level.COUNTY, population, Ratios(), ONES)
    by_id = {s.id: s for s in plan}
    offsite = by_id[f"county:{COUNTY}:general:offsite"]
    assert (offsite.kind, offsite.population, offsite.quota) == (TaskKind.OFFSITE, 40, 40)
    assert by_id[f"county:{COUNTY}:general:B"].quota == 2  # ceil(3% × 40)
    assert by_id[f"county:{COUNTY}:key:B"].population == 1


def test_class_filter_keeps_one_class() -> None:
    population = [*targets(8, cls=KEY), *targets(8, start=50, cls=SPECIAL)]
    plan = plan_quarter(Level.COUNTY, population, Ratios(), ONES, supervision_class=SPECIAL)
    assert {s.supervision_class for s in plan} == {SPECIAL}


@given(populations, ratios, multipliers)
def test_version_2_sums_to_the_class_total_and_never_draws_a_riskier_grade_at_a_lower_rate(
    grade_populations: dict[CreditRiskGrade, int], ratio: Fraction, factors: GradeMultipliers
) -> None:
    plan = plan_class_quota(ratio, factors, grade_populations)
    assert sum(q.quota for q in plan) == class_total(ratio, factors, grade_populations)
    assert all(0 <= q.quota <= q.population for q in plan)
    rates = [Fraction(q.quota, q.population) for q in plan if q.population]  # riskiest first
    assert all(riskier >= safer for riskier, safer in itertools.pairwise(rates))


@given(st.dictionaries(st.sampled_from(list(CreditRiskGrade)), st.integers(1, 60), min_size=1))
def test_version_2_changes_nothing_that_was_already_monotone(
    grade_populations: dict[CreditRiskGrade, int],
) -> None:
    v1 = {q.grade: q.quota for q in plan_class_quota(Fraction(1, 4), ONES, grade_populations, 1)}
    rates = [Fraction(v1[g], grade_populations[g]) for g in sorted(v1, key=lambda g: -g.risk_rank)]
    monotone = all(a >= b for a, b in itertools.pairwise(rates))
    v2 = {q.grade: q.quota for q in plan_class_quota(Fraction(1, 4), ONES, grade_populations)}
    assert (v1 == v2) or not monotone


def test_version_2_gives_no_unit_to_a_grade_whose_targets_cannot_be_drawn() -> None:
    # 竞秀区's one D-grade firm was checked last month: it stays in N but cannot be drawn
    populations = {D: 1, B: 5, A: 7}
    plan = plan_class_quota(Fraction(1, 2), ONES, populations, drawable={D: 0, B: 5, A: 7})
    assert {q.grade: q.quota for q in plan} == {D: 0, B: 3, A: 4}


@given(populations, ratios, multipliers, st.data())
def test_version_2_never_plans_more_than_a_grade_can_draw_beyond_what_version_1_did(
    grade_populations: dict[CreditRiskGrade, int],
    ratio: Fraction,
    factors: GradeMultipliers,
    data: st.DataObject,
) -> None:
    drawable = {g: data.draw(st.integers(0, n)) for g, n in grade_populations.items()}
    v1 = {q.grade: q.quota for q in plan_class_quota(ratio, factors, grade_populations, 1)}
    v2 = plan_class_quota(ratio, factors, grade_populations, drawable=drawable)
    assert sum(q.quota for q in v2) == sum(v1.values())
    for q in v2:  # a grade only ever receives units while it has targets left to draw
        assert q.quota <= max(v1[q.grade], drawable[q.grade])
