"""Texts longer than Telegram takes are delivered in parts, whatever queued them; a message
Telegram refuses for good (400) is failed and the city admins hear once what was lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services import outbox
from spotcheck.classes import SupervisionClass
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser
from tests.e2e.test_outbox import CITY, JINGXIU, enqueue, rows

pytestmark = [pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")]


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def inspector_and_city_admin(bot: BotHarness) -> tuple[TgUser, TgUser, str]:
    """Bound while the bot runs: an inspector of 竞秀区 and a city admin; the inspector's 执法证号."""
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    [admin, *_] = await bot.staff(Role.ADMIN, CITY)
    return (
        await bot.bind(7600, inspector.cert_no),
        await bot.bind(7601, admin.cert_no),
        inspector.cert_no,
    )


async def test_a_5000_character_notice_arrives_as_two_messages_in_order(bot: BotHarness) -> None:
    # a 【检查组变更】 notice carrying a reason of thousands of characters, lines of 50
    reason = "\n".join(f"第{i:03d}行" + "理由" * 22 for i in range(100))
    notice = f"【检查组变更】保定市某某化工有限公司：\n{reason}"
    assert len(notice) > 5000 and telegram_length(notice) > 4096
    async with bot.running():
        user, _, _ = await inspector_and_city_admin(bot)
        async with bot.ctx.sessions() as session, session.begin():
            session.add(outbox.message(user.id, notice, [[("接受", "1:ok:1")]]))
            session.add(outbox.message(user.id, "下一条消息"))
        bot.sender.wake()
        await bot.settle()

    first, second, after = bot.fake.sent_to(user.id)[1:]
    assert first["text"] + second["text"] == notice  # cut after a line break, nothing lost
    assert first["text"].endswith("\n") and telegram_length(first["text"]) <= 4096
    assert after["text"] == "下一条消息"
    assert bot.fake.buttons(first) == [] and bot.fake.buttons(second) == [("接受", "1:ok:1")]
    assert [(r.state, r.attempts) for r in await rows(bot)][-2:] == [("sent", 1), ("sent", 1)]
    assert all(c.ok for c in bot.fake.calls_to("sendMessage"))


async def test_a_long_text_paced_by_429s_sends_each_part_once_in_order(
    open_bot: OpenBot,
) -> None:
    bot = await open_bot(virtual_time=True)  # the sender does not pace: Telegram answers 429
    assert bot.clock is not None
    text = "\n".join(f"{i:02d}" + "甲" * 97 for i in range(90))  # 9,000 units: three parts
    async with bot.running():
        user, _, _ = await inspector_and_city_admin(bot)
        sends = len(bot.fake.calls_to("sendMessage"))
        bot.fake.enforce_rate_limit(per_second=30, per_chat_per_second=1, clock=bot.clock.now)
        row_id, _ = await enqueue(bot, (user.id, text), (user.id, "之后的消息"))
        bot.sender.wake()
        await bot.settle()

    calls = bot.fake.calls_to("sendMessage")[sends:]
    assert [c.status for c in calls] == [200, 429, 200, 429, 200, 429, 200]
    delivered = [c.params["text"] for c in calls if c.ok]
    assert "".join(delivered[:3]) == text and delivered[3] == "之后的消息"
    [row] = [r for r in await rows(bot) if r.id == row_id]
    assert (row.state, row.payload["parts_sent"]) == ("sent", 2)


async def test_a_caption_over_1024_units_is_cut_and_the_rest_follows(bot: BotHarness) -> None:
    caption = "抽取记录说明：" + "说明文字" * 400  # 1,607 characters
    async with bot.running():
        user, _, _ = await inspector_and_city_admin(bot)
    record_id = await bot.draw_county(JINGXIU, SupervisionClass.KEY)  # the bot is down
    async with bot.ctx.sessions() as session, session.begin():
        session.add(outbox.record_document(user.id, record_id, caption))
    async with bot.running():
        await bot.settle()

    [document] = [m for m in bot.fake.sent_to(user.id) if "document" in m]
    rest = bot.fake.sent_to(user.id)[bot.fake.sent_to(user.id).index(document) + 1]
    assert document["document"]["file_name"] == f"draw-record-{record_id}.json"
    assert telegram_length(document["caption"]) <= 1024 and document["caption"].endswith("…")
    assert rest["text"].startswith("…")
    assert document["caption"][:-1] + rest["text"][1:] == caption
    assert [r.state for r in await rows(bot) if r.payload["kind"] == "record"] == ["sent"]


async def test_a_refused_message_fails_and_the_city_admin_is_told_once(bot: BotHarness) -> None:
    async with bot.running():
        user, admin, cert_no = await inspector_and_city_admin(bot)
        bot.fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
        await enqueue(bot, (user.id, "【检查任务】请于 12 月 31 日前完成对某某公司的检查"))
        bot.sender.wake()
        await bot.settle()

    name = await bot.name_of(cert_no)
    alert = (
        f"【消息未送达】Telegram 拒收了发给{name}（{cert_no}）的消息“【检查任务】请于 12 月 31 日前"
        "完成对某某公司的检查”（Chat not found），不会再发送，请通过其他方式通知。"
    )
    assert bot.said(admin.id).count(alert) == 1
    assert "【检查任务】请于 12 月 31 日前完成对某某公司的检查" not in bot.said(user.id)
    lost, told = (await rows(bot))[-2:]
    assert (lost.chat_id, lost.state, lost.last_error) == (user.id, "failed", "400 Chat not found")
    assert (told.chat_id, told.state, told.payload.get("quiet")) == (admin.id, "sent", True)


async def test_a_refused_alert_alerts_nobody(bot: BotHarness) -> None:
    async with bot.running():
        user, admin, _ = await inspector_and_city_admin(bot)
        sends = len(bot.fake.calls_to("sendMessage"))
        bot.fake.fail_next("sendMessage", 400, "Bad Request: chat not found", times=2)
        await enqueue(bot, (user.id, "会被拒收的消息"))
        bot.sender.wake()
        await bot.settle()

    # the message, then the alert about it: both refused, and nothing more was tried
    assert [c.status for c in bot.fake.calls_to("sendMessage")[sends:]] == [400, 400]
    lost, told = await bot.all(
        select(OutboxMessage).where(OutboxMessage.state == "failed").order_by(OutboxMessage.id)
    )
    assert (lost.chat_id, told.chat_id) == (user.id, admin.id)
