"""The /draw wizard and the recusal reason declared as forms of the engine (pure)."""

from __future__ import annotations

from typing import Any

from spotcheck import form
from spotcheck.chat_forms import DRAW, RECUSAL, TAKES_TEXT, step_number
from spotcheck.form import Answer, Invalid

COUNTIES = ["130602", "130606"]


def _city(**answers: Any) -> dict[str, Any]:
    started = form.start(
        DRAW, quarters=["2025Q1", "2025Q2"], counties=COUNTIES, tags=["危废"], own_region=""
    )
    return {**started, **answers}


def _asked(answers: dict[str, Any]) -> str | None:
    question = form.next_question(DRAW, answers)
    return None if question is None else question.key


def test_a_county_admin_is_not_asked_level_or_region() -> None:
    answers = form.start(DRAW, quarters=["2025Q1"], counties=[], tags=[], own_region="130602")
    asked = []
    for key, value in (("quarter", "0"), ("class", "key"), ("tag", "all"), ("seed", "server")):
        asked.append(_asked(answers))
        question = form.find(DRAW, answers, key)
        assert question is not None
        accepted = form.accept(question, value, answers)
        assert isinstance(accepted, Answer)
        answers = form.record(answers, question, accepted)
    assert asked == ["quarter", "class", "tag", "seed"]
    assert _asked(answers) is None


def test_a_city_level_draw_asks_no_county() -> None:
    assert _asked(_city(quarter="0", level="county")) == "region"
    assert _asked(_city(quarter="0", level="city")) == "class"


def test_options_are_the_givens_and_nothing_past_them() -> None:
    region = DRAW.template("region")
    answers = _city(quarter="0", level="county")
    assert [o.code for o in form.options(region, answers)] == ["0", "1"]
    assert isinstance(form.accept(region, "2", answers), Invalid)
    assert isinstance(form.accept(region, "130602", answers), Invalid)
    tag = DRAW.template("tag")
    assert [o.code for o in form.options(tag, answers)] == ["all", "0"]


def test_changing_the_level_asks_the_county_again() -> None:
    answers = _city(quarter="0", level="county", region="1", **{"class": "all"})
    edited = form.after_edit(DRAW, answers, "level", Answer("city"))
    assert "region" not in edited and edited["class"] == "all"


def test_a_typed_seed_is_asked_only_after_public_text_is_chosen() -> None:
    base = _city(quarter="0", level="city", **{"class": "all"}, tag="all")
    assert _asked({**base, "seed": "server"}) is None
    assert _asked({**base, "seed": "text"}) == "seed_text"


def test_steps_keep_their_declared_numbers() -> None:
    assert [step_number(DRAW, q.key) for q in DRAW.questions] == list(range(1, 8))


def test_a_blank_recusal_reason_is_refused() -> None:
    reason = RECUSAL.template("reason")
    answers = form.start(RECUSAL, assignment=5)
    assert isinstance(form.accept(reason, "   ", answers), Invalid)
    assert form.accept(reason, " 近亲属 ", answers) == Answer("近亲属")


def test_the_inspections_typed_questions_take_text_as_declared() -> None:
    # a repeated question's key ends in a dot: each item's note, note.0, note.1 …
    assert TAKES_TEXT["inspection"] == ("checkin_reason", "note.", "findings", "deadline", "agency")
    assert TAKES_TEXT["recusal"] == ("reason",)
    assert TAKES_TEXT["draw"] == ("seed", "seed_text")
