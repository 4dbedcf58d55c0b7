"""统一社会信用代码: the GB 32100-2015 check character and the GB 11714 organisation check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.credit_code import (
    CHARSET,
    CreditCodeProblem,
    check_character,
    complete_credit_code,
    credit_code_problem,
    is_valid_credit_code,
    normalise_code,
    organisation_check,
)

REAL_CODES = ["91350100M000100Y43", "91110000802100433B"]

charset_char = st.sampled_from(CHARSET)
digit = st.sampled_from("0123456789")


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    """Authority and type, a six-digit division, an eight-character organisation body."""
    head = draw(charset_char) + draw(charset_char)
    division = "".join(draw(st.lists(digit, min_size=6, max_size=6)))
    body = "".join(draw(st.lists(charset_char, min_size=8, max_size=8)))
    return complete_credit_code(head + division + body)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_published_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None
    assert is_valid_credit_code(code)


def test_check_characters_of_a_real_code_are_computed_from_its_parts() -> None:
    assert organisation_check("M000100Y") == "4"
    assert check_character("91350100M000100Y4") == "3"
    assert organisation_check("80210043") == "3"
    assert check_character("91110000802100433") == "B"


@given(valid_codes())
def test_every_completed_code_is_valid(code: str) -> None:
    assert len(code) == 18
    assert set(code) <= set(CHARSET)
    assert credit_code_problem(code) is None


@given(valid_codes(), st.integers(min_value=0, max_value=17), st.data())
def test_changing_any_single_character_makes_a_code_invalid(
    code: str, position: int, data: st.DataObject
) -> None:
    # The weights 3^i mod 31 are all non-zero modulo the prime 31, so any single substitution
    # in the first seventeen changes the weighted sum modulo 31 and the check character with it.
    replacement = data.draw(st.sampled_from([c for c in CHARSET if c != code[position]]))
    changed = code[:position] + replacement + code[position + 1 :]
    assert credit_code_problem(changed) is not None


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_substitution_of_a_real_code_is_caught(code: str) -> None:
    survivors = [
        code[:i] + c + code[i + 1 :]
        for i in range(18)
        for c in CHARSET
        if c != code[i] and is_valid_credit_code(code[:i] + c + code[i + 1 :])
    ]
    assert survivors == []


def test_wrong_organisation_check_digit_is_an_organisation_problem() -> None:
    # Swapping the organisation check digit is caught by GB 11714 before GB 32100 is consulted.
    code = "91350100M000100Y43"
    assert credit_code_problem(code[:16] + "5" + code[17:]) is CreditCodeProblem.ORGANISATION_CHECK


def test_wrong_last_character_is_a_check_character_problem() -> None:
    assert credit_code_problem("91350100M000100Y44") is CreditCodeProblem.CHECK_CHARACTER


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43"),
        ("\u30009135０100ｍ000100y43\t", "91350100M000100Y43"),
    ],
)
def test_normalise_code_folds_full_width_lower_case_and_spaces(written: str, expected: str) -> None:
    assert normalise_code(written) == expected
    assert credit_code_problem(normalise_code(written)) is None


def test_seventeen_characters_is_a_length_problem() -> None:
    assert credit_code_problem("91350100M000100Y4") is CreditCodeProblem.LENGTH
    assert credit_code_problem("91350100M000100Y433") is CreditCodeProblem.LENGTH


def test_empty_code_is_its_own_problem() -> None:
    assert credit_code_problem("") is CreditCodeProblem.EMPTY


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_outside_the_gb_32100_charset_are_a_character_problem(letter: str) -> None:
    code = "91350100M000100Y43"
    assert credit_code_problem(code[:8] + letter + code[9:]) is CreditCodeProblem.CHARACTER


def test_letter_in_the_division_is_a_division_problem() -> None:
    assert credit_code_problem("9135010AM000100Y43") is CreditCodeProblem.DIVISION
