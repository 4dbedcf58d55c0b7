"""Callback data: built and parsed in one place, short (Telegram allows 64 bytes), versioned,
and never trusted — every action re-checks the caller's rights in its service.

Format: ``1:<action>:<arg>…``. Actions: ``ok`` accept an assignment, ``rc`` ask to recuse from
it (回避), ``dw`` a step of the /draw form (``dw:<form version>:<field>:<value>``), ``sb`` a
county's summary or statistics marked as sent (``sb:<quarter>:<duty>``), ``qa`` the next best
policy passage (``qa:<library generation>:<passage position>``), ``im`` the directory of a
file sent for /import (``im:<form version>:<kind>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from spotcheck.numerals import parse_decimal

VERSION = "1"
MAX_BYTES = 64
ACTIONS = frozenset({"ok", "rc", "dw", "sb", "qa", "im"})


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]


def encode(action: str, *args: object) -> str:
    data = ":".join([VERSION, action, *(str(a) for a in args)])
    if action not in ACTIONS or len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data not encodable: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The callback, or None for anything we did not make (old versions, garbage, forgeries
    of the format; forgeries of content are the services' to refuse)."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != VERSION or parts[1] not in ACTIONS:
        return None
    return Callback(parts[1], tuple(parts[2:]))


def accept(assignment_id: int) -> str:
    return encode("ok", assignment_id)


def recuse(assignment_id: int) -> str:
    return encode("rc", assignment_id)


def next_passage(generation: int, position: int) -> str:
    return encode("qa", generation, position)


def submitted(quarter: str, duty: str) -> str:
    return encode("sb", quarter, duty)


def draw_step(version: int, field: str, value: object) -> str:
    return encode("dw", version, field, value)


def import_kind(version: int, kind: str) -> str:
    return encode("im", version, kind)


MAX_ID = 2**31 - 1  # ids are INTEGER columns: int4 on PostgreSQL


def as_int(text: str) -> int | None:
    """A row id or number we could have made, else None (a larger one, or any character but
    0–9, is forged)."""
    return parse_decimal(text, MAX_ID)
