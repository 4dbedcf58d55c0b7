"""Delivery without loss: the outbox sender against a Telegram that answers 429, 403 and network
errors, across restarts; and updates sent while the bot was down."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.services import outbox
from spotcheck.classes import SupervisionClass
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage, TelegramAccount
from storage.models import utcnow
from tests.e2e.conftest import STRANGER_REFUSAL, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser

pytestmark = [
    # reading RetryAfter.retry_after warns until PTB_TIMEDELTA; the sender takes either type
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

JINGXIU, CITY = "130602", "130600"


async def bind_county(bot: BotHarness, region: str = JINGXIU) -> dict[str, TgUser]:
    staff = [
        *await bot.staff(Role.INSPECTOR, region),
        *await bot.staff(Role.LEAD, region),
        *await bot.staff(Role.COUNTY_ADMIN, region),
    ]
    return {p.cert_no: await bot.bind(7000 + i, p.cert_no) for i, p in enumerate(staff)}


async def rows(bot: BotHarness) -> list[OutboxMessage]:
    return await bot.all(select(OutboxMessage).order_by(OutboxMessage.id))


def assert_each_row_sent_once(bot: BotHarness, queued: list[OutboxMessage]) -> None:
    """Telegram accepted every message row exactly once, and as many map pins as were queued."""
    ok = bot.sent_ok()
    messages = Counter(
        (r.chat_id, r.payload["text"]) for r in queued if r.payload["kind"] == "message"
    )
    assert {key: ok[key] for key in messages} == messages
    pins = Counter(r.chat_id for r in queued if r.payload["kind"] == "location")
    assert Counter(c.chat_id for c in bot.fake.calls_to("sendLocation") if c.ok) == pins


def naive(moment: datetime) -> datetime:
    """UTC without tzinfo: SQLite hands back naive datetimes, PostgreSQL aware ones."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


async def enqueue(bot: BotHarness, *messages: tuple[int, str]) -> list[int]:
    async with bot.ctx.sessions() as session, session.begin():
        added = [outbox.message(chat, text) for chat, text in messages]
        session.add_all(added)
        await session.flush()
        return [row.id for row in added]


async def test_429_storm_delivers_everything_exactly_once(open_bot: OpenBot) -> None:
    bot = await open_bot(virtual_time=True)  # the sender itself does not pace here
    assert bot.clock is not None
    async with bot.running():
        await bind_county(bot)
        bot.fake.enforce_rate_limit(per_second=30, per_chat_per_second=1, clock=bot.clock.now)
        await bot.draw_county(JINGXIU, SupervisionClass.KEY)
        await bot.settle(timeout=10)

    queued = await rows(bot)
    assert len(queued) > 20
    assert bot.fake.rate_limited > 0
    assert {r.state for r in queued} == {"sent"}
    assert_each_row_sent_once(bot, queued)
    retried = [r for r in queued if r.attempts > 1]
    assert retried and all((r.last_error or "").startswith("429 ") for r in retried)
    assert bot.clock.slept >= 1  # it waited retry_after (virtual seconds) instead of hammering


async def test_retry_after_is_waited_for(open_bot: OpenBot) -> None:
    bot = await open_bot(virtual_time=True)
    assert bot.clock is not None
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        user = await bot.bind(7100, inspector.cert_no)
        bot.fake.fail_next("sendMessage", 429, retry_after=1, times=3)
        await enqueue(bot, (user.id, "第一条"), (user.id, "第二条"))
        await bot.settle()

    assert [c.status for c in bot.fake.calls_to("sendMessage")][1:] == [429, 429, 429, 200, 200]
    assert bot.said(user.id)[1:] == ["第一条", "第二条"]
    assert bot.clock.slept >= 3
    first, second = await rows(bot)
    assert (first.state, first.attempts, second.state, second.attempts) == ("sent", 4, "sent", 1)


async def test_paced_sender_stays_within_telegrams_limits(open_bot: OpenBot) -> None:
    bot = await open_bot(
        virtual_time=True, telegram={"messages_per_second": 29, "seconds_per_chat": 1.0}
    )
    assert bot.clock is not None
    async with bot.running():
        await bind_county(bot)
        bot.fake.enforce_rate_limit(per_second=30, per_chat_per_second=1, clock=bot.clock.now)
        start = bot.clock.now()
        await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
        await bot.settle(timeout=10)

    queued = await rows(bot)
    assert bot.fake.rate_limited == 0
    assert {r.state for r in queued} == {"sent"} and {r.attempts for r in queued} == {1}
    assert_each_row_sent_once(bot, queued)
    busiest = max(Counter(r.chat_id for r in queued).values())
    assert bot.clock.now() - start >= busiest - 1  # one message per second per chat


