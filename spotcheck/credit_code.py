"""统一社会信用代码: the 18-character unified social credit code (GB 32100-2015).

Layout: registration authority (1) · entity type (1) · administrative division (6) ·
organisation code (9, GB 11714: 8 body characters and a check character) · check character (1).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from operator import mul

from spotcheck.numerals import is_decimal

# GB 32100-2015 uses 31 characters: the digits and upper-case letters without I, O, S, V, Z.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_CHARS = frozenset(CHARSET)
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714-1997: body characters are digits or letters valued A=10 … Z=35.
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class CreditCodeProblem(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    CHARACTER = "character"
    DIVISION = "division"
    ORGANISATION_CHECK = "organisation_check"
    CHECK_CHARACTER = "check_character"


def normalise_code(text: str) -> str:
    """Full-width to half-width, spaces out, upper case: what a careful clerk meant to type."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def check_character(first17: str) -> str:
    """The 18th character for the first seventeen."""
    total = sum(map(mul, map(_VALUE.__getitem__, first17), _WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check(body8: str) -> str:
    """The 9th character of a GB 11714 organisation code for its first eight."""
    total = sum(map(mul, map(_ORG_VALUE.__getitem__, body8), _ORG_WEIGHTS))
    remainder = (11 - total % 11) % 11
    return "X" if remainder == 10 else str(remainder)


def credit_code_problem(code: str) -> CreditCodeProblem | None:
    """What is wrong with an already normalised code, or None when it is valid."""
    if not code:
        return CreditCodeProblem.EMPTY
    if len(code) != 18:
        return CreditCodeProblem.LENGTH
    if not _CHARS.issuperset(code):
        return CreditCodeProblem.CHARACTER
    if not is_decimal(code[2:8]):
        return CreditCodeProblem.DIVISION
    if organisation_check(code[8:16]) != code[16]:
        return CreditCodeProblem.ORGANISATION_CHECK
    if check_character(code[:17]) != code[17]:
        return CreditCodeProblem.CHECK_CHARACTER
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None


def complete_credit_code(first16_without_org_check: str) -> str:
    """Build a valid code from 8 leading characters and the 8-character organisation body.

    Used to generate demo and benchmark directories; the input is 16 characters: authority,
    type, division (6) and the organisation body (8).
    """
    head, body = first16_without_org_check[:8], first16_without_org_check[8:16]
    first17 = head + body + organisation_check(body)
    return first17 + check_character(first17)
