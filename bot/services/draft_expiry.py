"""Abandoned form drafts lapse: a warning first, then expiry (the schedule runs this every few
minutes, and once at start).

An inspection draft idle for ``[inspection] draft_warning_hours`` gets its holder one warning
through the outbox (answering clears it, and the clock starts again); one idle for
``draft_expiry_hours`` and warned at least the difference ago is discarded and its holder told.
The photos it received stay: they were stored as the assignment's evidence as they arrived, and
a new draft of the same assignment lists them again. A draft that lapsed while the bot was down
is warned at the catch-up and expires only after the grace (draft_store.lapsing).

Drafts of the other forms (/draw, 申请回避, /import) are a few taps long and hold nothing that
cannot be typed again: they lapse after the same hours silently (marked at the warning time,
deleted at expiry), and a button of theirs then meets a draft that is gone (the callback is
refused as stale). A recusal also keeps its own shorter rule: its reason is not taken after
``[limits] recusal_wait_minutes``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services import outbox
from bot.texts import texts_for
from spotcheck.states import FormKind
from storage import account_store, assignment_store, draft_store, result_store
from storage.draft_store import Draft

log = logging.getLogger(__name__)

SWEEP_MINUTES = 5  # how often the schedule looks for lapsing drafts


async def lapse_drafts(ctx: AppContext, now: datetime) -> int:
    """Warn and expire what is due now; the number of messages queued."""
    hours = ctx.config.inspection
    async with ctx.sessions() as session:
        due = await draft_store.lapsing(
            session,
            now,
            warn_after=timedelta(hours=hours.draft_warning_hours),
            expire_after=timedelta(hours=hours.draft_expiry_hours),
        )
    grace = timedelta(hours=hours.draft_expiry_hours - hours.draft_warning_hours)
    queued = 0
    for draft in due.warn:
        async with ctx.sessions() as session, session.begin():
            if await draft_store.mark_warned(session, draft, now):
                expires = max(
                    draft.updated_at + timedelta(hours=hours.draft_expiry_hours), now + grace
                )
                queued += await _warn(session, ctx, draft, now, expires)
    for draft in due.expire:
        async with ctx.sessions() as session, session.begin():
            if await draft_store.expire(session, draft):
                log.info("draft %s (%s %s) expired", draft.id, draft.kind, draft.subject)
                queued += await _tell_expired(session, draft, now)
    return queued


async def _holder(session: AsyncSession, draft: Draft) -> tuple[int, str] | None:
    """(chat, language) of the draft's holder when he is to be told: inspection drafts only."""
    if draft.kind != FormKind.INSPECTION:
        return None
    account = await account_store.account_by_user(session, draft.user_id)
    if account is None or not account.reachable:
        return None
    return account.chat_id, account.language


def _assignment_id(draft: Draft) -> int | None:
    """The assignment an inspection draft is of: its subject is the id."""
    return int(draft.subject) if draft.subject.isdigit() else None


async def _target_name(session: AsyncSession, draft: Draft) -> str:
    found = _assignment_id(draft)
    assignment = await assignment_store.get(session, found) if found is not None else None
    if assignment is None:
        return draft.subject
    return await assignment_store.target_name(session, assignment.credit_code)


def _idle_hours(draft: Draft, now: datetime) -> int:
    return int((now - draft.updated_at).total_seconds() // 3600)


async def _warn(
    session: AsyncSession, ctx: AppContext, draft: Draft, now: datetime, expires: datetime
) -> int:
    holder = await _holder(session, draft)
    if holder is None:
        return 0
    chat_id, language = holder
    local = expires.astimezone(ctx.config.timezone)
    text = texts_for(language).draft_warning(
        await _target_name(session, draft), _idle_hours(draft, now), f"{local:%Y-%m-%d %H:%M}"
    )
    session.add(outbox.message(chat_id, text))
    return 1


async def _tell_expired(session: AsyncSession, draft: Draft, now: datetime) -> int:
    holder = await _holder(session, draft)
    if holder is None:
        return 0
    chat_id, language = holder
    found = _assignment_id(draft)
    photos = len(await result_store.evidence_of(session, found)) if found is not None else 0
    text = texts_for(language).draft_expired(
        await _target_name(session, draft), _idle_hours(draft, now), photos
    )
    session.add(outbox.message(chat_id, text))
    return 1
