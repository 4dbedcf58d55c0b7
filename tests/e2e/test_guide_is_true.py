"""The bot's guide (bot/knowledge/guide.txt, 《使用说明》) names only what exists: every /command
it names is handled by the real Application and shown in some role's command menu, every
「button」 is a label the catalogue puts on a button, every `shuangsuiji` subcommand and flag is
one the command line parses. A guide describing a feature that is not there fails here."""

from __future__ import annotations

import argparse
import re

from telegram.ext import CommandHandler

from bot.cli import build_parser
from bot.knowledge.guide import guide_text, load_guide
from bot.texts import Texts, texts_for
from handlers.tasks import TASK_COMMAND
from spotcheck.inspection import FollowUpKind, ItemAnswer, ResultCategory
from spotcheck.regions import CityRegions
from spotcheck.roles import Role
from tests.e2e.conftest import SQLITE_ONLY, BotHarness

COMMAND = re.compile(r"(?<![\w/])/([a-z_]+[0-9]*)")
BUTTON = re.compile(r"「([^」]+)」")
CLI = re.compile(r"shuangsuiji ((?:[a-z]+)(?: (?:commit|export|replace))?)")
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")


def button_labels(texts: Texts, regions: CityRegions) -> set[str]:
    """Every label the catalogue puts on a button."""
    draw_buttons = [
        ("class", "all"),
        ("tag", "all"),
        ("seed", "server"),
        ("preview", "confirm"),
        ("preview", "cancel"),
    ]
    return {
        texts.button_accept(),
        texts.button_recuse(),
        texts.button_submitted(),
        texts.button_next_passage(),
        *(texts.draw_option(regions, field, value, {}) for field, value in draw_buttons),
        *(texts.kind_label(kind) for kind in ("targets", "inspectors", "experts", "items")),
        texts.start_inspection_button(),
        texts.send_location_button(),
        *(texts.item_answer_name(answer) for answer in ItemAnswer),
        *(texts.category_name(category) for category in ResultCategory),
        *(texts.follow_up_name(kind) for kind in FollowUpKind),
        *(
            texts.form_text(key)
            for key in (
                "inspection.unlocated",
                "form.done",
                "form.submit",
                "form.edit",
                "inspection.days_7",
                "inspection.days_15",
                "inspection.days_30",
            )
        ),
    }


def cli_names(parser: argparse.ArgumentParser, prefix: str = "") -> tuple[set[str], set[str]]:
    """(subcommands such as "draw commit", every --flag) the command line parses."""
    commands: set[str] = set()
    flags = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                commands.add(f"{prefix}{name}")
                more, sub_flags = cli_names(sub, f"{prefix}{name} ")
                commands |= more
                flags |= sub_flags
    return commands, flags


def unknown_names(
    text: str, commands: set[str], menus: set[str], texts: Texts, regions: CityRegions
) -> list[str]:
    """What text names that the bot does not have."""
    missing = []
    for name in COMMAND.findall(text):
        if TASK_COMMAND.match(f"/{name}"):
            continue
        if name not in commands or name not in menus:
            missing.append(f"/{name}")
    labels = button_labels(texts, regions)
    missing += [f"「{label}」" for label in BUTTON.findall(text) if label not in labels]
    subcommands, flags = cli_names(build_parser())
    missing += [f"shuangsuiji {c}" for c in CLI.findall(text) if c not in subcommands]
    missing += [flag for flag in FLAG.findall(text) if flag not in flags]
    return missing


def registered_commands(bot: BotHarness) -> set[str]:
    return {
        command
        for group in bot.app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def menu_commands(texts: Texts) -> set[str]:
    return {name for role in (None, *Role) for name, _ in texts.commands(role)}


@SQLITE_ONLY
async def test_every_command_button_and_subcommand_the_guide_names_exists(
    bot: BotHarness,
) -> None:
    texts = texts_for("zh")
    commands, menus = registered_commands(bot), menu_commands(texts)
    text = guide_text()
    assert COMMAND.findall(text) and BUTTON.findall(text) and CLI.findall(text)
    assert unknown_names(text, commands, menus, texts, bot.ctx.config.regions) == []


@SQLITE_ONLY
async def test_a_guide_naming_a_missing_command_button_or_subcommand_fails(
    bot: BotHarness,
) -> None:
    texts = texts_for("zh")
    commands, menus = registered_commands(bot), menu_commands(texts)
    invented = (
        "现场检查后发送 /result 填写结果，点「提交审核」；中断了发送 /continue。"
        "用 shuangsuiji archive --quarter 2024Q1 --force-all 归档。"
    )
    assert unknown_names(invented, commands, menus, texts, bot.ctx.config.regions) == [
        "/result",
        "/continue",
        "「提交审核」",
        "shuangsuiji archive",
        "--force-all",
    ]


def test_guide_is_split_into_numbered_sections_like_the_plan() -> None:
    sections = [p.section for p in load_guide()]
    assert sections[0] == "前言"
    assert {"一（一）", "二（三）", "三（二）", "四（二）", "六（三）"} <= set(sections)
    assert all(p.document == "使用说明" for p in load_guide())
    (recusal,) = [p for p in load_guide() if p.section == "二（三）"]
    assert recusal.title == "申请回避"
