"""Only new messages count (issue 16, item 7): an edited message runs no command, feeds no
form and binds nobody; its author is told so."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import identity
from spotcheck.roles import Role
from storage.bot_models import TelegramAccount
from storage.draft_models import FormDraft
from storage.draw_models import Conflict
from tests.e2e.conftest import STRANGER_REFUSAL, BotHarness
from tests.e2e.test_assignments import drawn_with_a_push

EDITED = "修改过的消息不会被处理。如需更正，请重新发送一条新消息。"


async def test_an_edit_into_a_command_runs_nothing(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.ADMIN, "130600"))[:1]
    async with bot.running():
        boss = await bot.bind(6301, admin.cert_no)
        sent = await bot.send(boss, "你好")
        before = len(bot.fake.texts(6301))
        bot.fake.edit_text(boss, sent, "/draw")
        await bot.fake.until_idle()

    assert bot.fake.texts(6301)[before:] == [EDITED]
    assert await bot.all(select(FormDraft)) == []


async def test_an_edit_does_not_feed_a_waiting_recusal(bot: BotHarness) -> None:
    async with bot.running():
        _, user, push, _ = await drawn_with_a_push(bot)
        sent = await bot.send(user, "/tasks")  # drops nothing yet: no request waits
        await bot.press(user, "申请回避", push)
        bot.fake.edit_text(user, sent, "与该企业法定代表人系近亲属")
        await bot.fake.until_idle()
        told = bot.fake.last_text(user.id)
        [form] = await bot.all(select(FormDraft))

    assert told == EDITED
    assert form.kind == "recusal"  # still waiting for a new message
    assert await bot.all(select(Conflict)) == []


async def test_a_stranger_editing_in_a_code_is_not_bound(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, "130602")
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    stranger = bot.user(6302, "路人")
    async with bot.running():
        sent = await bot.send(stranger, "/start")
        bot.fake.edit_text(stranger, sent, f"/start {code}")
        await bot.fake.until_idle()

    assert await bot.all(select(TelegramAccount)) == []
    assert bot.fake.texts(6302) == [STRANGER_REFUSAL]  # for the first /start, nothing more
