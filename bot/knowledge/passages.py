"""Split a policy document into passages that keep their section numbers.

Chinese official documents number their parts 一、 (section), （一） (subsection) and 1. (item).
A passage is one paragraph under the nearest numbers, labelled like the document cites them:
"二（四）", "三（一）2". Labels always use full-width parentheses, whatever the text used.

- Text before the first 一、 heading (the notice, the title, the preamble) is labelled 前言.
- Unnumbered paragraphs after the last numbered subsection of the document are labelled 文末:
  in a notice they are the closing instructions (here: the quarterly reporting deadlines), not
  part of the last subsection. Continuation paragraphs of any earlier subsection keep its label
  (a last subsection of several paragraphs would lose the later ones to 文末; notices put
  their closing there, so that is the better guess).
- Short unnumbered lines without clause punctuation (sender, document number, title) are put
  on the paragraph they head, one per line.
- Lines broken mid-sentence by page breaks (a prose line that does not end in 。；：！？ etc.)
  are joined back to the next paragraph.
- A paragraph longer than MAX_PASSAGE characters is cut into sentence groups, each keeping the
  section label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

MAX_PASSAGE = 600
PREAMBLE = "前言"  # text before the first numbered section
CLOSING = "文末"  # closing instructions after the last numbered subsection

_NUMERALS = "一二三四五六七八九十"
_SECTION = re.compile(rf"^([{_NUMERALS}]+)、\s*(.*)$")
_SUBSECTION = re.compile(rf"^[（(]\s*([{_NUMERALS}]+)\s*[）)]\s*(.*)$")
_ITEM = re.compile(r"^(\d{1,2})\s*[.．、]\s*(?!\d)(.*)$")
_SENTENCE_END = "。！？；：!?;:…”’」』）)】"
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]+[”’」』）)]*|[^。！？；!?;]+$")
_TITLE = re.compile(r"^([^。！？]{1,40}?)[。！？]\s*(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Passage:
    document: str  # the document's name, e.g. the file name without .txt
    section: str  # where the document puts it: "二（四）", "前言", "文末"
    title: str  # the heading of that section, if it has one
    text: str  # the paragraph itself, without its number and heading


def split_text(document: str, text: str) -> list[Passage]:
    """Passages of one plain-text document, in document order."""
    found: list[tuple[str, str, str]] = []  # (label, title, body) per paragraph
    section, subsection, item, title = "", "", "", ""
    last_heading = -1  # index in found of the latest numbered paragraph
    for paragraph in _paragraphs(text):
        numbered = True
        if match := _SECTION.match(paragraph):
            section, subsection, item = match.group(1), "", ""
            title, body = _heading(match.group(2))
        elif section and (match := _SUBSECTION.match(paragraph)):
            subsection, item = match.group(1), ""
            title, body = _heading(match.group(2))
        elif subsection and (match := _ITEM.match(paragraph)):
            item = match.group(1)
            title, body = _heading(match.group(2))
        else:
            body, numbered = paragraph, False
        if body:
            if numbered:
                last_heading = len(found)
            found.append((_label(section, subsection, item), title, body))
    if subsection and last_heading >= 0:
        # Unnumbered paragraphs after the last numbered subsection close the document.
        closing = found[last_heading + 1 :]
        found[last_heading + 1 :] = [(CLOSING, "", body) for _, _, body in closing]
    return [
        Passage(document, label, title, chunk)
        for label, title, body in found
        for chunk in _chunks(body)
    ]


# The titles answers cite the shipped documents by (a file name is no citation).
SHIPPED_TITLES = {
    "baoding-2024-shuangsuiji-plan": "保定市生态环境局2024年“双随机、一公开”监管工作实施方案",
}


@cache
def load_shipped() -> tuple[Passage, ...]:
    """The passages of every policy document shipped in bot/policy/*.txt (read once)."""
    passages: list[Passage] = []
    folder = resources.files("bot.policy")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".txt"):
            stem = entry.name.removesuffix(".txt")
            passages.extend(
                split_text(SHIPPED_TITLES.get(stem, stem), entry.read_text(encoding="utf-8"))
            )
    return tuple(passages)


def _paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs, with lines broken by page breaks joined back together."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("**", "")
    lines = [line.strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    broken = False
    for line in lines:
        if not line:
            continue
        if broken and not _is_heading(line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        last = paragraphs[-1]
        broken = _is_prose(last) and not last.endswith(tuple(_SENTENCE_END))
    return _attach_title_lines(paragraphs)


def _attach_title_lines(paragraphs: list[str]) -> list[str]:
    """Put short unnumbered lines (sender, document number, title) on the paragraph they head."""
    merged: list[str] = []
    pending: list[str] = []
    for paragraph in paragraphs:
        if _is_heading(paragraph):
            merged.extend(pending)
            pending = []
            merged.append(paragraph)
        elif not _is_prose(paragraph):
            pending.append(paragraph)
        else:
            merged.append("\n".join([*pending, paragraph]))
            pending = []
    if pending:
        merged.append("\n".join(pending))
    return merged


def _is_heading(line: str) -> bool:
    return bool(_SECTION.match(line) or _SUBSECTION.match(line) or _ITEM.match(line))


def _is_prose(line: str) -> bool:
    """Prose has clause punctuation; titles, dates and sender lines do not."""
    return any(mark in line for mark in "，。；")


def _heading(rest: str) -> tuple[str, str]:
    """Split "强化联合抽查，减少检查频次。加强……" into its heading and body.

    A line with no sentence after it ("工作思路") is all heading; a long first sentence is body.
    """
    rest = rest.strip()
    if not any(mark in rest for mark in "。！？；，"):
        return rest, ""
    if match := _TITLE.match(rest):
        return match.group(1).strip(), match.group(2).strip()
    return "", rest


def _label(section: str, subsection: str, item: str) -> str:
    if not section:
        return PREAMBLE
    label = section
    if subsection:
        label += f"（{subsection}）"
    return label + item


def _chunks(body: str) -> list[str]:
    """The paragraph, or sentence groups of at most MAX_PASSAGE characters if it is longer."""
    if len(body) <= MAX_PASSAGE:
        return [body]
    chunks: list[str] = []
    current = ""
    for sentence in _SENTENCE.findall(body):
        if current and len(current) + len(sentence) > MAX_PASSAGE:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    return chunks
