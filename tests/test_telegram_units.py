"""Cutting text to Telegram's limits, counted in UTF-16 units as Telegram counts them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.texts.units import ELLIPSIS, split, trim

# Chinese, ASCII, line breaks, spaces and a character beyond the BMP (two units in UTF-16)
TEXT = st.text(alphabet=st.sampled_from(["企", "a", "\n", " ", "𠀋", "。"]), max_size=3000)


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(TEXT, st.integers(2, 700))
def test_split_parts_fit_keep_the_order_and_lose_nothing_but_blank_parts(
    text: str, limit: int
) -> None:
    parts = split(text, limit)
    assert all(telegram_length(part) <= limit for part in parts)
    assert visible("".join(parts)) == visible(text)
    if telegram_length(text) <= limit:
        assert parts == [text]
    elif visible(text):
        assert all(part.strip() for part in parts)  # Telegram refuses a blank message
    else:
        assert len(parts) == 1


def test_split_cuts_after_a_line_break_in_the_second_half() -> None:
    text = "一" * 30 + "\n" + "二" * 30 + "\n" + "三" * 10
    assert split(text, 70) == ["一" * 30 + "\n" + "二" * 30 + "\n", "三" * 10]
    assert split("一" * 10 + "\n" + "二" * 60, 40) == ["一" * 10 + "\n" + "二" * 29, "二" * 31]


def test_split_never_halves_a_character_beyond_the_bmp() -> None:
    assert split("𠀋" * 5, 5) == ["𠀋𠀋", "𠀋𠀋", "𠀋"]


@settings(max_examples=200, deadline=None)
@given(TEXT, st.integers(2, 700))
def test_trim_fits_with_an_ellipsis_and_returns_the_rest(text: str, limit: int) -> None:
    shown, rest = trim(text, limit)
    assert telegram_length(shown) <= limit
    if telegram_length(text) <= limit:
        assert (shown, rest) == (text, "")
    else:
        assert shown.endswith(ELLIPSIS)
        assert visible(shown[: -len(ELLIPSIS)] + rest) == visible(text)
