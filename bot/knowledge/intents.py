"""Questions the bot answers from its own numbers, not only from the text: the configured
ratio for a class and level, this quarter's quota for the asker's county, his deadlines."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level


class Ask(StrEnum):
    RATIO = "ratio"  # 县级重点监管对象抽查比例是多少
    QUOTA = "quota"  # 我县重点监管对象这季度要抽几家
    DEADLINE = "deadline"  # 我们的统计表什么时候报


@dataclass(frozen=True, slots=True)
class Intent:
    ask: Ask
    level: Level | None
    supervision_class: SupervisionClass | None


_CLASS = (
    (re.compile(r"特殊"), SupervisionClass.SPECIAL),
    (re.compile(r"重点"), SupervisionClass.KEY),
    (re.compile(r"一般"), SupervisionClass.GENERAL),
)
_CITY = re.compile(r"市级|市局|全市|市里")
_COUNTY = re.compile(r"县级|区县|分局|本县|我县|县里|本区|我区|县区")
_MINE = re.compile(r"我|咱|本县|本区|本季度|这季度|这个季度")
_HOW_MANY = re.compile(r"几家|多少家|多少个|抽几|配额|最低抽查数")
_RATIO = re.compile(r"比例|百分之|多少%|几成|抽多少|抽查多少|多少比例")
_WHEN = re.compile(r"什么时候|何时|哪天|截止|期限|几号")
_REPORT = re.compile(r"统计表|统计报表|总结|报送|上报")


def intent_of(question: str) -> Intent | None:
    """What live number the question asks for, if any. The positive list (正面清单) is checked
    off site, not sampled: such questions are left to the text."""
    text = unicodedata.normalize("NFKC", question)
    if "正面清单" in text:
        return None
    cls = next((c for pattern, c in _CLASS if pattern.search(text)), None)
    level = Level.CITY if _CITY.search(text) else Level.COUNTY if _COUNTY.search(text) else None
    if _WHEN.search(text) and _REPORT.search(text):
        return Intent(Ask.DEADLINE, level, cls)
    if cls is not None and _HOW_MANY.search(text) and _MINE.search(text):
        return Intent(Ask.QUOTA, level, cls)
    if cls is not None and (_RATIO.search(text) or _HOW_MANY.search(text)):
        return Intent(Ask.RATIO, level, cls)
    return None
