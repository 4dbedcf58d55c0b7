"""Names users give (file names, document titles) cut to their column's length: PostgreSQL
refuses a value longer than a VARCHAR where SQLite keeps anything, so the cut is ours, the
same on both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

_CUT = "…"
_LONGEST_EXTENSION = 10  # ".xlsx", ".docx", ".json.gz"'s last part; longer is not an extension


def length_of(column: InstrumentedAttribute[Any]) -> int:
    """The declared length of a String column."""
    length: int = column.property.columns[0].type.length
    return length


def fit_text(text: str, limit: int) -> str:
    """``text`` if it fits, else its start and … in ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - len(_CUT)] + _CUT


def fit_file_name(name: str, limit: int) -> str:
    """``name`` if it fits, else its start, … and its extension in ``limit`` characters, so the
    kind of file still shows."""
    stem, dot, extension = name.rpartition(".")
    room = limit - len(dot + extension)  # for the start of the stem and …
    if len(name) <= limit or not (dot and stem) or len(extension) > _LONGEST_EXTENSION:
        return fit_text(name, limit)
    if room <= len(_CUT):
        return fit_text(name, limit)
    return fit_text(stem, room) + dot + extension
