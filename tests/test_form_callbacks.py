"""Form callback data: what form_step makes parses back, fits Telegram's 64 bytes, and
anything else is refused."""

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

keys = st.from_regex(r"[a-z][a-z0-9_]{0,19}(\.[0-9]{1,3})?", fullmatch=True)
values = st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True)


@given(st.sampled_from(sorted(FORM_KINDS.values())), st.integers(0, MAX_ID), keys, values)
def test_a_form_step_round_trips_within_64_bytes(
    kind: str, version: int, key: str, value: str
) -> None:
    data = form_step(kind, version, key, value)
    assert len(data.encode()) <= MAX_BYTES
    assert parse_form_step(data) == FormStep(kind, version, key, value)


@given(st.text(max_size=80))
def test_garbage_is_refused_or_is_what_we_would_make(data: str) -> None:
    step = parse_form_step(data)
    if step is not None:
        assert form_step(step.kind, step.version, step.key, step.value) == data


@pytest.mark.parametrize(
    "data",
    [
        "1:fm:in:3:category",  # no value
        "1:fm:in:3:category:none:x",  # one part too many
        "1:fm:zz:3:category:none",  # no such form
        "1:fm:in:-1:category:none",
        "1:fm:in:03:category:none",  # not how we write a version
        "1:fm:in:2147483648:category:none",  # beyond an INTEGER column
        "1:fm:in:3:Category:none",
        "1:fm:in:3:item.1234:ok",
        "1:fm:in:3:category:无",
        "1:fm:in:3:category:" + "a" * 21,
        "2:fm:in:3:category:none",  # another version of the format
        "1:ok:in:3:category:none",
        "",
        None,
    ],
)
def test_forged_form_steps_are_refused(data: str | None) -> None:
    assert parse_form_step(data) is None


def test_values_we_cannot_parse_back_are_not_made() -> None:
    with pytest.raises(ValueError):
        form_step("inspection", 1, "category", "未发现问题")
    with pytest.raises(ValueError):
        form_step("survey", 1, "category", "none")
    with pytest.raises(ValueError):
        form_step("inspection", MAX_ID + 1, "category", "none")


def test_the_inspection_forms_buttons_are_encodable() -> None:
    from spotcheck.form import DONE, SKIP
    from spotcheck.inspection import inspection_form

    form = inspection_form()
    for question in form.questions:
        key = f"{question.key}.999" if question.repeat_over else question.key
        for code in [o.code for o in question.options] + [DONE, SKIP]:
            assert parse_form_step(form_step("inspection", MAX_ID, key, code)) is not None
