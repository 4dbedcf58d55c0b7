"""The bot prunes at start what its daily run missed while it was down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import outbox
from storage.bot_models import HandledUpdate, OutboxMessage
from tests.e2e.conftest import QUIET_MOMENT, BotHarness


async def test_a_start_prunes_finished_rows_past_the_retention(bot: BotHarness) -> None:
    long_ago = QUIET_MOMENT - timedelta(days=60)  # the schedule's clock reads QUIET_MOMENT
    async with bot.ctx.sessions() as session, session.begin():
        for state in ("sent", "failed"):
            row = outbox.message(1, f"旧的 {state}")
            row.state, row.created_at = state, long_ago
            session.add(row)
        session.add(HandledUpdate(update_id=1, handled_at=long_ago))

    async with bot.running():
        await bot.background.prune

    assert await bot.all(select(OutboxMessage)) == []
    assert await bot.all(select(HandledUpdate.update_id).where(HandledUpdate.update_id == 1)) == []
