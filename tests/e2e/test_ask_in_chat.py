"""Policy questions in chat, through the real Application and the fake Bot API: free text and
/ask answered with the passage and a 下一条相关规定 button, the stranger's one refusal, a city
admin's .txt added to the library and /policies to list and remove it, and a county admin's
upload that stays a reporting submission."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.services import identity, qa
from bot.services.qa import MAX_DOCUMENT_BYTES, PolicyLibrary
from spotcheck.roles import Role
from storage.bot_models import PolicyDocument
from storage.models import AuditLog
from storage.schedule_models import Submission
from tests.e2e.conftest import SQLITE_ONLY, STRANGER_REFUSAL, BotHarness
from tests.test_qa_service import (
    DRONE,
    DRONE_ANSWER,
    DRONE_QUESTION,
    DRONE_TEXT,
    NOT_FOUND,
    PLAN,
    STALE,
    docx,
)

JINGXIU, CITY = "130602", "130600"
RATIO_QUESTION = "县级重点监管对象每季度要抽多少？"
RATIO_ANSWER_START = (
    f"按现行配置，县级重点监管对象每季度至少抽查 25%。\n\n《{PLAN}》二（四） 分类确定抽查频次：\n"
)
NEXT = "下一条相关规定"
USAGE = "用法：/ask 问题，例如 /ask 县级重点监管对象每季度抽多少？"
NOT_ADMIN = "只有市局管理员可以管理规定库。"
UNKNOWN_INPUT = "没有看懂。发送 /help 查看可用命令。"
STATISTICS_REGISTERED = "已登记：2024Q1 季度统计表已报送，相关提醒停止。"
SUMMARY_REGISTERED = "已登记：2024Q1 季度工作总结已报送，相关提醒停止。"
TXT = "text/plain"


def library(bot: BotHarness) -> PolicyLibrary:
    found = bot.app.bot_data.library
    return found


async def first(bot: BotHarness, role: Role, region: str) -> str:
    return str((await bot.staff(role, region))[0].cert_no)


async def policy_documents(bot: BotHarness) -> list[tuple[int, str, str, bool]]:
    rows: list[PolicyDocument] = await bot.all(select(PolicyDocument).order_by(PolicyDocument.id))
    return [(d.id, d.name, d.added_by, d.active) for d in rows]


# --- questions --------------------------------------------------------------------------------


@SQLITE_ONLY
async def test_inspector_question_gets_the_passage_and_next_button_that_shows_the_second_hit(
    bot: BotHarness,
) -> None:
    async with bot.running():
        user = await bot.bind(8501, await first(bot, Role.INSPECTOR, JINGXIU))
        await bot.send(user, RATIO_QUESTION)
        answer = bot.fake.last_message(user.id)
        assert answer is not None
        lib, person = library(bot), await identity.who(bot.ctx, user.id)
        today = bot.app.bot_data.schedule.clock().date()
        expected = await qa.answer(lib, bot.ctx.texts, RATIO_QUESTION, person, today)
        second = await qa.passage_at(lib, bot.ctx.texts, lib.generation, expected.more[0])

        assert answer["text"] == expected.text
        assert answer["text"].startswith(RATIO_ANSWER_START)
        assert "县级每季度至少对本行政区域内25%的重点监管对象进行抽查。" in answer["text"]
        assert bot.fake.buttons(answer) == [(NEXT, f"1:qa:{lib.generation}:{expected.more[0]}")]

        pressed = await bot.press(user, NEXT, answer)

        assert bot.fake.callback_answer(pressed) is not None
        assert not bot.fake.callback_answer(pressed).get("show_alert")  # type: ignore[union-attr]
        shown = bot.fake.last_message(user.id)
        assert shown is not None and shown["text"] == second
        assert shown["text"].startswith(f"《{PLAN}》")
        assert "25%的重点监管对象" not in shown["text"]  # the next passage, not the first again
        assert bot.fake.buttons(shown) == []


@SQLITE_ONLY
async def test_deadline_question_gets_the_windows_the_plan_and_the_guide_as_next(
    bot: BotHarness,
) -> None:
    async with bot.running():
        user = await bot.bind(8502, await first(bot, Role.INSPECTOR, JINGXIU))
        await bot.send(user, "我们的统计表什么时候报？")
        answer = bot.fake.last_message(user.id)
        assert answer is not None
        [(label, _)] = bot.fake.buttons(answer)
        await bot.press(user, label, answer)
        shown = bot.fake.last_text(user.id)
        await bot.send(user, "专家库里的专家从哪里来？")
        single = bot.fake.last_message(user.id)
    # the schedule's quiet moment is 2024-02-05: this quarter's and the next one's dates
    assert answer["text"].startswith(
        "按现行配置（节假日日历）算出的近期报送期限：\n"
        "2024Q1 季度工作总结：2024-03-27 至 2024-03-29\n"
        "2024Q1 季度统计表：2024-04-01 至 2024-04-03\n"
    )
    assert f"\n\n《{PLAN}》文末：\n请各县（市、区）分局" in answer["text"]
    assert label == NEXT
    assert shown is not None and shown.startswith(
        "《使用说明》六（一） 报送期限（本机器人的用法，不是政策规定）：\n"
    )
    assert "/deadlines" in shown
    # a question with one passage only has no 下一条
    assert single is not None and single["text"].startswith(f"《{PLAN}》二（一）")
    assert bot.fake.buttons(single) == []


@SQLITE_ONLY
async def test_ask_command_answers_and_without_a_question_shows_the_usage(bot: BotHarness) -> None:
    async with bot.running():
        user = await bot.bind(8503, await first(bot, Role.LEAD, JINGXIU))
        before = len(bot.said(user.id))
        await bot.send(user, "/ask")
        await bot.send(user, f"/ask {RATIO_QUESTION}")
        with_button = bot.fake.last_message(user.id)
        await bot.send(user, "/ask 食堂几点开饭？")
        await bot.send(user, "执法车辆怎么申请？")
        refusal = bot.fake.last_message(user.id)
    said = bot.said(user.id)[before:]
    assert said[0] == USAGE
    assert said[1].startswith(RATIO_ANSWER_START)
    assert with_button is not None and [t for t, _ in bot.fake.buttons(with_button)] == [NEXT]
    assert said[2:] == [NOT_FOUND, NOT_FOUND]
    assert refusal is not None and bot.fake.buttons(refusal) == []


@SQLITE_ONLY
async def test_question_about_the_bot_is_answered_from_the_guide_and_an_uncovered_one_is_refused(
    bot: BotHarness,
) -> None:
    async with bot.running():
        user = await bot.bind(8505, await first(bot, Role.INSPECTOR, JINGXIU))
        await bot.send(user, "执法人员和检查对象有利害关系怎么办？")
        guide = bot.fake.last_message(user.id)
        await bot.send(user, "/ask 企业不配合检查要怎么处罚？")  # 配合 is in 二（二）, 处罚 nowhere
        refusal = bot.fake.last_message(user.id)
    assert guide is not None and refusal is not None
    assert guide["text"].startswith(
        "《使用说明》二（三） 申请回避（本机器人的用法，不是政策规定）：\n与检查对象有利害关系"
    )
    assert "「申请回避」" in guide["text"] and PLAN not in guide["text"]
    assert refusal["text"] == NOT_FOUND
    assert NOT_FOUND.startswith("没有找到相关规定。我能回答的是：")
    assert bot.fake.buttons(refusal) == []


@SQLITE_ONLY
async def test_stranger_question_gets_only_the_one_refusal(bot: BotHarness) -> None:
    async with bot.running():
        stranger = bot.user(8504, "路人")
        await bot.send(stranger, RATIO_QUESTION)
        await bot.send(stranger, f"/ask {RATIO_QUESTION}")
        await bot.send(stranger, "食堂几点开饭？")
    assert bot.said(stranger.id) == [STRANGER_REFUSAL]


# --- the policy library -----------------------------------------------------------------------


async def test_city_admin_adds_lists_and_removes_a_document_in_chat(bot: BotHarness) -> None:
    admin_cert = await first(bot, Role.ADMIN, CITY)
    async with bot.running():
        boss = await bot.bind(8511, admin_cert)
        inspector = await bot.bind(8512, await first(bot, Role.INSPECTOR, JINGXIU))
        await bot.send(inspector, DRONE_QUESTION)
        assert bot.fake.last_text(inspector.id) == NOT_FOUND
        await bot.send(inspector, RATIO_QUESTION)
        old_answer = bot.fake.last_message(inspector.id)

        bot.fake.send_document(boss, DRONE_TEXT.encode("gb18030"), f"{DRONE}.txt", TXT)
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == f"已加入规定库：《{DRONE}》，共 4 段。"
        [(document_id, _, _, _)] = await policy_documents(bot)

        # a later question is answered from it; a button from before the change is stale
        await bot.send(inspector, DRONE_QUESTION)
        assert bot.fake.last_text(inspector.id) == DRONE_ANSWER
        pressed = await bot.press(inspector, NEXT, old_answer)
        alert = bot.fake.callback_answer(pressed)
        assert alert is not None and (alert.get("text"), alert.get("show_alert")) == (STALE, True)
        assert bot.fake.last_text(inspector.id) == DRONE_ANSWER  # nothing new in the chat

        await bot.send(boss, "/policies")
        assert bot.fake.last_text(boss.id) == "\n".join(
            [
                "规定库：",
                f"0. 《{PLAN}》（内置）",
                f"{document_id}. 《{DRONE}》",
                "移除：/policies remove 编号；加入：直接发送 .txt 或 .docx 文件。",
            ]
        )
        await bot.send(boss, f"/policies remove {document_id}")
        assert bot.fake.last_text(boss.id) == f"已从规定库移除：《{DRONE}》。"
        await bot.send(boss, f"/policies remove {document_id}")
        assert bot.fake.last_text(boss.id) == "没有这个规定文件编号。"
        await bot.send(boss, "/policies remove 0")
        assert bot.fake.last_text(boss.id) == "没有这个规定文件编号。"
        await bot.send(inspector, DRONE_QUESTION)
        assert bot.fake.last_text(inspector.id) == NOT_FOUND

    actor = f"tg:{boss.id}/{admin_cert}"
    assert await policy_documents(bot) == [(document_id, DRONE, actor, False)]
    audit: list[AuditLog] = await bot.all(
        select(AuditLog).where(AuditLog.entity == "policy_documents").order_by(AuditLog.id)
    )
    assert [(a.actor, a.action, a.entity_key) for a in audit] == [
        (actor, "create", str(document_id)),
        (actor, "deactivate", str(document_id)),
    ]


@SQLITE_ONLY
async def test_city_admin_upload_that_is_too_large_or_unreadable_is_refused(
    bot: BotHarness,
) -> None:
    async with bot.running():
        boss = await bot.bind(8513, await first(bot, Role.ADMIN, CITY))
        bot.fake.send_document(boss, b"x" * (MAX_DOCUMENT_BYTES + 1), "大文件.txt", TXT)
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == "文件过大（上限 2 MB）。"
        bot.fake.send_document(boss, b"%PDF-1.7", "规定.pdf", "application/pdf")
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == "只接受 .txt 或 .docx 规定文本。"
        bot.fake.send_document(boss, b"not a zip", "规定.docx")
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。"
        bot.fake.send_document(
            boss,
            docx(["一、总则", "（一）佩戴。现场检查全程佩戴执法记录仪。"]),
            "执法记录仪使用规定.docx",
        )
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == "已加入规定库：《执法记录仪使用规定》，共 1 段。"
    assert [name for _, name, _, _ in await policy_documents(bot)] == ["执法记录仪使用规定"]


@SQLITE_ONLY
async def test_only_city_admins_manage_the_library(bot: BotHarness) -> None:
    async with bot.running():
        inspector = await bot.bind(8521, await first(bot, Role.INSPECTOR, JINGXIU))
        county = await bot.bind(8522, await first(bot, Role.COUNTY_ADMIN, JINGXIU))
        await bot.send(inspector, "/policies")
        assert bot.fake.last_text(inspector.id) == NOT_ADMIN
        await bot.send(county, "/policies remove 0")
        assert bot.fake.last_text(county.id) == NOT_ADMIN
        # an inspector's .txt is not added (nor taken as a submission)
        bot.fake.send_document(inspector, DRONE_TEXT.encode(), f"{DRONE}.txt", TXT)
        await bot.fake.until_idle()
        assert bot.fake.last_text(inspector.id) == UNKNOWN_INPUT
    assert await policy_documents(bot) == []


@SQLITE_ONLY
async def test_county_admin_upload_in_the_statistics_window_is_still_a_submission(
    bot: BotHarness,
) -> None:
    moment = datetime(2024, 4, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    bot.app.bot_data.schedule.clock = lambda: moment
    async with bot.running():
        await bot.background.catch_up
        await bot.settle()
        county = await bot.bind(8531, await first(bot, Role.COUNTY_ADMIN, JINGXIU))
        table = bot.fake.send_document(
            county,
            b"PK\x03\x04 statistics",
            "竞秀区2024Q1统计表.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        await bot.fake.until_idle()
        assert bot.fake.last_text(county.id) == STATISTICS_REGISTERED
        # a county admin's .txt is his county's (late) summary, not a policy document
        summary = bot.fake.send_document(
            county, DRONE_TEXT.encode(), "竞秀区一季度工作总结.txt", TXT
        )
        await bot.fake.until_idle()
        assert bot.fake.last_text(county.id) == SUMMARY_REGISTERED
    rows: list[Submission] = await bot.all(
        select(Submission).where(Submission.county == JINGXIU).order_by(Submission.id)
    )
    assert [(s.quarter, s.duty, s.file_id, s.file_name) for s in rows] == [
        (
            "2024Q1",
            "statistics",
            table["message"]["document"]["file_id"],
            "竞秀区2024Q1统计表.xlsx",
        ),
        (
            "2024Q1",
            "summary",
            summary["message"]["document"]["file_id"],
            "竞秀区一季度工作总结.txt",
        ),
    ]
    assert await policy_documents(bot) == []
