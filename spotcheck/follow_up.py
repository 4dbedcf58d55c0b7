"""Closing a follow-up (后续处理: 责令整改, 立案查处, 移交, 涉嫌犯罪移送司法机关) in chat, and its
reminders, as pure rules.

A follow-up is opened with its result (未完结) and closed once (已完结) by an inspector of the
assignment's team in force who has accepted his place on it: he types a note, and for 责令整改
sends at least one photo of the correction. Only a follow-up of the result in force can be
closed: the latest version of its assignment, not sent back (有异议, 审核退回), since a version
sent back is followed by a new one with follow-ups of its own.

A 责令整改 with a deadline is reminded to those who may close it ``remind_days_before`` days
before the deadline and on the day, and once past it escalated to the county admins of the
target's county; each stage once (the reminder ledger keeps the key :func:`ledger_key` makes).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from spotcheck.form import Form, InputKind, Item, Question, View
from spotcheck.inspection import FollowUpKind, ResultState
from spotcheck.review import REOPENED

KIND = "follow_up"  # the form's kind (spotcheck.states.FormKind.FOLLOW_UP)
NOTE, PHOTOS = "note", "photos"
FOLLOW_UP, FOLLOW_UP_KIND = "follow_up", "kind"  # the givens: the follow-up's id and kind
NOTE_MAX_CHARS = 500  # within [limits] free_text_chars' ceiling; a longer text is refused first
CORRECTION_PHOTO_NOTE = "整改照片"  # the evidence row's note: a photo of the correction


class FollowUpState(StrEnum):
    """未完结 / 已完结: the value follow_ups.state holds."""

    OPEN = "open"
    CLOSED = "closed"


def _rectify(answers: View, _item: Item | None) -> bool:
    return answers.get(FOLLOW_UP_KIND) == FollowUpKind.RECTIFY.value


CLOSING = Form(
    kind=KIND,
    givens=(FOLLOW_UP, FOLLOW_UP_KIND),
    questions=(
        Question(
            NOTE, InputKind.TEXT, "closing.ask_note", "closing.note", max_chars=NOTE_MAX_CHARS
        ),
        # Required: at least one photo of the correction before 完成 is accepted.
        Question(
            PHOTOS, InputKind.PHOTOS, "closing.ask_photos", "closing.photos", relevant=_rectify
        ),
    ),
)
"""办结: the note, then (责令整改 only) the photos of the correction, then 完成."""


def closable(state: FollowUpState, result: ResultState, latest: bool) -> bool:
    """Whether a follow-up may be closed: open, of its assignment's latest result version,
    which was not sent back."""
    return state is FollowUpState.OPEN and latest and result not in REOPENED


class Stage(StrEnum):
    """Which deadline message is due for an open 责令整改."""

    BEFORE = "before"  # remind_days_before days ahead, to those who may close it
    DUE = "due"  # on the deadline, to them
    OVERDUE = "overdue"  # past it: escalated to the county admins


def stage_on(deadline: date, today: date, remind_days_before: int) -> Stage | None:
    """The stage ``today`` is in for a deadline; None before the reminder window. A day
    missed (the bot was down) is not made up later: on the deadline only DUE is current."""
    if today > deadline:
        return Stage.OVERDUE
    if today == deadline:
        return Stage.DUE
    if today >= deadline - timedelta(days=remind_days_before):
        return Stage.BEFORE
    return None


def ledger_key(follow_up_id: int, stage: Stage, deadline: date) -> str:
    """The reminder ledger's key: a stage once per follow-up and deadline."""
    return f"{follow_up_id}:{stage.value}:{deadline.isoformat()}"
