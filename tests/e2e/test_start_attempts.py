"""Guessing invitation codes (issue 16, item 7): every /start try is in the audit log, and after
[limits] wrong_codes refused tries within wrong_code_window_minutes the bot answers no code
(not even a right one) until the window has passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import identity
from bot.services.identity import IdentityProblem
from spotcheck.roles import Role
from storage.bot_models import TelegramAccount
from storage.models import AuditLog, utcnow
from tests.e2e.conftest import BotHarness

WRONG = "邀请码不正确，请核对后重新发送 /start 邀请码。"
LIMIT = "邀请码错误次数过多，60 分钟内不再回复邀请码。请向管理员核对邀请码。"


async def _tries(bot: BotHarness, user_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    rows = await bot.all(
        select(AuditLog)
        .where(AuditLog.entity == "start_codes", AuditLog.entity_key == str(user_id))
        .order_by(AuditLog.id)
    )
    return [(r.actor, r.action, r.new) for r in rows]


async def test_after_five_wrong_codes_a_stranger_gets_no_answer(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, "130602")
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    guesser = bot.user(6401, "猜码")
    async with bot.running():
        for guess in ("AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC", "DDDDDDDDDD", "EEEEEEEEEE"):
            await bot.send(guesser, f"/start {guess}")
        await bot.send(guesser, "/start FFFFFFFFFF")
        await bot.send(guesser, f"/start {code}")  # even the right one: it is not looked at

    assert bot.fake.texts(6401) == [WRONG] * 4 + [f"{WRONG}\n{LIMIT}"]
    assert await bot.all(select(TelegramAccount)) == []
    refused = ("tg:6401", "code_refused", {"result": "wrong_code"})
    ignored = ("tg:6401", "code_ignored", {"result": "silenced"})
    assert await _tries(bot, 6401) == [refused] * 5 + [ignored]
    assert all(code not in str(entry) for entry in await _tries(bot, 6401))


async def test_others_are_not_held_back_by_a_guesser(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, "130602")
    guesser = bot.user(6402, "猜码")
    async with bot.running():
        for _ in range(6):
            await bot.send(guesser, "/start AAAAAAAAAA")
        await bot.bind(6403, inspector.cert_no)

    assert [a.user_id for a in await bot.all(select(TelegramAccount))] == [6403]


async def test_codes_are_answered_again_once_the_window_has_passed(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, "130602")
    start = utcnow() - timedelta(minutes=61)
    for minute in range(5):
        with pytest.raises(IdentityProblem):
            await identity.redeem(
                bot.ctx, "AAAAAAAAAA", 6404, 6404, "zh", start + timedelta(minutes=minute)
            )
    with pytest.raises(IdentityProblem) as silenced:
        await identity.redeem(bot.ctx, "AAAAAAAAAA", 6404, 6404, "zh", start + timedelta(minutes=5))
    assert silenced.value.kind == "silenced"
    code, _ = await identity.create_invite(bot.ctx, inspector.cert_no, "cli")
    # 61 minutes after the first wrong code, one of the five has left the window
    person = await identity.redeem(bot.ctx, code, 6404, 6404, "zh")
    assert person.cert_no == inspector.cert_no


async def test_a_silenced_account_is_logged_once_per_window_however_often_it_tries(
    bot: BotHarness,
) -> None:
    """The audit log is append-only: twenty silenced tries must not make twenty rows."""
    guesser = bot.user(6405, "猜码")
    async with bot.running():
        for _ in range(5 + 20):
            await bot.send(guesser, "/start AAAAAAAAAA")

    assert bot.fake.texts(6405) == [WRONG] * 4 + [f"{WRONG}\n{LIMIT}"]
    refused = ("tg:6405", "code_refused", {"result": "wrong_code"})
    ignored = ("tg:6405", "code_ignored", {"result": "silenced"})
    assert await _tries(bot, 6405) == [refused] * 5 + [ignored]

    later = utcnow() + timedelta(minutes=61)  # the window has passed: counting starts again
    kinds = []
    for second in range(5 + 3):
        with pytest.raises(IdentityProblem) as problem:
            await identity.redeem(
                bot.ctx, "AAAAAAAAAA", 6405, 6405, "zh", later + timedelta(seconds=second)
            )
        kinds.append(problem.value.kind)
    assert kinds == ["wrong_code"] * 5 + ["silenced"] * 3
    assert await _tries(bot, 6405) == ([refused] * 5 + [ignored]) * 2
