"""The bot's own guide (《使用说明》): what the bot does and how, shipped as package data and
answered from like a policy document, but cited as the guide, not as a rule.

bot/knowledge/guide.txt is numbered like the plan (一、 sections, （一） subsections), so that
answers cite it the same way: 《使用说明》二（三）. tests/test_guide.py keeps it true: every
command, button and command-line subcommand it names must exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

from bot.knowledge.passages import Passage, split_text

GUIDE = "使用说明"


@cache
def load_guide() -> tuple[Passage, ...]:
    """The guide's passages (read once)."""
    return tuple(split_text(GUIDE, guide_text()))


def guide_text() -> str:
    """The guide as shipped."""
    return resources.files("bot.knowledge").joinpath("guide.txt").read_text(encoding="utf-8")


def is_guide(passage: Passage) -> bool:
    return passage.document == GUIDE


def policy_documents(passages: Iterable[Passage]) -> list[str]:
    """The names of the policy documents among passages, in order: all but the guide."""
    return list(dict.fromkeys(p.document for p in passages if not is_guide(p)))
