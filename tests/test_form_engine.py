"""The form engine: asks the first relevant unanswered question, accepts or refuses input by
kind, reviews only what is in force, and re-asks only what an edit touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.form import (
    DONE,
    SKIP,
    Answer,
    Form,
    InputKind,
    Invalid,
    Item,
    Location,
    Option,
    Question,
    View,
    accept,
    add_photo,
    after_edit,
    find,
    instances,
    is_relevant,
    next_question,
    options,
    parse_date,
    pending,
    record,
    review,
    settle,
    start,
    toggle,
)

AB = (Option("a", "l.a"), Option("b", "l.b"))


@dataclass(frozen=True)
class Equals:
    """relevant when another question's answer (the same item's, for a repeated one) is v."""

    key: str
    value: str
    repeated: bool

    def __call__(self, answers: View, item: Item | None) -> bool:
        key = f"{self.key}.{item.index}" if self.repeated and item else self.key
        return answers.get(key) == self.value


@st.composite
def forms(draw: st.DrawFn) -> Form:
    """Up to 7 questions of two buttons, each maybe relevant on an earlier answer and
    depending on earlier ones; a run of them maybe repeated over a given list."""
    count = draw(st.integers(1, 7))
    start_repeat = draw(st.integers(0, count))
    end_repeat = draw(st.integers(start_repeat, count))
    questions: list[Question] = []
    for i in range(count):
        repeated = start_repeat <= i < end_repeat
        earlier = [q for q in questions if q.repeat_over is None or repeated]
        relevant: Any = None
        if earlier and draw(st.booleans()):
            source = draw(st.sampled_from(earlier))
            relevant = Equals(
                source.key, draw(st.sampled_from("ab")), source.repeat_over is not None
            )
        depends = tuple(q.key for q in earlier if draw(st.booleans()))
        question = Question(
            f"q{i}",
            InputKind.BUTTONS,
            f"ask.q{i}",
            f"label.q{i}",
            options=AB,
            depends_on=depends,
            repeat_over="things" if repeated else None,
        )
        if relevant is not None:
            question = Question(**{**question.__dict__, "relevant": relevant})
        questions.append(question)
    return Form("test", tuple(questions), givens=("things",))


@st.composite
def filled(draw: st.DrawFn) -> tuple[Form, dict[str, Any]]:
    """A form and answers to any of its questions, relevant or not (a stored draft may hold
    anything an older version of the rules left)."""
    form = draw(forms())
    things = [[f"c{i}", f"thing {i}"] for i in range(draw(st.integers(0, 3)))]
    answers: dict[str, Any] = start(form, things=things)
    for question in list(instances(form, answers)):
        if draw(st.booleans()):
            answers[question.key] = draw(st.sampled_from("ab"))
    return form, answers


@settings(max_examples=300, deadline=None)
@given(filled())
def test_settled_answers_hold_only_relevant_questions(case: tuple[Form, dict[str, Any]]) -> None:
    form, stored = case
    answers = settle(form, stored)
    by_key = {q.key: q for q in instances(form, answers)}
    for key in answers:
        assert key == "things" or is_relevant(by_key[key], answers)
    assert set(answers) <= set(stored)


@settings(max_examples=300, deadline=None)
@given(filled())
def test_next_question_is_relevant_unanswered_and_first(case: tuple[Form, dict[str, Any]]) -> None:
    form, stored = case
    question = next_question(form, stored)
    answers = settle(form, stored)  # an answer to an irrelevant question counts as none
    ordered = list(instances(form, answers))
    if question is None:
        assert all(q.key in answers or not is_relevant(q, answers) for q in ordered)
        return
    assert question.key not in answers and is_relevant(question, answers)
    before = ordered[: [q.key for q in ordered].index(question.key)]
    assert all(q.key in answers or not is_relevant(q, answers) for q in before)


@settings(max_examples=300, deadline=None)
@given(filled(), st.data())
def test_an_edit_keeps_no_irrelevant_or_dependent_answer(
    case: tuple[Form, dict[str, Any]], data: st.DataObject
) -> None:
    form, answers = case
    lines = review(form, answers)
    if not lines:
        return
    key = data.draw(st.sampled_from([line.key for line in lines]))
    new = data.draw(st.sampled_from("ab"))
    edited = after_edit(form, answers, key, Answer(new))
    assert edited[key] == new
    for question in instances(form, edited):
        if question.key in edited:
            assert is_relevant(question, edited), question.key
    if answers[key] == new:
        assert edited == settle(form, answers)
        return
    source = find(form, answers, key)
    assert source is not None
    for question in instances(form, answers):
        direct = (source.template or source.key) in question.depends_on
        same_item = question.item is None or source.item is None or question.item == source.item
        if direct and same_item and question.key != key:
            assert question.key not in edited, question.key
    # what neither depends on the edit nor lost its relevance is kept
    for k, v in edited.items():
        assert answers.get(k) == v or k == key


@settings(max_examples=300, deadline=None)
@given(filled())
def test_review_lists_exactly_the_relevant_answered_questions(
    case: tuple[Form, dict[str, Any]],
) -> None:
    form, stored = case
    listed = [line.key for line in review(form, stored)]
    answers = settle(form, stored)
    expected = [
        q.key for q in instances(form, answers) if q.key in answers and is_relevant(q, answers)
    ]
    assert listed == expected
    assert all(line.shown in (("l.a",), ("l.b",)) for line in review(form, answers))


@settings(max_examples=200, deadline=None)
@given(filled())
def test_answering_in_order_reaches_the_review_screen(case: tuple[Form, dict[str, Any]]) -> None:
    form, answers = case
    answers = {k: v for k, v in answers.items() if k == "things"}
    for _ in range(50):
        question = next_question(form, answers)
        if question is None:
            break
        answer = accept(question, "a", answers)
        assert isinstance(answer, Answer)
        answers = record(answers, question, answer)
    assert next_question(form, answers) is None


def _one(question: Question) -> Form:
    return Form("test", (question,), givens=("day",))


def test_buttons_refuse_a_code_not_offered() -> None:
    question = Question("q", InputKind.BUTTONS, "p", "l", options=AB)
    assert accept(question, "a", {}) == Answer("a")
    assert accept(question, "c", {}) == Invalid("form.pick")
    assert accept(question, ["a"], {}) == Invalid("form.pick")


def test_text_is_trimmed_and_bounded() -> None:
    question = Question("q", InputKind.TEXT, "p", "l", max_chars=5)
    assert accept(question, "  abc ", {}) == Answer("abc")
    assert accept(question, "   ", {}) == Invalid("form.text_empty")
    assert accept(question, "abcdef", {}) == Invalid("form.text_long", {"limit": 5, "length": 6})


def test_an_optional_text_offers_skip_and_a_required_one_does_not() -> None:
    optional = Question("q", InputKind.TEXT, "p", "l", required=False)
    required = Question("q", InputKind.TEXT, "p", "l")
    assert [o.code for o in options(optional, {})] == [SKIP]
    assert accept(optional, SKIP, {}) == Answer("")
    assert options(required, {}) == ()
    assert accept(required, SKIP, {}) == Answer(SKIP)  # typed "skip" is a text like any other


def test_number_is_ascii_digits_within_bounds() -> None:
    question = Question("q", InputKind.NUMBER, "p", "l", minimum=1, maximum=10)
    assert accept(question, "7", {}) == Answer(7)
    assert isinstance(accept(question, "11", {}), Invalid)
    assert isinstance(accept(question, "七", {}), Invalid)
    assert isinstance(accept(question, "-1", {}), Invalid)


def test_multi_keeps_the_declared_order_and_needs_one_when_required() -> None:
    question = Question("q", InputKind.MULTI, "p", "l", options=(*AB, Option("c", "l.c")))
    answers = toggle(toggle(toggle({}, "q", "c"), "q", "a"), "q", "c")
    assert pending(answers, "q") == ["a"]
    answers = toggle(answers, "q", "c")
    assert accept(question, pending(answers, "q"), answers) == Answer(["a", "c"])
    assert accept(question, [], answers) == Invalid("form.pick_one")
    assert accept(question, ["a", "x"], answers) == Invalid("form.pick")
    assert "~q" not in record(answers, question, Answer(["a", "c"]))


def test_photos_count_once_and_need_the_minimum() -> None:
    question = Question("q", InputKind.PHOTOS, "p", "l", min_photos=lambda a: 2)
    answers, new = add_photo({}, "q", "sha-1")
    assert new
    answers, new = add_photo(answers, "q", "sha-1")
    assert not new and pending(answers, "q") == ["sha-1"]
    assert accept(question, pending(answers, "q"), answers) == Invalid(
        "form.photos_needed", {"least": 2}
    )
    answers, _ = add_photo(answers, "q", "sha-2")
    assert accept(question, pending(answers, "q"), answers) == Answer(["sha-1", "sha-2"])
    assert DONE not in pending(answers, "q")


def test_location_takes_a_point_or_its_button() -> None:
    question = Question("q", InputKind.LOCATION, "p", "l", options=(Option("none", "x"),))
    assert accept(question, Location(31.2, 121.5), {}) == Answer({"lat": 31.2, "lon": 121.5})
    assert accept(question, "none", {}) == Answer("none")
    assert accept(question, Location(91, 0), {}) == Invalid("form.location")
    assert accept(question, "上海", {}) == Invalid("form.location")


def test_a_quick_date_counts_from_the_given_day() -> None:
    question = Question(
        "q", InputKind.DATE, "p", "l", options=(Option("d7", "x"),), date_base="day"
    )
    assert accept(question, "d7", {"day": "2026-12-28"}) == Answer("2027-01-04")
    assert accept(question, "d8", {"day": "2026-12-28"}) == Invalid("form.date")


def test_typed_dates_are_parsed_strictly() -> None:
    today = date(2026, 11, 29)
    assert parse_date("2025-03-07") == date(2025, 3, 7)
    assert parse_date("2025-3-7") == date(2025, 3, 7)
    assert parse_date("2025/3/7") == date(2025, 3, 7)
    assert parse_date("2025年3月7日") == date(2025, 3, 7)
    assert parse_date("3月7日", today) == date(2026, 3, 7)
    assert parse_date("3月7号", today) == date(2026, 3, 7)
    for wrong in ("3月7日", "2025-2-30", "2025-13-01", "25-3-7", "2025-03-07x", "明天", ""):
        assert parse_date(wrong) is None, wrong
    assert parse_date("2025-02-30", today) is None


def test_an_edit_to_the_same_value_changes_nothing() -> None:
    first = Question("a", InputKind.BUTTONS, "p", "l", options=AB)
    second = Question("b", InputKind.BUTTONS, "p", "l", options=AB, depends_on=("a",))
    form = Form("test", (first, second))
    answers = {"a": "a", "b": "b"}
    assert after_edit(form, answers, "a", Answer("a")) == answers
    assert after_edit(form, answers, "a", Answer("b")) == {"a": "b"}


def test_an_edit_of_one_item_re_asks_only_that_items_dependents() -> None:
    answer = Question("ans", InputKind.BUTTONS, "p", "l", options=AB, repeat_over="things")
    note = Question("note", InputKind.TEXT, "p", "l", depends_on=("ans",), repeat_over="things")
    form = Form("test", (answer, note), givens=("things",))
    answers = {"things": [["x", "X"], ["y", "Y"]], "ans.0": "a", "note.0": "n0"}
    answers |= {"ans.1": "a", "note.1": "n1"}
    edited = after_edit(form, answers, "ans.1", Answer("b"))
    assert edited == {"things": answers["things"], "ans.0": "a", "note.0": "n0", "ans.1": "b"}
    question = next_question(form, edited)
    assert question is not None and question.key == "note.1" and question.item == Item(1, "y", "Y")
