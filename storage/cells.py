"""Cell readers: one Excel cell to one stored value, or a CellError saying why not.

They fold what Excel and clerks do to data (numbers for codes, full-width characters, stray
spaces, 是/否 spelt several ways) and refuse what cannot be meant (1.3E+10 for a certificate).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from openpyxl.cell.cell import ERROR_CODES

from spotcheck.classes import SupervisionClass, parse_class, parse_grade, resolve_class
from spotcheck.credit_code import credit_code_problem, normalise_code
from spotcheck.numerals import is_decimal
from spotcheck.regions import CityRegions
from spotcheck.roles import parse_role, parse_status


class CellProblem(StrEnum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    CREDIT_CODE = "credit_code"
    REGION_UNKNOWN = "region_unknown"
    COUNTY_MISMATCH = "county_mismatch"
    CLASS_UNKNOWN = "class_unknown"
    GRADE_UNKNOWN = "grade_unknown"
    YES_NO = "yes_no"
    PERMIT_CATEGORY = "permit_category"
    NUMBER = "number"
    COORDINATE = "coordinate"
    SCIENTIFIC = "scientific"
    ROLE_UNKNOWN = "role_unknown"
    STATUS_UNKNOWN = "status_unknown"
    LEVEL_UNKNOWN = "level_unknown"
    PHONE = "phone"
    ROLE_REGION = "role_region"
    DUPLICATE_KEY = "duplicate_key"
    FORMULA_ERROR = "formula_error"
    OTHER_COUNTY = "other_county"  # a county admin's row of another county
    ROLE_NOT_ALLOWED = "role_not_allowed"  # a county admin may make only inspectors, leads
    OTHER_COUNTYS_ROW = "other_countys_row"  # a county admin's row already kept by another county
    PROTECTED_ROW = "protected_row"  # a county admin's row of an admin (a peer's or the city's)


class CellError(Exception):
    def __init__(self, problem: CellProblem, detail: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.detail = detail


_SEPARATORS = re.compile(r"[;,、，；/|\s]+")
# Industry names contain 、 (皮革、毛皮、羽毛及其制品和制鞋业), so lists of them split on less.
_NAME_SEPARATORS = re.compile(r"[;,，；|\n]+")
_SCIENTIFIC = re.compile(r"^[0-9.]+E\+?[0-9]+$", re.IGNORECASE)
# What float() should read from a cell: ASCII digits only (float() also takes '١١٥' and '1_15').
_DECIMAL = re.compile(
    r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|inf|infinity|nan)$", re.IGNORECASE
)
# What Excel caches for a formula that failed (#DIV/0! …): data nobody typed, never imported.
EXCEL_ERRORS = frozenset(ERROR_CODES)
_YES = {"是", "Y", "YES", "TRUE", "1", "√"}
_NO = {"否", "N", "NO", "FALSE", "0", ""}
PERMIT_CATEGORIES = ("重点管理", "简化管理", "登记管理")
LEVEL_WORDS = {"市级": "city", "县级": "county", "city": "city", "county": "county"}
LEVEL_LABELS = {"city": "市级", "county": "县级"}


def text(value: Any, limit: int = 200) -> str:
    """Free text as written, trimmed; numbers lose a spurious '.0'.

    Not NFKC-folded: full-width brackets and punctuation belong in Chinese names.
    """
    if value.__class__ is str:  # the common case first: most cells are plain text
        written = value.strip()
        if len(written) > limit:
            raise CellError(CellProblem.TOO_LONG, str(limit))
        if written[:1] == "#" and written in EXCEL_ERRORS:
            raise CellError(CellProblem.FORMULA_ERROR, written)
        return written
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat()
    written = str(value).strip()
    if len(written) > limit:
        raise CellError(CellProblem.TOO_LONG, str(limit))
    return written


def folded(value: Any, limit: int = 200) -> str:
    """Codes and keywords: full-width folded to half-width (ＡＢ１ → AB1), trimmed."""
    return unicodedata.normalize("NFKC", text(value, limit)).strip()


def required_text(value: Any, limit: int = 200) -> str:
    result = text(value, limit)
    if not result:
        raise CellError(CellProblem.REQUIRED)
    return result


def credit_code(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel keeps numbers to 15 significant digits: 18 cannot survive, so never guess.
        raise CellError(CellProblem.SCIENTIFIC, f"{value:.6G}")
    code = normalise_code(text(value, 40))
    if not code:
        raise CellError(CellProblem.REQUIRED)
    problem = credit_code_problem(code)
    if problem is not None:
        raise CellError(CellProblem.CREDIT_CODE, problem.value)
    return code


def code_text(value: Any, number_format: str | None = "General") -> str:
    """A code typed as digits (执法证号, 事项编码, a telephone number): text as written; a number
    Excel kept is restored with the leading zeros its zero-padding number format shows."""
    # A fraction, or 16+ digits (beyond Excel's 15 significant ones), cannot be the number typed.
    if isinstance(value, float) and (not value.is_integer() or value >= 1e15):
        raise CellError(CellProblem.SCIENTIFIC, repr(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
        if number_format and set(number_format) == {"0"}:
            digits = digits.zfill(len(number_format))
        return digits
    written = "".join(folded(value, 40).split()).upper()
    if _SCIENTIFIC.match(written):
        raise CellError(CellProblem.SCIENTIFIC, written)
    return written


def certificate_number(value: Any, number_format: str | None = "General") -> str:
    """执法证号: required, as code_text reads it."""
    written = code_text(value, number_format)
    if not written:
        raise CellError(CellProblem.REQUIRED)
    return written


def region_code(value: Any, regions: CityRegions, allow_city: bool = False) -> str:
    """A county of the configured city; staff of the city bureau itself may carry its code."""
    code = "".join(folded(value, 12).split())
    if not code:
        raise CellError(CellProblem.REQUIRED)
    if not (regions.is_county(code) or (allow_city and code == regions.code)):
        raise CellError(CellProblem.REGION_UNKNOWN, code)
    return code


WORD_LIMIT = 50  # a tag is a word, and the shared tag vocabulary stores it in 50 characters


def word_list(value: Any) -> list[str]:
    """'涉VOCs;危废、 涉VOCs' → ['危废', '涉VOCs']: sorted, unique, so exports compare equal."""
    words = sorted({w for w in _SEPARATORS.split(folded(value, 1000)) if w})
    if any(len(w) > WORD_LIMIT for w in words):
        raise CellError(CellProblem.TOO_LONG, str(WORD_LIMIT))
    return words


def name_list(value: Any) -> list[str]:
    """Industry names separated by ; or , (not 、, which is part of some names)."""
    return sorted({w.strip() for w in _NAME_SEPARATORS.split(text(value, 1000)) if w.strip()})


def supervision_classes(value: Any) -> list[SupervisionClass]:
    words = word_list(value)
    if not words:
        raise CellError(CellProblem.REQUIRED)
    found = []
    for word in words:
        cls = parse_class(word)
        if cls is None:
            raise CellError(CellProblem.CLASS_UNKNOWN, word)
        found.append(cls)
    return found


def classify(listed: list[SupervisionClass], positive_list: bool) -> SupervisionClass:
    """The stored class: being on the positive list (正面清单) is a general-class condition."""
    return resolve_class([*listed, SupervisionClass.GENERAL] if positive_list else listed)


def yes_no(value: Any) -> bool:
    word = folded(value, 10).upper()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError(CellProblem.YES_NO, word)


def _keyword(value: Any, parse: Callable[[str], StrEnum | None], unknown: CellProblem) -> str:
    """A required keyword cell ('A类', '组长', '在岗') read by a domain parser to its value."""
    word = folded(value, 20)
    if not word:
        raise CellError(CellProblem.REQUIRED)
    found = parse(word)
    if found is None:
        raise CellError(unknown, word)
    return found.value


def credit_grade(value: Any) -> str:
    return _keyword(value, parse_grade, CellProblem.GRADE_UNKNOWN)


def permit_category(value: Any) -> str:
    word = folded(value, 20)
    if word and word not in PERMIT_CATEGORIES:
        raise CellError(CellProblem.PERMIT_CATEGORY, word)
    return word


def coordinate(value: Any, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = folded(value, 30)
        if not _DECIMAL.match(text):
            raise CellError(CellProblem.NUMBER, str(value))
        number = float(text)
    if not math.isfinite(number) or not low <= number <= high:
        raise CellError(CellProblem.COORDINATE, str(value))
    return number


def role(value: Any) -> str:
    return _keyword(value, parse_role, CellProblem.ROLE_UNKNOWN)


def duty_status(value: Any) -> str:
    return _keyword(value, parse_status, CellProblem.STATUS_UNKNOWN)


def levels(value: Any) -> list[str]:
    words = word_list(value)
    if not words:
        raise CellError(CellProblem.REQUIRED)
    unknown = [w for w in words if w not in LEVEL_WORDS]
    if unknown:
        raise CellError(CellProblem.LEVEL_UNKNOWN, unknown[0])
    return sorted({LEVEL_WORDS[w] for w in words})


def item_classes(value: Any) -> list[str]:
    """适用监管类别: blank or 全部 means every class."""
    words = word_list(value)
    if not words or words == ["全部"]:
        return sorted(c.value for c in SupervisionClass)
    return sorted({c.value for c in supervision_classes(value)})


def phone(value: Any, number_format: str | None = "General") -> str:
    number = "".join(ch for ch in code_text(value, number_format) if ch not in " -")
    if not number:
        raise CellError(CellProblem.REQUIRED)
    if not is_decimal(number) or not 7 <= len(number) <= 13:
        raise CellError(CellProblem.PHONE, number)
    return number


@dataclass(frozen=True)
class Located:
    """A cell problem placed in the sheet: row number, header, what was wrong, what was there."""

    row: int
    column: str
    problem: CellProblem
    detail: str = ""
    value: str = ""
