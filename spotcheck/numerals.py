"""Numbers typed or sent by users: ASCII decimal digits only.

`str.isdigit()` is True for '²' and '١' and `int()` reads '١٢' as 12, so a check made of those
lets through text that later fails (or, worse, means another number). Every number a user or a
button can send is read here instead.
"""

from __future__ import annotations


def is_decimal(text: str) -> bool:
    """Whether text is one or more ASCII digits 0–9 and nothing else (no sign, no spaces).
    Among ASCII characters only 0–9 are digits, so this is two C-speed checks."""
    return text.isascii() and text.isdigit()


def parse_decimal(text: str, maximum: int) -> int | None:
    """The non-negative number written in ASCII digits, or None when text is anything else or
    exceeds maximum. Leading zeros are allowed ('007' is 7). The digits are counted before
    converting: int() refuses over 4,300 digits, and a long string should cost nothing."""
    if not is_decimal(text):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(maximum)):
        return None
    number = int(significant)
    return number if number <= maximum else None
