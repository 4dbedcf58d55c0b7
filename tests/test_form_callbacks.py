"""Form callback data: what form_step makes (the form, the draft's id and version, the question
and the answer) parses back, fits Telegram's 64 bytes, and anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callback_data import (
    FORM_KINDS,
    MAX_BYTES,
    MAX_ID,
    FormStep,
    form_step,
    parse_form_step,
)

keys = st.from_regex(r"[a-z][a-z0-9_]{0,15}(\.[0-9]{1,3})?", fullmatch=True)
values = st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True)


ids = st.integers(0, MAX_ID)


@given(st.sampled_from(sorted(FORM_KINDS.values())), ids, ids, keys, values)
def test_a_form_step_round_trips_within_64_bytes(
    kind: str, draft: int, version: int, key: str, value: str
) -> None:
    data = form_step(kind, draft, version, key, value)
    assert len(data.encode()) <= MAX_BYTES
    assert parse_form_step(data) == FormStep(kind, draft, version, key, value)


def test_the_longest_form_step_fits_in_64_bytes() -> None:
    data = form_step("inspection", MAX_ID, MAX_ID, "k" * 16 + ".999", "v" * 20)
    assert data == "1:fm:in:zik0zj:zik0zj:" + "k" * 16 + ".999:" + "v" * 20
    assert len(data.encode()) == MAX_BYTES - 1


def test_steps_of_two_drafts_at_the_same_version_differ() -> None:
    first, second = form_step("draw", 1, 1, "quarter", "0"), form_step("draw", 2, 1, "quarter", "0")
    assert first != second
    assert parse_form_step(second) == FormStep("draw", 2, 1, "quarter", "0")


@given(st.text(max_size=80))
def test_garbage_is_refused_or_is_what_we_would_make(data: str) -> None:
    step = parse_form_step(data)
    if step is not None:
        assert form_step(step.kind, step.draft, step.version, step.key, step.value) == data


@pytest.mark.parametrize(
    "data",
    [
        "1:fm:in:7:3:category",  # no value
        "1:fm:in:7:3:category:none:x",  # one part too many
        "1:fm:in:3:category:none",  # no draft: a button of the old shape
        "1:fm:zz:7:3:category:none",  # no such form
        "1:fm:in:7:-1:category:none",
        "1:fm:in:-7:3:category:none",
        "1:fm:in:07:3:category:none",  # not how we write a draft id
        "1:fm:in:7:03:category:none",  # not how we write a version
        "1:fm:in:7:A:category:none",  # base 36 is written in lower case
        "1:fm:in:zik0zk:3:category:none",  # beyond an INTEGER column
        "1:fm:in:7:zik0zk:category:none",
        "1:fm:in:7:1000000:category:none",  # seven digits: beyond an INTEGER column
        "1:fm:in:7:3:Category:none",
        "1:fm:in:7:3:item.1234:ok",
        "1:fm:in:7:3:" + "k" * 17 + ":none",
        "1:fm:in:7:3:category:无",
        "1:fm:in:7:3:category:" + "a" * 21,
        "2:fm:in:7:3:category:none",  # another version of the format
        "1:ok:in:7:3:category:none",
        "",
        None,
    ],
)
def test_forged_form_steps_are_refused(data: str | None) -> None:
    assert parse_form_step(data) is None


def test_values_we_cannot_parse_back_are_not_made() -> None:
    with pytest.raises(ValueError):
        form_step("inspection", 1, 1, "category", "未发现问题")
    with pytest.raises(ValueError):
        form_step("survey", 1, 1, "category", "none")
    with pytest.raises(ValueError):
        form_step("inspection", 1, MAX_ID + 1, "category", "none")
    with pytest.raises(ValueError):
        form_step("inspection", MAX_ID + 1, 1, "category", "none")
    with pytest.raises(ValueError):
        form_step("inspection", -1, 1, "category", "none")


def test_the_inspection_forms_buttons_are_encodable() -> None:
    from spotcheck.form import DONE, SKIP
    from spotcheck.inspection import inspection_form

    form = inspection_form()
    for question in form.questions:
        key = f"{question.key}.999" if question.repeat_over else question.key
        for code in [o.code for o in question.options] + [DONE, SKIP]:
            step = form_step("inspection", MAX_ID, MAX_ID, key, code)
            assert parse_form_step(step) is not None


def test_the_other_forms_buttons_are_encodable() -> None:
    from bot.services.chat_draw import PREVIEW
    from bot.services.chat_import import KIND
    from spotcheck.chat_forms import DRAW
    from storage.sheets import KINDS

    for question in DRAW.questions:
        for code in [o.code for o in question.options]:
            assert parse_form_step(form_step("draw", MAX_ID, MAX_ID, question.key, code))
    for value in ("confirm", "cancel"):
        assert parse_form_step(form_step("draw", MAX_ID, MAX_ID, PREVIEW, value))
    for kind in KINDS:
        assert parse_form_step(form_step("import", MAX_ID, MAX_ID, KIND, kind))
