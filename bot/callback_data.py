"""Callback data: built and parsed in one place, short (Telegram allows 64 bytes), versioned,
and never trusted — every action re-checks the caller's rights in its service.

Format: ``1:<action>:<arg>…``. Actions: ``ok`` accept an assignment, ``rc`` ask to recuse from
it (回避), ``sb`` a county's summary or statistics marked as sent (``sb:<quarter>:<duty>``),
``qa`` the next best policy passage (``qa:<library generation>:<passage position>``), ``fm`` an
answer to a form: a step of /draw, the directory of a file sent for /import, a question of the
form engine (``fm:<form kind>:<draft id>:<draft version>:<question key>:<value>``, the id and
the version in base 36; long values by index),
``is`` start (or continue) the inspection form of an assignment (``is:<assignment id>``),
``rv`` a step of the review chain on one result version (``rv:<verb>:<result id>``: ``cf``
确认, ``ob`` 有异议, ``ps`` 通过, ``rt`` 退回, ``am`` 更正 of a passed version).
``fu`` 办结: start closing a follow-up (``fu:<follow-up id>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spotcheck.numerals import parse_decimal

VERSION = "1"
MAX_BYTES = 64
ACTIONS = frozenset({"ok", "rc", "sb", "qa", "fm", "is", "rv", "fu"})


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


MAX_ID = 2**31 - 1  # ids are INTEGER columns: int4 on PostgreSQL


def as_int(text: str) -> int | None:
    """A row id or number we could have made, else None (a larger one, or any character but
    0–9, is forged)."""
    return parse_decimal(text, MAX_ID)


# --- issue 15: form engine ---

# A form's kind in two letters (the drafts table's kind in full).
FORM_KINDS = {
    "in": "inspection",
    "dw": "draw",
    "rc": "recusal",
    "im": "import",
    "fu": "follow_up",  # issue 10: 办结 of a follow-up
}
_FORM_CODES = {kind: code for code, kind in FORM_KINDS.items()}
# A question key (``category``, ``item.12``) and a value (an option's code or an index): short
# enough that the longest step, with the largest draft id and version, fits in 64 bytes.
_FORM_KEY = re.compile(r"[a-z][a-z0-9_]{0,15}(?:\.[0-9]{1,3})?")
_FORM_VALUE = re.compile(r"[a-z0-9_]{1,20}")
_BASE36 = re.compile(r"0|[1-9a-z][0-9a-z]{0,5}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class FormStep:
    kind: str  # inspection | draw | recusal | import
    draft: int  # the draft's id: a button of a discarded draft never reaches the next one
    version: int  # the draft's version the button was made for; a stale one is refused
    key: str
    value: str


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
        if number == 0:
            return text


def _from_base36(text: str) -> int | None:
    """A number :func:`_base36` wrote (at most :data:`MAX_ID`), else None."""
    if not _BASE36.fullmatch(text):
        return None
    number = int(text, 36)
    return number if number <= MAX_ID else None


def form_step(kind: str, draft: int, version: int, key: str, value: str) -> str:
    """The callback data of a button of draft ``draft`` at ``version``; ValueError for what we
    would not parse back."""
    code = _FORM_CODES.get(kind)
    if code is None or not (0 <= draft <= MAX_ID and 0 <= version <= MAX_ID):
        raise ValueError(f"form callback not encodable: {kind!r} {draft!r} {version!r}")
    if not _FORM_KEY.fullmatch(key) or not _FORM_VALUE.fullmatch(value):
        raise ValueError(f"form callback not encodable: {key!r} {value!r}")
    return encode("fm", code, _base36(draft), _base36(version), key, value)


def parse_form_step(data: str | None) -> FormStep | None:
    """The form step, or None for anything :func:`form_step` could not have made."""
    callback = decode(data)
    if callback is None or callback.action != "fm" or len(callback.args) != 5:
        return None
    code, draft_text, version_text, key, value = callback.args
    kind = FORM_KINDS.get(code)
    draft, version = _from_base36(draft_text), _from_base36(version_text)
    if kind is None or draft is None or version is None:
        return None
    if not _FORM_KEY.fullmatch(key) or not _FORM_VALUE.fullmatch(value):
        return None
    return FormStep(kind, draft, version, key, value)


# --- issue 15: inspection flow ---


def start_inspection(assignment_id: int) -> str:
    """开始检查 on an accepted assignment (or 继续填写 from /report)."""
    return encode("is", assignment_id)


# --- issue 10: the review chain ---

CONFIRM, OBJECT, PASS, RETURN = "cf", "ob", "ps", "rt"
AMEND = "am"  # issue 10: 更正, on the submitter's 【审核通过】
REVIEW_VERBS = frozenset({CONFIRM, OBJECT, PASS, RETURN, AMEND})


@dataclass(frozen=True)
class ReviewStep:
    verb: str  # CONFIRM | OBJECT | PASS | RETURN | AMEND
    result_id: int  # the result version the button was made for


def review_step(verb: str, result_id: int) -> str:
    """确认 / 有异议 on a member's card, 通过 / 退回 on a reviewer's, 更正 on the submitter's
    【审核通过】."""
    if verb not in REVIEW_VERBS:
        raise ValueError(f"review callback not encodable: {verb!r}")
    return encode("rv", verb, result_id)


def parse_review_step(callback: Callback) -> ReviewStep | None:
    """The review step, or None for anything :func:`review_step` could not have made."""
    if callback.action != "rv" or len(callback.args) != 2:
        return None
    verb, result_text = callback.args
    result_id = as_int(result_text)
    if verb not in REVIEW_VERBS or result_id is None:
        return None
    return ReviewStep(verb, result_id)


# --- issue 10: follow-ups ---


def close_follow_up(follow_up_id: int) -> str:
    """办结 on an open follow-up (/followups, or its deadline reminder)."""
    return encode("fu", follow_up_id)