async def test_blocked_inspector_is_marked_unreachable_and_the_admin_told(bot: BotHarness) -> None:
    [city_admin] = (await bot.staff(Role.ADMIN, CITY))[:1]
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    async with bot.running():
        people = await bind_county(bot)
        boss = await bot.bind(7200, city_admin.cert_no)
    await bot.draw_county(JINGXIU, SupervisionClass.KEY)  # while the bot is down
    queued = await rows(bot)
    by_chat = Counter(r.chat_id for r in queued)
    blocked_cert, blocked = max(people.items(), key=lambda item: by_chat[item[1].id])
    assert by_chat[blocked.id] >= 2
    bot.fake.block_user(blocked.id)
    async with bot.running():
        await bot.settle()

    after = await rows(bot)
    his = [r for r in after if r.chat_id == blocked.id]
    assert {r.state for r in his} == {"failed"}
    assert all((r.last_error or "").startswith("403 ") for r in his)
    [account] = await bot.all(
        select(TelegramAccount).where(TelegramAccount.cert_no == blocked_cert)
    )
    assert account.reachable is False
    name = await bot.name_of(blocked_cert)
    notice = f"执法人员 {name}（{blocked_cert}）的 Telegram 已无法送达（可能屏蔽了机器人），请通过其他方式通知。"
    assert bot.said(people[county_admin.cert_no].id).count(notice) == 1
    assert bot.said(boss.id).count(notice) == 1
    # Telegram was asked once for him; the others got everything
    assert len([c for c in bot.fake.api_calls() if c.chat_id == blocked.id and not c.ok]) == 1
    assert_each_row_sent_once(bot, [r for r in after if r.chat_id != blocked.id])
    assert {r.state for r in after if r.chat_id != blocked.id} == {"sent"}

    # He unblocks the bot and writes: reachable again, and /tasks answers him.
    bot.fake.unblock_user(blocked.id)
    async with bot.running():
        await bot.send(blocked, "/tasks")
    [account] = await bot.all(
        select(TelegramAccount).where(TelegramAccount.cert_no == blocked_cert)
    )
    assert account.reachable is True
    assert (bot.fake.last_text(blocked.id) or "").startswith("我的检查任务：")


async def test_restart_sends_what_was_left_in_the_outbox_once(bot: BotHarness) -> None:
    async with bot.running():
        people = await bind_county(bot)
    await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)  # the bot is down: rows wait
    some = next(iter(people.values()))
    async with bot.ctx.sessions() as session, session.begin():
        crashed = outbox.message(some.id, "发送中途崩溃的消息")
        crashed.state = "sending"
        session.add(crashed)
    calls_while_down = len(bot.fake.calls)
    queued = await rows(bot)
    assert {r.state for r in queued} == {"pending", "sending"}
    assert len(queued) > 5

    async with bot.running():
        await bot.settle()
    assert len([c for c in bot.fake.calls[:calls_while_down] if c.method == "sendLocation"]) == 0
    sent = await rows(bot)
    assert {r.state for r in sent} == {"sent"}
    assert_each_row_sent_once(bot, sent)
    assert bot.sent_ok()[(some.id, "发送中途崩溃的消息")] == 1

    sends_before = len([c for c in bot.fake.api_calls() if c.method.startswith("send")])
    async with bot.running():  # and once more: nothing is sent again
        await asyncio.sleep(0.05)
        await bot.settle()
    assert len([c for c in bot.fake.api_calls() if c.method.startswith("send")]) == sends_before


async def test_network_errors_are_retried_later_in_order(bot: BotHarness) -> None:
    [one, two, three, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        a = await bot.bind(7300, one.cert_no)
        b = await bot.bind(7301, two.cert_no)
        c = await bot.bind(7302, three.cert_no)
        bot.fake.fail_network(times=2, method="sendMessage")
        ids = await enqueue(bot, (a.id, "甲一"), (a.id, "甲二"), (b.id, "乙一"))
        bot.sender.wake()
        await bot.fake.wait_for(lambda: bot.fake.network_failures == 2)
        await asyncio.sleep(0.05)
        held, checked_at = await rows(bot), naive(utcnow())
        # new work wakes the sender before the backoff ends: 甲二 still waits for 甲一
        ids += await enqueue(bot, (b.id, "乙二"), (c.id, "丙一"))
        bot.sender.wake()
        await bot.fake.wait_for(lambda: "丙一" in bot.said(c.id))
        await asyncio.sleep(0.05)
        early = (bot.said(a.id)[1:], bot.said(b.id)[1:])
        # backoff: the failed rows wait about two seconds; make the test not wait that long
        async with bot.ctx.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == "pending")
                .values(next_attempt_at=utcnow() - timedelta(seconds=1))
            )
        await bot.settle()

    failed = [r for r in held if r.attempts == 1 and r.state == "pending"]
    assert [r.payload["text"] for r in failed] == ["甲一", "乙一"]
    for row in failed:
        assert (row.last_error or "").startswith("network ")
        wait = naive(row.next_attempt_at) - checked_at  # 2 s after the failure, 2**attempts
        assert timedelta(seconds=0.5) < wait <= timedelta(seconds=2)
    assert early == ([], [])
    assert bot.said(a.id)[1:] == ["甲一", "甲二"]  # each chat's order holds
    assert bot.said(b.id)[1:] == ["乙一", "乙二"]
    final = {r.id: r for r in await rows(bot)}
    assert [final[i].state for i in ids] == ["sent"] * 5
    assert [final[i].attempts for i in ids] == [2, 1, 2, 1, 1]
    assert_each_row_sent_once(bot, list(final.values()))


async def test_updates_sent_while_the_bot_was_down_are_handled(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        user = await bot.bind(7400, inspector.cert_no)
    stranger = bot.user(7401, "路人")
    bot.fake.send_text(user, "/help")
    bot.fake.send_text(user, "/tasks")
    bot.fake.send_text(stranger, "有人吗")
    assert bot.fake.pending_updates == 3
    async with bot.running():
        await bot.fake.until_idle()

    assert bot.fake.pending_updates == 0
    assert bot.said(user.id)[1:] == [
        "可用命令：\n/tasks — 我的检查任务\n/report — 填写现场检查结果\n"
        "/resume — 继续填写未完成的表单\n/followups — 未完结的后续处理（办结）\n/ask — 问政策：/ask 问题\n/deadlines — 近期报送期限\n/help — 帮助\n/cancel — 取消当前操作",
        "您目前没有检查任务。",
    ]
    assert bot.said(stranger.id) == [STRANGER_REFUSAL]
