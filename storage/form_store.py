"""Chat forms kept in the database, one per user: a restart mid-form loses nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.states import FormKind
from storage.bot_models import ChatForm
from storage.models import as_utc, utcnow


async def get(session: AsyncSession, user_id: int) -> ChatForm | None:
    return await session.get(ChatForm, user_id)


async def put(
    session: AsyncSession, user_id: int, kind: FormKind, data: dict[str, Any]
) -> ChatForm:
    """Start a form (replacing any other of this user's) or move it one step on."""
    form = await session.get(ChatForm, user_id)
    if form is None or form.kind != kind:
        if form is not None:
            await session.delete(form)
            await session.flush()
        form = ChatForm(user_id=user_id, kind=kind, data=data, version=1)
        session.add(form)
    else:
        form.data = data
        form.version += 1
        form.updated_at = utcnow()
    await session.flush()
    return form


def lapsed(form: ChatForm, wait_minutes: int, now: datetime | None = None) -> bool:
    """Whether the form waited longer than ``wait_minutes`` since its last step: the next
    message is then no answer to it."""
    return as_utc(form.updated_at) + timedelta(minutes=wait_minutes) < (now or utcnow())


async def clear(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(ChatForm).where(ChatForm.user_id == user_id))
