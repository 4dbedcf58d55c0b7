"""[review]: how many members confirm before review, and when review is overdue."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, ReviewConfig, config_from_mapping, load_config
from spotcheck.review import ConfirmPolicy


def test_one_other_member_confirming_is_the_default() -> None:
    assert config_from_mapping({}).review == ReviewConfig(ConfirmPolicy.ONE, 3)


def test_the_example_configuration_spells_out_the_review_defaults() -> None:
    example = load_config(Path(__file__).parent.parent / "config.example.toml", environ={})
    assert example.review == ReviewConfig()


def test_all_members_confirming_is_read() -> None:
    given = {"confirmations": "all", "remind_after_workdays": 5}
    assert config_from_mapping({"review": given}).review == ReviewConfig(ConfirmPolicy.ALL, 5)


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"confirmations": "two"}, "[review] confirmations"),
        ({"confirmations": 1}, "[review] confirmations"),
        ({"remind_after_workdays": 0}, "[review] remind_after_workdays"),
        ({"remind_after": 3}, "[review] remind_after"),
    ],
)
def test_a_wrong_review_value_is_refused_by_name(section: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        config_from_mapping({"review": section})
