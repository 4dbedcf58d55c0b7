"""The inspection result form: what is asked when, what agrees with what, and the check-in
distance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.texts import texts_for
from spotcheck.form import (
    DONE,
    SKIP,
    Answer,
    Invalid,
    Location,
    accept,
    add_photo,
    after_edit,
    next_question,
    options,
    pending,
    record,
    review,
    start,
    toggle,
)
from spotcheck.inspection import (
    FollowUpKind,
    ItemAnswer,
    ResultCategory,
    catalogue_keys,
    category_agrees,
    checkin_flagged,
    checkin_of,
    distance_m,
    inspection_form,
)

FORM = inspection_form()
ITEMS = [["EIA-01", "环评审批执行情况"], ["WASTE-03", "危险废物规范化管理"]]


def fresh() -> dict[str, Any]:
    return start(FORM, items=ITEMS, check_day="2026-11-29")


def answer(answers: dict[str, Any], raw: object) -> dict[str, Any]:
    """The open question answered with ``raw``; it must be accepted."""
    question = next_question(FORM, answers)
    assert question is not None
    result = accept(question, raw, answers)
    assert isinstance(result, Answer), result
    answered = record(answers, question, result)
    assert json.loads(json.dumps(answered)) == answered  # a JSON column holds it as it is
    return answered


def asked(answers: dict[str, Any]) -> str | None:
    question = next_question(FORM, answers)
    return question.key if question else None


def codes(answers: dict[str, Any]) -> list[str]:
    question = next_question(FORM, answers)
    assert question is not None
    return [o.code for o in options(question, answers)]


def test_a_clean_inspection_asks_no_note_no_follow_up() -> None:
    answers = answer(fresh(), Location(31.23, 121.47))
    assert asked(answers) == "item.0"
    assert codes(answers) == ["ok", "problem", "not_applicable"]
    answers = answer(answer(answers, "ok"), "not_applicable")
    assert asked(answers) == "findings" and codes(answers) == [SKIP]
    answers = answer(answers, SKIP)
    assert asked(answers) == "photos"
    answers = answer(answers, [])  # no photo needed when nothing was found
    assert asked(answers) == "category"
    assert "problem_rectified" not in codes(answers) and "none" in codes(answers)
    answers = answer(answers, "none")
    assert asked(answers) is None
    assert [line.key for line in review(FORM, answers)] == [
        "checkin",
        "item.0",
        "item.1",
        "findings",
        "photos",
        "category",
    ]


def test_a_problem_asks_its_note_findings_a_photo_and_follow_ups() -> None:
    answers = answer(fresh(), "none")
    assert asked(answers) == "checkin_reason"
    answers = answer(answers, "院内无信号")
    answers = answer(answers, "problem")
    assert asked(answers) == "note.0"
    answers = answer(answer(answers, "危废台账缺失"), "ok")
    assert asked(answers) == "findings" and codes(answers) == []
    question = next_question(FORM, answers)
    assert question is not None and isinstance(accept(question, SKIP, answers), Answer)
    assert accept(question, "", answers) == Invalid("form.text_empty")
    answers = answer(answers, "危废贮存场所未设置标识")
    question = next_question(FORM, answers)
    assert question is not None
    assert accept(question, [], answers) == Invalid("form.photos_needed", {"least": 1})
    answers, _ = add_photo(answers, "photos", "a" * 64)
    answers = answer(answers, pending(answers, "photos"))
    assert "none" not in codes(answers)
    question = next_question(FORM, answers)
    assert question is not None
    assert accept(question, "none", answers) == Invalid("form.pick")
    answers = answer(answers, "problem_rectified")
    assert asked(answers) == "follow_up"
    answers = toggle(toggle(answers, "follow_up", "rectify"), "follow_up", "transfer")
    answers = answer(answers, pending(answers, "follow_up"))
    assert asked(answers) == "deadline" and codes(answers) == ["d7", "d15", "d30"]
    answers = answer(answers, "d15")
    assert answers["deadline"] == "2026-12-14"
    assert asked(answers) == "agency"
    answers = answer(answers, "县水务局")
    assert asked(answers) is None
    lines = {line.key: line for line in review(FORM, answers)}
    assert lines["checkin"].shown == ("inspection.unlocated",)
    assert lines["follow_up"].shown == ("follow_up.rectify", "follow_up.transfer")
    assert lines["note.0"].item == "环评审批执行情况"


def test_a_deadline_on_or_before_the_check_day_is_refused() -> None:
    answers = fresh() | {"checkin": "none", "checkin_reason": "x", "item.0": "problem"}
    answers |= {"note.0": "n", "item.1": "ok", "findings": "f", "photos": ["a" * 64]}
    answers |= {"category": "problem_pending", "follow_up": ["rectify"]}
    question = next_question(FORM, answers)
    assert question is not None and question.key == "deadline"
    assert accept(question, "2026-11-29", answers) == Invalid("inspection.deadline_past")
    assert accept(question, "2026-12-1", answers) == Answer("2026-12-01")
    assert accept(question, "12月1日", answers) == Answer("2026-12-01")  # the check day's year
    assert accept(question, "11月28日", answers) == Invalid("inspection.deadline_past")
    assert accept(question, "明天", answers) == Invalid("form.date")


def _complete_clean() -> dict[str, Any]:
    answers = fresh() | {"checkin": {"lat": 31.0, "lon": 121.0}, "item.0": "ok"}
    return answers | {"item.1": "ok", "findings": "", "photos": [], "category": "none"}


def test_turning_an_item_into_a_problem_re_asks_its_note_and_what_no_longer_agrees() -> None:
    answers = _complete_clean()
    edited = after_edit(FORM, answers, "item.1", Answer("problem"))
    # the note of that item, the findings now required, a photo, a category that agrees
    assert asked(edited) == "note.1"
    for dropped in ("findings", "photos", "category"):
        assert dropped not in edited
    assert edited["item.0"] == "ok" and edited["checkin"] == answers["checkin"]


def test_dropping_transfer_drops_the_agency_and_keeps_the_deadline() -> None:
    answers = fresh() | {"checkin": "none", "checkin_reason": "x", "item.0": "problem"}
    answers |= {"note.0": "n", "item.1": "ok", "findings": "f", "photos": ["a" * 64]}
    answers |= {"category": "problem_pending", "follow_up": ["rectify", "transfer"]}
    answers |= {"deadline": "2026-12-06", "agency": "县水务局"}
    edited = after_edit(FORM, answers, "follow_up", Answer(["rectify"]))
    assert "agency" not in edited and edited["deadline"] == "2026-12-06"
    assert asked(edited) is None


def test_locating_after_all_drops_the_reason() -> None:
    answers = _complete_clean() | {"checkin": "none", "checkin_reason": "无信号"}
    edited = after_edit(FORM, answers, "checkin", Answer({"lat": 1.0, "lon": 2.0}))
    assert "checkin_reason" not in edited and asked(edited) is None


@given(
    st.sampled_from(list(ResultCategory)),
    st.lists(st.sampled_from(list(ItemAnswer)), max_size=5),
)
def test_no_problem_category_without_a_problem_item_and_none_with_one(
    category: ResultCategory, items: list[ItemAnswer]
) -> None:
    agrees = category_agrees(category, ItemAnswer.PROBLEM in items)
    if ItemAnswer.PROBLEM in items and category is ResultCategory.NONE:
        assert not agrees
    if ItemAnswer.PROBLEM not in items and category.value.startswith("problem"):
        assert not agrees
    if category in (ResultCategory.REFUSED, ResultCategory.NOT_FOUND, ResultCategory.CLOSED):
        assert agrees


def test_the_stored_words_are_the_issues() -> None:
    assert [a.value for a in ItemAnswer] == ["ok", "problem", "not_applicable"]
    assert [k.value for k in FollowUpKind] == ["rectify", "case", "transfer", "judicial"]
    assert len(ResultCategory) == 6


def test_distance_is_haversine_in_metres() -> None:
    # one degree of latitude is about 111.2 km; Beijing–Shanghai about 1,067 km
    assert distance_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1_067_000, rel=0.01)
    assert distance_m(31.0, 121.0, 31.0, 121.0) == 0


def test_a_check_in_5_km_away_is_flagged_and_one_without_target_coordinates_is_not() -> None:
    answers = fresh() | {"checkin": {"lat": 31.045, "lon": 121.0}}
    far = checkin_of(answers, 31.0, 121.0, radius_m=1000)
    assert far is not None and far.flagged and far.distance_m == pytest.approx(5004, rel=0.01)
    near = checkin_of(answers, 31.0449, 121.0, radius_m=1000)
    assert near is not None and not near.flagged
    unknown = checkin_of(answers, None, None, radius_m=1000)
    assert unknown is not None and unknown.distance_m is None and not unknown.flagged
    assert checkin_flagged(1000.0, 1000) is False and checkin_flagged(1000.1, 1000) is True
    unlocated = checkin_of(fresh() | {"checkin": "none", "checkin_reason": "无信号"}, 31, 121, 1000)
    assert unlocated is not None and unlocated.flagged and unlocated.reason == "无信号"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_label_of_the_form_is_in_the_catalogue(language: str) -> None:
    texts = texts_for(language)
    for key in catalogue_keys(FORM):
        shown = texts.form_text(key)
        assert shown and shown != key, key


def test_the_buttons_carry_the_words_of_the_design() -> None:
    texts = texts_for("zh")
    words = {key: texts.form_text(key) for key in catalogue_keys(FORM)}
    assert words["inspection.unlocated"] == "无法定位"
    assert [words[f"item_answer.{a.value}"] for a in ItemAnswer] == [
        "未发现问题",
        "发现问题",
        "不涉及",
    ]
    assert [words[f"inspection.days_{n}"] for n in (7, 15, 30)] == ["7天", "15天", "30天"]
    assert (words["form.done"], words["form.submit"], words["form.edit"]) == (
        "完成",
        "提交",
        "修改",
    )
    assert texts.start_inspection_button() == "开始检查"
    assert texts.send_location_button() == "发送当前位置"
    assert texts.category_name(ResultCategory.PROBLEM_RECTIFIED) == "发现问题已责令改正"
    assert texts.follow_up_name(FollowUpKind.JUDICIAL) == "涉嫌犯罪移送司法机关"
    assert texts.item_answer_name(ItemAnswer.NOT_APPLICABLE) == "不涉及"
    assert DONE == "done"
