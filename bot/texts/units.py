"""Text length as Telegram counts it, and cutting text to Telegram's limits."""

from __future__ import annotations

MESSAGE_UNITS = 4096  # a text message
CAPTION_UNITS = 1024  # the caption of a document or photo
ELLIPSIS = "…"


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a character beyond the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, limit: int = MESSAGE_UNITS) -> list[str]:
    """``text`` as consecutive parts of at most ``limit`` units each, cut after a line break
    where one falls in the second half of a part; parts that would be blank are left out
    (Telegram refuses an empty message), unless nothing else is left. ``limit`` is at least
    2, so that every part holds a character."""
    if units(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while units(rest) > limit:
        cut = _cut(rest, limit)
        parts.append(rest[:cut])
        rest = rest[cut:]
    parts.append(rest)
    return [part for part in parts if part.strip()] or parts[:1]


def trim(text: str, limit: int) -> tuple[str, str]:
    """(``text`` cut to ``limit`` units with an ellipsis, the rest); the rest is empty when the
    whole text fits."""
    if units(text) <= limit:
        return text, ""
    cut = _cut(text, limit - units(ELLIPSIS))
    return text[:cut].rstrip() + ELLIPSIS, text[cut:]


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` so that the first part holds at most ``limit`` units: after the
    last line break in the second half of that part, else at the limit itself (never inside
    a surrogate pair: Python counts characters, not units)."""
    used, end = 0, len(text)
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            end = index
            break
    else:
        return end
    line_break = text.rfind("\n", 0, end)
    return line_break + 1 if line_break + 1 > end // 2 else end
