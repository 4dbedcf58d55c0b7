"""The review chain's buttons: 确认 / 有异议 / 通过 / 退回 on one result version, short and
parsed back only as made."""

from __future__ import annotations

import pytest

from bot import callback_data
from bot.callback_data import CONFIRM, OBJECT, PASS, RETURN, ReviewStep


@pytest.mark.parametrize("verb", [CONFIRM, OBJECT, PASS, RETURN])
def test_a_review_button_parses_back_to_its_verb_and_version(verb: str) -> None:
    data = callback_data.review_step(verb, callback_data.MAX_ID)
    assert len(data.encode()) <= callback_data.MAX_BYTES
    decoded = callback_data.decode(data)
    assert decoded is not None
    assert callback_data.parse_review_step(decoded) == ReviewStep(verb, callback_data.MAX_ID)


@pytest.mark.parametrize(
    "data", ["1:rv:xx:5", "1:rv:ps:-1", "1:rv:ps:2147483648", "1:rv:ps", "1:rv:ps:5:6", "1:rv:ps:٥"]
)
def test_a_forged_review_button_is_not_a_review_step(data: str) -> None:
    decoded = callback_data.decode(data)
    assert decoded is None or callback_data.parse_review_step(decoded) is None


def test_an_unknown_verb_is_not_encoded() -> None:
    with pytest.raises(ValueError):
        callback_data.review_step("ok", 1)
