"""Supervision classes and their precedence, credit-risk grades, roles, and county names."""

from __future__ import annotations

import pytest

from spotcheck.classes import (
    CreditRiskGrade,
    SupervisionClass,
    parse_class,
    parse_grade,
    resolve_class,
)
from spotcheck.regions import BAODING_COUNTIES, CityRegions
from spotcheck.roles import DutyStatus, Role, parse_role, parse_status
from storage.cells import classify

SPECIAL, KEY, GENERAL = SupervisionClass.SPECIAL, SupervisionClass.KEY, SupervisionClass.GENERAL


def test_special_condition_wins_over_key() -> None:
    assert resolve_class([KEY, SPECIAL]) is SPECIAL


def test_general_condition_wins_over_key() -> None:
    assert resolve_class([KEY, GENERAL]) is GENERAL


def test_special_wins_over_general() -> None:
    assert resolve_class([GENERAL, SPECIAL]) is SPECIAL
    assert resolve_class([GENERAL, KEY, SPECIAL]) is SPECIAL


@pytest.mark.parametrize("only", [SPECIAL, KEY, GENERAL])
def test_a_single_condition_is_its_own_class(only: SupervisionClass) -> None:
    assert resolve_class([only]) is only


def test_no_condition_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        resolve_class([])


def test_positive_list_is_a_general_condition_that_beats_key() -> None:
    assert classify([KEY], positive_list=True) is GENERAL
    assert classify([KEY], positive_list=False) is KEY


def test_positive_list_does_not_lower_a_special_target() -> None:
    assert classify([SPECIAL], positive_list=True) is SPECIAL
    assert classify([SPECIAL, KEY], positive_list=True) is SPECIAL


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("特殊", SPECIAL),
        ("特殊监管对象", SPECIAL),
        ("重点", KEY),
        (" 重点监管对象 ", KEY),
        ("一般", GENERAL),
        ("General", GENERAL),
        ("key", KEY),
    ],
)
def test_class_words_in_chinese_and_english_are_understood(
    word: str, expected: SupervisionClass
) -> None:
    assert parse_class(word) is expected


@pytest.mark.parametrize("word", ["普通", "", "重点类", "A"])
def test_unknown_class_word_is_none(word: str) -> None:
    assert parse_class(word) is None


@pytest.mark.parametrize("word", ["A", "a", "A类", "低风险", " a类 "])
def test_grade_a_is_understood_however_it_is_written(word: str) -> None:
    assert parse_grade(word) is CreditRiskGrade.A


@pytest.mark.parametrize(
    ("word", "expected"),
    [("B", CreditRiskGrade.B), ("c类", CreditRiskGrade.C), ("高风险", CreditRiskGrade.D)],
)
def test_other_grades_parse(word: str, expected: CreditRiskGrade) -> None:
    assert parse_grade(word) is expected


@pytest.mark.parametrize("word", ["E", "中风险", "", "AB"])
def test_unknown_grade_is_none(word: str) -> None:
    assert parse_grade(word) is None


def test_grades_rank_from_safest_to_riskiest() -> None:
    assert [g.risk_rank for g in CreditRiskGrade] == [0, 1, 2, 3]
    assert CreditRiskGrade.D.label == "高风险"


def test_short_county_name_fits_its_code() -> None:
    regions = CityRegions()
    assert regions.name_matches("130602", "竞秀")
    assert regions.name_matches("130602", "竞秀区")
    assert regions.name_matches("130602", " 竞秀区 ")


def test_county_name_of_another_code_does_not_fit() -> None:
    regions = CityRegions()
    assert not regions.name_matches("130602", "莲池区")
    assert not regions.name_matches("130606", "竞秀")
    assert not regions.name_matches("130699", "竞秀区")


def test_one_character_county_keeps_its_suffix() -> None:
    # 唐县 and 易县 are too short to drop 县: '唐' alone is not taken as the county.
    regions = CityRegions()
    assert regions.name_matches("130627", "唐县")
    assert not regions.name_matches("130627", "唐")


def test_baoding_is_the_default_city() -> None:
    regions = CityRegions()
    assert (regions.code, regions.name) == ("130600", "保定市")
    assert regions.county_name("130602") == "竞秀区"
    assert regions.is_county("130681") and not regions.is_county("130600")
    assert len(BAODING_COUNTIES) == 26


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("执法人员", Role.INSPECTOR),
        ("组长", Role.LEAD),
        ("ADMIN", Role.ADMIN),
        ("区县管理员", Role.COUNTY_ADMIN),
    ],
)
def test_roles_parse_from_chinese_or_english(word: str, expected: Role) -> None:
    assert parse_role(word) is expected


def test_only_inspectors_and_leads_inspect() -> None:
    assert {r for r in Role if r.inspects} == {Role.INSPECTOR, Role.LEAD}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("在岗", DutyStatus.ON_DUTY),
        ("休假", DutyStatus.ON_LEAVE),
        ("transferred", DutyStatus.TRANSFERRED),
    ],
)
def test_duty_status_parses(word: str, expected: DutyStatus) -> None:
    assert parse_status(word) is expected


def test_unknown_role_and_status_are_none() -> None:
    assert parse_role("科长") is None
    assert parse_status("退休") is None
