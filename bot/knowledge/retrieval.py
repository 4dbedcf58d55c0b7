"""Find the passages that answer a question: jieba tokens, domain synonyms, BM25 ranking, and a
rule that answers nothing when the documents do not cover the question.

BM25 is written out here (Okapi, k1=1.2, b=0.5, the always-positive Lucene idf) rather than
taken from rank-bm25: it is twenty lines, needs no numpy, and takes a weight per query term,
which is how synonyms and colloquial words count for less than the words the question used.

Not covered (no hits): no passage among the best few carries enough of the question's
distinctive words (bot/knowledge/coverage.py) — a passage sharing only generic words with it
(检查、结果、企业 …) answers nothing. The bot's own guide ranks a little below the policy
documents, so that on ground both cover the plan is quoted.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import unicodedata
import warnings
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources when it can, which newer setuptools warns about.
    warnings.simplefilter("ignore", category=UserWarning)
    warnings.simplefilter("ignore", category=DeprecationWarning)
    import jieba
    import jieba.posseg

from bot.knowledge.coverage import Word, covers
from bot.knowledge.guide import is_guide
from bot.knowledge.passages import Passage
from bot.knowledge.synonyms import STOP_WORDS, domain_dictionary, related_to, synonyms_of

K1 = 1.2
B = 0.5  # passages run from 50 to 400 characters; 0.75 over-rewards the short ones
RELATIVE_FLOOR = 0.3  # further hits must score at least this share of the best
COVER_CANDIDATES = 5  # how far down the ranking the answering passage is looked for
SYNONYM_WEIGHT = 0.6  # a synonym of a question word
PART_WEIGHT = 0.5  # a shorter word inside a question word (重点 in 重点污染源)
RELATED_WEIGHT = 0.5  # what a colloquial word points to (多少 → 比例)
DOMAIN_WORD_FREQ = 2000  # least jieba frequency of a domain word
GUIDE_PRIOR = 0.6  # the guide's scores count this much against the policy documents'
CACHE_DIR_ENV = "SHUANGSUIJI_CACHE_DIR"

_PERCENT = re.compile(r"\d%")
_WORD_CHAR = re.compile(r"\w")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
_CLAUSE = re.compile(r"[^，：,:]*(?:[，：,:]+|$)")  # not at 、, which joins a list


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    position: int  # the passage's place in the index, for a "next passage" button


@dataclass(frozen=True, slots=True)
class _Query:
    weights: dict[str, float]
    words: tuple[Word, ...]


class PolicyIndex:
    """BM25 over passages; build once, search many times (both pure, no I/O)."""

    def __init__(self, passages: Iterable[Passage]) -> None:
        self.passages: tuple[Passage, ...] = tuple(passages)
        self._terms = [Counter(terms(f"{p.title}\n{p.text}")) for p in self.passages]
        self._lengths = [sum(counts.values()) for counts in self._terms]
        self._average = sum(self._lengths) / len(self._lengths) if self._lengths else 1.0
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for index, counts in enumerate(self._terms):
            for term, count in counts.items():
                self._postings.setdefault(term, []).append((index, count))
        n = len(self.passages)
        self._idf = {
            term: math.log(1 + (n - len(posts) + 0.5) / (len(posts) + 0.5))
            for term, posts in self._postings.items()
        }
        self._highest = max(self._idf.values(), default=0.0)
        self._prior = [GUIDE_PRIOR if is_guide(p) else 1.0 for p in self.passages]

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The best k passages for question, best first; [] when the documents do not cover it."""
        query = _analyse(question, self._postings)
        scores = self._scores(query.weights)
        ranked = sorted(scores, key=lambda i: (-scores[i], i))
        # The best passage that covers the question, among the top few: the top-scoring one may
        # only share words with it while the next states the answer.
        answering = next((i for i in ranked[:COVER_CANDIDATES] if self._covers(query, i)), None)
        if answering is None:
            return []
        best = scores[answering]
        order = [answering, *(i for i in ranked if i != answering)]
        return [
            Hit(self.passages[i], scores[i], i)
            for i in order[:k]
            if scores[i] >= RELATIVE_FLOOR * best
        ]

    def _scores(self, weights: dict[str, float]) -> dict[int, float]:
        scores: dict[int, float] = {}
        for term, weight in weights.items():
            for index, count in self._postings.get(term, ()):
                norm = K1 * (1 - B + B * self._lengths[index] / self._average)
                gain = weight * self._idf[term] * count * (K1 + 1) / (count + norm)
                scores[index] = scores.get(index, 0.0) + gain * self._prior[index]
        return scores

    def _covers(self, query: _Query, index: int) -> bool:
        """Whether passage index answers the question rather than sharing a word with it."""
        return covers(query.words, self._terms[index], self._idf, self._highest)


