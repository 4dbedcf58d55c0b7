"""Deleting finished bookkeeping after its retention ([retention] in the configuration): push
texts are confidential, and Telegram ids of people who were never bound are nobody's business.

- outbox: rows sent or failed, created before the retention; a pending or sending one never.
- handled_updates: Telegram redelivers an update for at most 24 hours, so old ids only weigh.
- strangers: one refusal per stranger *per retention period* — someone writing again after it
  is refused once more, then ignored again, as the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.states import OutboxState
from storage.bot_models import HandledUpdate, OutboxMessage, Stranger

FINISHED = (OutboxState.SENT, OutboxState.FAILED)


@dataclass(frozen=True)
class Pruned:
    outbox: int
    handled_updates: int
    strangers: int

    @property
    def total(self) -> int:
        return self.outbox + self.handled_updates + self.strangers


async def prune(ctx: AppContext, now: datetime) -> Pruned:
    """Delete what is older than its retention at ``now`` (aware), in one transaction."""
    keep = ctx.config.retention

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    async with ctx.sessions() as session, session.begin():
        return Pruned(
            outbox=await _deleted(
                session,
                delete(OutboxMessage).where(
                    OutboxMessage.state.in_(FINISHED),
                    OutboxMessage.created_at < before(keep.outbox_days),
                ),
            ),
            handled_updates=await _deleted(
                session,
                delete(HandledUpdate).where(
                    HandledUpdate.handled_at < before(keep.handled_updates_days)
                ),
            ),
            strangers=await _deleted(
                session, delete(Stranger).where(Stranger.first_seen < before(keep.strangers_days))
            ),
        )


async def _deleted(session: AsyncSession, statement: Delete) -> int:
    result = cast("CursorResult[Any]", await session.execute(statement))  # a DELETE's result
    return result.rowcount
