"""The one parser of numbers that users and buttons send: ASCII digits, nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.numerals import is_decimal, parse_decimal

MAXIMUM = 2**31 - 1


def _reference(text: str, maximum: int) -> int | None:
    if not text or any(ch not in "0123456789" for ch in text):
        return None
    number = int(text)
    return number if number <= maximum else None


@given(st.text())
def test_any_text_parses_as_the_ascii_reference_says(text: str) -> None:
    assert parse_decimal(text, MAXIMUM) == _reference(text, MAXIMUM)
    assert is_decimal(text) == (bool(text) and all(ch in "0123456789" for ch in text))


@given(st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1))
def test_unicode_digits_other_than_ascii_are_refused(text: str) -> None:
    if any(ch not in "0123456789" for ch in text):
        assert parse_decimal(text, MAXIMUM) is None
        assert not is_decimal(text)


@given(st.integers(min_value=0, max_value=MAXIMUM), st.integers(min_value=0, max_value=30))
def test_a_number_we_wrote_reads_back_with_any_leading_zeros(number: int, zeros: int) -> None:
    assert parse_decimal("0" * zeros + str(number), MAXIMUM) == number


@given(st.integers(min_value=MAXIMUM + 1))
def test_a_number_over_the_maximum_is_refused(number: int) -> None:
    assert parse_decimal(str(number), MAXIMUM) is None


def test_thousands_of_digits_cost_nothing_and_raise_nothing() -> None:
    assert parse_decimal("9" * 100_000, MAXIMUM) is None
    assert parse_decimal("0" * 100_000 + "7", MAXIMUM) == 7
