"""Whether a passage covers a question: what it says about the question's distinctive words.

Each content word of the question weighs its inverse document frequency in the index (the
rarer among the passages, the more it tells which one answers); a generic word (检查、结果、
企业、规定 …) weighs nothing. A word no document uses is what the question is about and no
passage speaks of (罚款, 车辆), or a colloquial word for something the documents say otherwise
(不够, 查出来): it weighs UNKNOWN_SHARE of the highest idf, and nothing when jieba tags it a
function word (几类, 最晚, 依据 say how the question is put, not what it is about).

A passage covers the question when the words it contains (directly, as a synonym, or — at
PART_CREDIT — as shorter words inside a longer question word) carry
- at least MIN_COVERAGE of the question's weight,
- at least MIN_EVIDENCE × the highest idf (one common word such as 现场 is no evidence), and
- two distinctive words (STRONG_SHARE × the highest idf or more) when the question names a
  thing no document speaks of: "执法车辆怎么申请" is not answered by a passage on 申请回避.
A question of generic words only is covered by nothing.

tests/qa_eval.py holds the evaluation and its history: which questions these constants were
tuned on, and which were held out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

MIN_COVERAGE = 0.65  # share of the question's weight the answering passage must carry
UNKNOWN_SHARE = 0.5  # weight of a word no passage uses, as a share of the highest idf
STRONG_SHARE = 0.4  # a word at least this share of the highest idf is distinctive
MIN_EVIDENCE = 0.6  # least weight found, as a share of the highest idf: one common word is not
PART_CREDIT = 0.5  # a word found only as its parts (排污 for 排污费) counts this much

# Words that frame a question about inspections without saying which rule it is about: every
# passage of a plan on spot checks talks of 检查, 企业 and 结果. Not stop words — they still rank
# passages — but they never make a passage cover a question.
_GENERIC_TEXT = "检查 抽查 查 结果 企业 单位 规定 问题 情况 工作 怎么办 处理 办理 人员 事情 东西"
GENERIC_WORDS: frozenset[str] = frozenset(_GENERIC_TEXT.split())


@dataclass(frozen=True, slots=True)
class Word:
    """A content word of the question and the terms that count as finding it in a passage."""

    text: str
    whole: frozenset[str]  # the word and its synonyms
    parts: frozenset[str]  # shorter dictionary words inside it
    function: bool = False  # a numeral, adverb, preposition, time word … (jieba's tag)
    noun: bool = False  # jieba tags it a noun: it names a thing


def weight(word: Word, idf: Mapping[str, float], unknown: float) -> float:
    """How much finding this word tells: 0 for a generic word, else the idf of its commonest
    form the documents use; for a word no document uses, ``unknown`` — or 0 for a function
    word (几类, 最晚, 依据: how the question is put, not what it is about)."""
    if word.text in GENERIC_WORDS:
        return 0.0
    known = [idf[term] for term in word.whole if term in idf]
    if known:
        return min(known)
    return 0.0 if word.function else unknown


def found(word: Word, present: Collection[str]) -> float:
    """1 when the passage has the word or a synonym; PART_CREDIT × the share of its parts it
    has otherwise."""
    if any(term in present for term in word.whole):
        return 1.0
    if not word.parts:
        return 0.0
    return PART_CREDIT * sum(term in present for term in word.parts) / len(word.parts)


def covers(
    words: Collection[Word], present: Collection[str], idf: Mapping[str, float], highest: float
) -> bool:
    """Whether the passage (its terms ``present``) answers the question (its ``words``), by
    the rules above; ``idf`` of the index's terms, ``highest`` the largest of them."""
    unknown = UNKNOWN_SHARE * highest
    weights = [(weight(word, idf, unknown), word) for word in words]
    total = sum(w for w, _ in weights)
    carried = sum(w * found(word, present) for w, word in weights)
    if total <= 0 or carried < MIN_COVERAGE * total or carried < MIN_EVIDENCE * highest:
        return False
    if not any(word.noun and not (word.whole & idf.keys()) for w, word in weights):
        return True
    # The question names a thing no document speaks of (车辆, 文书): one shared word is not
    # enough to say that the passage is about it.
    strong = sum(w >= STRONG_SHARE * highest and found(word, present) == 1.0 for w, word in weights)
    return strong >= 2