def terms(text: str) -> list[str]:
    """jieba tokens of text without stop words, each followed by the dictionary words inside it
    (重点监管对象 also gives 重点, 监管, 监管对象 …), as jieba's search mode does but to any depth.

    A percentage ("25%") also gives the marker term "%", which questions about 比例 ask for.
    """
    found: list[str] = []
    for token in _tokenizer().cut(normalise(text)):
        token = token.strip()
        if _is_content(token):
            found.append(token)
            found.extend(_parts(token))
            if _PERCENT.search(token):
                found.append("%")
    return found


@cache
def _parts(word: str) -> tuple[str, ...]:
    """The dictionary words inside a longer word: 信用风险分级分类 → 信用风险, 风险分级, 分类 …
    (cached: the same words recur across passages, and a full cut is the costly step)."""
    if len(word) < 3:
        return ()
    inside = _tokenizer().cut(word, cut_all=True)
    return tuple(part for part in inside if len(part) > 1 and part != word and _is_content(part))


def normalise(text: str) -> str:
    """Half-width digits, letters and brackets, lower case, no Markdown bold."""
    return unicodedata.normalize("NFKC", text).replace("**", "").lower()


def trim(text: str, limit: int = 300, query: str = "") -> str:
    """Cut text to at most limit characters around the sentence that best matches query.

    Whole sentences are kept: the best one, then its neighbours (the next before the previous)
    while they fit; "…" marks each cut. A best sentence longer than limit is cut the same way by
    clauses (，：). Without a query the text is kept from its start.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    weights = _analyse(query).weights if query else {}
    return _window(_split(_SENTENCE, text), weights, limit)


def _window(units: list[str], weights: dict[str, float], limit: int) -> str:
    def score(i: int) -> tuple[float, int]:
        return sum(weights.get(t, 0.0) for t in set(terms(units[i]))), -i

    best = max(range(len(units)), key=score)
    start, end = best, best + 1
    if len(_join(units, start, end)) > limit:
        lead, tail = start > 0, end < len(units)
        room = limit - lead - tail
        piece = units[best].strip()
        clauses = _split(_CLAUSE, piece)
        inner = _window(clauses, weights, room) if len(clauses) > 1 else piece[: room - 1] + "…"
        lead = lead and not inner.startswith("…")
        tail = tail and not inner.endswith("…")
        return ("…" if lead else "") + (inner.rstrip("，、：,:") + "…" if tail else inner)
    while True:
        for wider in ((start, end + 1), (start - 1, end)):
            if wider[0] >= 0 and wider[1] <= len(units) and len(_join(units, *wider)) <= limit:
                start, end = wider
                break
        else:
            return _join(units, start, end)


def _split(pattern: re.Pattern[str], text: str) -> list[str]:
    return [unit for unit in pattern.findall(text) if unit.strip()]


def _join(units: Sequence[str], start: int, end: int) -> str:
    body = "".join(units[start:end]).strip()
    if end < len(units):
        body = body.rstrip("，、：,:") + "…"
    return ("…" if start > 0 else "") + body


def _analyse(question: str, vocabulary: Container[str] = ()) -> _Query:
    """Content words of question with their synonyms and parts, and the weighted query terms."""
    weights: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        weights[term] = max(weight, weights.get(term, 0.0))

    words: dict[str, Word] = {}
    for word in _question_words(normalise(question), vocabulary):
        for target in related_to(word):
            add(target, RELATED_WEIGHT)
        if not _is_content(word) or word in words:
            continue
        synonyms = synonyms_of(word)
        parts = frozenset(_parts(word))
        add(word, 1.0)
        for synonym in synonyms:
            add(synonym, SYNONYM_WEIGHT)
        for part in parts:
            add(part, PART_WEIGHT)
        if _PERCENT.search(word):
            add("%", PART_WEIGHT)
        tag = _tag(word)
        words[word] = Word(
            word,
            frozenset({word, *synonyms}),
            parts,
            tag.startswith(_FUNCTION_TAGS),
            tag[:1] == "n",
        )
    return _Query(weights, tuple(words.values()))


def _question_words(question: str, vocabulary: Container[str]) -> list[str]:
    """jieba's precise cut; a word the documents do not use is cut again by the dictionary
    alone when its HMM guessed it ("要设", "去查") or the documents use all its parts (企业信用:
    企业 / 信用)."""
    tokenizer = _tokenizer()
    words: list[str] = []
    for token in tokenizer.lcut(question):
        word = token.strip()
        if word in vocabulary or any(other in vocabulary for other in synonyms_of(word)):
            words.append(word)
            continue
        if not tokenizer.FREQ.get(word):  # a guess of jieba's HMM
            words.extend(part.strip() for part in tokenizer.lcut(word, HMM=False))
        elif halves := _halves(word, vocabulary):
            words.extend(halves)  # a compound the documents say in its two halves (企业信用)
        else:
            words.append(word)
    return words


# jieba's part-of-speech tags of words that frame a question rather than name its subject:
# numerals and measure words (几类, 一级), adverbs (事先), prepositions (依据), time words (最晚),
# pronouns, conjunctions, particles, directions, interjections.
_FUNCTION_TAGS = ("m", "q", "d", "p", "t", "r", "c", "u", "f", "y", "e", "o")


@cache
def _tag(word: str) -> str:
    """jieba's part-of-speech tag of word ("n" for a term of art, "x" when it cannot tell)."""
    if word in _domain_words():
        return "n"
    tagger = _tagger()
    tag = tagger.word_tag_tab.get(word)
    if tag is None:
        cut = list(tagger.cut(word))
        tag = cut[0].flag if len(cut) == 1 else "x"
    return str(tag)


