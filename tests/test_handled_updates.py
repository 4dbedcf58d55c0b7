"""Which updates were handled: one Telegram delivers again is handled once."""

from __future__ import annotations

import asyncio

from bot.context import AppContext
from bot.services.handled import HandledUpdates
from storage.bot_models import HandledUpdate


async def test_copies_of_an_update_checked_at_once_pass_once(ctx: AppContext) -> None:
    # After a restart an id at or below the highest saved is looked up in the database; a copy
    # checked during that look must not pass too.
    async with ctx.sessions() as session, session.begin():
        session.add_all([HandledUpdate(update_id=10), HandledUpdate(update_id=30)])
    handled = HandledUpdates(ctx)
    assert sorted(await asyncio.gather(*(handled.first_time(20) for _ in range(3)))) == [
        False,
        False,
        True,
    ]
    assert await asyncio.gather(handled.first_time(10), handled.first_time(10)) == [False, False]
    assert await asyncio.gather(handled.first_time(31), handled.first_time(31)) == [True, False]
    await handled.flush()
    after_restart = HandledUpdates(ctx)
    assert [await after_restart.first_time(u) for u in (10, 20, 30, 31)] == [False] * 4
