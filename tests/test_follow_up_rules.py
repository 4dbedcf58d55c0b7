"""The rules of closing a follow-up and of its deadline reminders (spotcheck/follow_up.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import load_config
from spotcheck import form
from spotcheck.follow_up import CLOSING, FollowUpState, Stage, closable, stage_on
from spotcheck.form import Answer, Invalid, Question, View
from spotcheck.inspection import FollowUpKind, ResultState

DEADLINE = date(2024, 2, 20)


@pytest.mark.parametrize(
    ("today", "stage"),
    [
        (date(2024, 2, 16), None),
        (date(2024, 2, 17), Stage.BEFORE),
        (date(2024, 2, 19), Stage.BEFORE),
        (date(2024, 2, 20), Stage.DUE),
        (date(2024, 2, 21), Stage.OVERDUE),
        (date(2025, 1, 1), Stage.OVERDUE),
    ],
)
def test_stage_of_a_deadline_three_days_ahead(today: date, stage: Stage | None) -> None:
    assert stage_on(DEADLINE, today, 3) is stage


@given(st.dates(), st.integers(min_value=-400, max_value=400), st.integers(0, 30))
def test_each_day_is_in_at_most_one_stage_and_they_come_in_order(
    deadline: date, offset: int, days_before: int
) -> None:
    try:
        today = deadline + timedelta(days=offset)
    except OverflowError:
        return
    stage = stage_on(deadline, today, days_before)
    expected = (
        Stage.OVERDUE
        if offset > 0
        else Stage.DUE
        if offset == 0
        else Stage.BEFORE
        if -offset <= days_before
        else None
    )
    assert stage is expected


def test_with_no_days_before_only_the_day_itself_is_reminded() -> None:
    assert stage_on(DEADLINE, DEADLINE - timedelta(days=1), 0) is None
    assert stage_on(DEADLINE, DEADLINE, 0) is Stage.DUE


@pytest.mark.parametrize("state", list(ResultState))
def test_only_an_open_follow_up_of_the_latest_version_not_sent_back_closes(
    state: ResultState,
) -> None:
    sent_back = state in (ResultState.OBJECTED, ResultState.RETURNED)
    assert closable(FollowUpState.OPEN, state, latest=True) is not sent_back
    assert not closable(FollowUpState.OPEN, state, latest=False)
    assert not closable(FollowUpState.CLOSED, state, latest=True)


def typed(question: Question, text: str, answers: View) -> dict[str, object]:
    accepted = form.accept(question, text, answers)
    assert isinstance(accepted, Answer)
    return form.record(answers, question, accepted)


def test_rectify_asks_the_note_then_at_least_one_photo_the_others_the_note_only() -> None:
    rectify = form.start(CLOSING, follow_up=1, kind=FollowUpKind.RECTIFY.value)
    note = form.next_question(CLOSING, rectify)
    assert note is not None and note.key == "note"
    assert isinstance(form.accept(note, "   ", rectify), Invalid)
    answered = typed(note, "已整改", rectify)
    photos = form.next_question(CLOSING, answered)
    assert photos is not None and photos.key == "photos"
    assert form.accept(photos, [], answered) == Invalid("form.photos_needed", {"least": 1})
    for kind in (FollowUpKind.CASE, FollowUpKind.TRANSFER, FollowUpKind.JUDICIAL):
        other = form.start(CLOSING, follow_up=1, kind=kind.value)
        done = typed(note, "已立案", other)
        assert form.next_question(CLOSING, done) is None


def test_remind_days_before_is_read_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[follow_ups]\nremind_days_before = 5\n", encoding="utf-8")
    assert load_config(path, environ={}).follow_ups.remind_days_before == 5
    path.write_text("", encoding="utf-8")
    assert load_config(path, environ={}).follow_ups.remind_days_before == 3