@cache
def _domain_words() -> frozenset[str]:
    return frozenset(domain_dictionary())


@cache
def _tagger() -> jieba.posseg.POSTokenizer:
    return jieba.posseg.POSTokenizer(_tokenizer())


def _halves(word: str, vocabulary: Container[str]) -> tuple[str, str] | None:
    """Two words the documents use that make up word exactly (企业信用 → 企业, 信用)."""
    for cut in range(2, len(word) - 1):
        head, tail = word[:cut], word[cut:]
        if head in vocabulary and tail in vocabulary:
            return head, tail
    return None


def _is_content(token: str) -> bool:
    """A token that can tell passages apart: no punctuation, stop word or lone Chinese character."""
    if not _WORD_CHAR.search(token) or token in STOP_WORDS:
        return False
    return not (len(token) == 1 and _CJK.match(token))


@cache
def _tokenizer() -> jieba.Tokenizer:
    """jieba with the domain dictionary, loaded once per process (about half a second)."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache_file = _cache_file()
    if cache_file is None:
        # Nowhere writable: jieba still works, but would log a traceback for the failed dump.
        jieba.setLogLevel(logging.CRITICAL)
    else:
        tokenizer.cache_file = cache_file  # absolute, so jieba ignores its tmp_dir
    tokenizer.initialize()
    for word in domain_dictionary():
        # A term of art is at least as frequent as a common word, so that 专家库里 is cut
        # 专家库 / 里 and not 专家 / 库里 (jieba has 专家库 at 3, 库里 at 48).
        tokenizer.add_word(word, max(tokenizer.FREQ.get(word) or 0, DOMAIN_WORD_FREQ))
    return tokenizer


def _cache_file() -> str | None:
    """jieba's prefix-dictionary cache in a folder of our own: $SHUANGSUIJI_CACHE_DIR, else
    $XDG_CACHE_HOME/shuangsuiji or ~/.cache/shuangsuiji, else a private folder in the temp dir.
    Never the shared /tmp/jieba.cache, which anyone could have written."""
    candidates: list[Path] = []
    if configured := os.environ.get(CACHE_DIR_ENV):
        candidates.append(Path(configured))
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        candidates.append(Path(base) / "shuangsuiji")
    except RuntimeError:  # no home directory
        pass
    candidates.append(Path(tempfile.gettempdir()) / f"shuangsuiji-{os.getuid()}")
    for folder in candidates:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_uid == os.getuid() and os.access(folder, os.W_OK | os.X_OK):
                return str(folder / "jieba.cache")
        except OSError:
            continue
    return None
