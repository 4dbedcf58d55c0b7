"""Supervision classes (监管类别), their precedence, and credit-risk grades (信用风险等级)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class SupervisionClass(StrEnum):
    SPECIAL = "special"  # 特殊监管对象
    KEY = "key"  # 重点监管对象
    GENERAL = "general"  # 一般监管对象

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]


_CLASS_LABELS = {
    SupervisionClass.SPECIAL: "特殊监管对象",
    SupervisionClass.KEY: "重点监管对象",
    SupervisionClass.GENERAL: "一般监管对象",
}

_CLASS_WORDS = {
    "特殊": SupervisionClass.SPECIAL,
    "特殊监管对象": SupervisionClass.SPECIAL,
    "special": SupervisionClass.SPECIAL,
    "重点": SupervisionClass.KEY,
    "重点监管对象": SupervisionClass.KEY,
    "key": SupervisionClass.KEY,
    "一般": SupervisionClass.GENERAL,
    "一般监管对象": SupervisionClass.GENERAL,
    "general": SupervisionClass.GENERAL,
}


def parse_class(word: str) -> SupervisionClass | None:
    """One class from its Chinese or English name; None when the word names no class."""
    return _CLASS_WORDS.get(word.strip().lower())


def resolve_class(conditions: Iterable[SupervisionClass]) -> SupervisionClass:
    """The class a target falls in when it meets the conditions of several.

    The plan: where a key-class condition conflicts with a special- or general-class one, the
    special or general condition wins. It is silent on special against general; we let special
    win, the stricter supervision, so that a flagged polluter is never checked less.
    """
    found = set(conditions)
    if not found:
        raise ValueError("a target needs at least one class condition")
    for winner in (SupervisionClass.SPECIAL, SupervisionClass.GENERAL):
        if winner in found:
            return winner
    return SupervisionClass.KEY


class CreditRiskGrade(StrEnum):
    """企业信用风险分类: A is the lowest risk, D the highest."""

    A = "A"  # 低风险
    B = "B"  # 一般风险
    C = "C"  # 较高风险
    D = "D"  # 高风险

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]

    @property
    def risk_rank(self) -> int:
        """0 for the safest grade, rising with risk."""
        return list(CreditRiskGrade).index(self)


_GRADE_LABELS = {
    CreditRiskGrade.A: "低风险",
    CreditRiskGrade.B: "一般风险",
    CreditRiskGrade.C: "较高风险",
    CreditRiskGrade.D: "高风险",
}


_GRADE_WORDS = {g.value: g for g in CreditRiskGrade} | {g.label: g for g in CreditRiskGrade}


def parse_grade(word: str) -> CreditRiskGrade | None:
    """A grade from 'A', 'A类', 'a' or its Chinese name; None when unknown."""
    return _GRADE_WORDS.get(word.strip().upper().removesuffix("类"))
