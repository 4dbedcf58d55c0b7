"""`shuangsuiji ask "问题"` through bot.cli.main: the answer the service gives, on stdout, exit 0;
没有找到相关规定 and exit 1 for what the documents do not cover."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.context import AppContext
from bot.services import qa
from bot.services.qa import PolicyLibrary
from tests.conftest import make_config
from tests.test_qa_service import DRONE, DRONE_ANSWER, DRONE_QUESTION, DRONE_TEXT, NOT_FOUND, PLAN


@pytest.fixture
def cli_url(database: Path) -> str:
    """The CLI's DATABASE_URL (tests/conftest.py's ``database``: a fresh file, no config.toml)."""
    return f"sqlite:///{database}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def service_answer(url: str, question: str) -> qa.Answer:
    async def answer() -> qa.Answer:
        ctx = await AppContext.open(make_config(url))
        try:
            return await qa.answer(PolicyLibrary(ctx), ctx.texts, question, None, date.today())
        finally:
            await ctx.close()

    return asyncio.run(answer())


def add_document(url: str, name: str, text: str) -> None:
    async def add() -> None:
        ctx = await AppContext.open(make_config(url))
        try:
            await qa.add_document(ctx, PolicyLibrary(ctx), name, text.encode("gb18030"), "test")
        finally:
            await ctx.close()

    asyncio.run(add())


def test_ask_prints_the_services_answer_and_exits_0(
    capsys: pytest.CaptureFixture[str], cli_url: str
) -> None:
    question = "县级重点监管对象每季度要抽多少？"
    code, out, err = run(capsys, "ask", question)
    assert (code, err) == (0, "")
    assert out == service_answer(cli_url, question).text + "\n"
    assert out.startswith(
        f"按现行配置，县级重点监管对象每季度至少抽查 25%。\n\n《{PLAN}》二（四） 分类确定抽查频次：\n"
    )


@pytest.mark.parametrize("question", ["食堂几点开饭？", "执法车辆怎么申请？"])
def test_ask_outside_the_documents_prints_not_found_and_exits_1(
    capsys: pytest.CaptureFixture[str], database: Path, question: str
) -> None:
    assert run(capsys, "ask", question) == (1, NOT_FOUND + "\n", "")


def test_ask_answers_from_a_document_an_admin_added(
    capsys: pytest.CaptureFixture[str], cli_url: str
) -> None:
    assert run(capsys, "ask", DRONE_QUESTION) == (1, NOT_FOUND + "\n", "")
    add_document(cli_url, f"{DRONE}.txt", DRONE_TEXT)
    assert run(capsys, "ask", DRONE_QUESTION) == (0, DRONE_ANSWER + "\n", "")


def test_ask_says_both_ratios_when_the_config_differs_from_the_plan(
    capsys: pytest.CaptureFixture[str], database: Path, tmp_path: Path
) -> None:
    config = tmp_path / "ratios.toml"
    config.write_text('[policy.ratios.county]\nkey = "30%"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "ask", "县级重点监管对象每季度要抽多少？")
    assert code == 0
    assert out.startswith(
        "按现行配置，县级重点监管对象每季度至少抽查 30%。（方案原文为 25%，本系统配置已调整为 30%。）\n\n"
    )
