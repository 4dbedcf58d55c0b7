"""What the chat forms of one person share (/draw, 申请回避, /import's file): a form started
again replaces his own draft of that kind only, a draft that waited too long has lapsed, and
/cancel drops these three kinds (an inspection draft is evidence: /cancel asks about it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services.identity import Person
from spotcheck.states import FormKind
from storage import draft_store
from storage.draft_store import Draft

CANCELLED_BY_COMMAND = (
    FormKind.DRAW,
    FormKind.RECUSAL,
    FormKind.IMPORT,
    FormKind.OBJECTION,  # 有异议 waiting for its reason
    FormKind.RETURN,  # 退回 waiting for its reason
    FormKind.FOLLOW_UP,  # issue 10: a 办结 half done (its photos stay, as evidence)
    FormKind.AMEND,  # issue 10: 更正 waiting for its reason
)


async def restart(
    session: AsyncSession,
    user_id: int,
    kind: FormKind,
    data: dict[str, Any],
    question: str,
    now: datetime,
) -> Draft:
    """A new draft of this kind for him, replacing the answers of his own of the same kind (a
    second /draw starts over); his drafts of other kinds stay. The version goes on counting,
    so a button of the form started before is stale."""
    opened = await draft_store.open_draft(session, user_id, kind, data, question, now)
    if opened.created:
        return opened.draft
    old = opened.draft
    version = await draft_store.save_answer(session, old.id, old.version, data, question, now)
    if version is None:  # answered at this very moment: start over from what is there now
        return await restart(session, user_id, kind, data, question, now)
    return replace(old, data=data, question=question, version=version, updated_at=now)


async def mine(session: AsyncSession, user_id: int, kind: FormKind) -> Draft | None:
    """His open draft of this kind."""
    drafts = await draft_store.of_user(session, user_id, kind)
    return drafts[0] if drafts else None


def lapsed(draft: Draft, wait_minutes: int, now: datetime) -> bool:
    """Whether the draft waited longer than ``wait_minutes`` since its last answer: the next
    message is then no answer to it."""
    return draft.updated_at + timedelta(minutes=wait_minutes) < now


async def cancel(ctx: AppContext, person: Person) -> bool:
    """/cancel: his /draw, 申请回避, /import and 办结 drafts dropped; whether there was one."""
    async with ctx.sessions() as session, session.begin():
        had = False
        for kind in CANCELLED_BY_COMMAND:
            draft = await mine(session, person.user_id, kind)
            if draft is not None:
                had = await draft_store.discard(session, draft.id) or had
        return had
