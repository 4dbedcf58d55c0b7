"""The outbox as its sender sees it: which rows are due, marking and settling them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.states import OutboxState
from storage.bot_models import OutboxMessage


async def release_sending(session: AsyncSession) -> None:
    """Rows a crash left `sending` are pending again."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.SENDING)
        .values(state=OutboxState.PENDING)
    )


async def due(session: AsyncSession, now: datetime, batch: int) -> list[OutboxMessage]:
    """Up to ``batch`` pending rows due at ``now``, in queue order. A row backing off, or one
    whose outcome is not recorded yet (`sending`), holds the rows queued after it in its chat,
    so the order holds across drains too (a push's text before its map pin)."""
    waiting = (OutboxMessage.state == OutboxState.PENDING) & (OutboxMessage.next_attempt_at > now)
    held = (
        select(OutboxMessage.chat_id, func.min(OutboxMessage.id).label("first"))
        .where(waiting | (OutboxMessage.state == OutboxState.SENDING))
        .group_by(OutboxMessage.chat_id)
        .subquery()
    )
    rows = await session.scalars(
        select(OutboxMessage)
        .outerjoin(held, held.c.chat_id == OutboxMessage.chat_id)
        .where(
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(held.c.first.is_(None), OutboxMessage.id < held.c.first),
        )
        .order_by(OutboxMessage.id)
        .limit(batch)
    )
    return list(rows.all())


async def set_values(session: AsyncSession, row_id: int, values: dict[str, Any]) -> None:
    """Set these columns of one row (its state, attempts, error …)."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


async def fail_chat(session: AsyncSession, chat_id: int, row_id: int, error: str) -> None:
    """Fail this row (now `sending`) and every other still waiting for that chat."""
    this_or_waiting = (OutboxMessage.id == row_id) | (OutboxMessage.state == OutboxState.PENDING)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, this_or_waiting)
        .values(state=OutboxState.FAILED, last_error=error[:500])
    )
