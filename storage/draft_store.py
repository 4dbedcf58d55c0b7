"""The drafts of chat forms: opened once (race-safe), answered by compare-and-set in SQL,
discarded, and found when they lapse (a warning first, then expiry).

The functions do not commit: the caller commits with the change the answer belongs to (an
outbox message, the next question's state), so an answer is written before the next question
is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.draft_models import FormDraft
from storage.models import as_utc


@dataclass(frozen=True)
class Stamp:
    """Which draft, at which version, a button was made for. Draft ids are never reused (the
    table is AUTOINCREMENT on SQLite; PostgreSQL's sequence never goes back), so a button of a
    discarded draft matches no later draft, even one at the same version."""

    draft: int
    version: int


@dataclass(frozen=True)
class Draft:
    id: int
    user_id: int
    kind: str
    subject: str
    data: dict[str, Any]
    question: str
    version: int
    updated_at: datetime
    warned_at: datetime | None

    @property
    def stamp(self) -> Stamp:
        return Stamp(self.id, self.version)


@dataclass(frozen=True)
class Opened:
    """The draft opened (``created``), or the one that stood in the way: the caller's own
    draft of this kind, or another person's draft of the same subject (``held_by_other``:
    ``draft.user_id`` is filling it)."""

    draft: Draft
    created: bool
    caller: int

    @property
    def held_by_other(self) -> bool:
        return self.draft.user_id != self.caller


@dataclass(frozen=True)
class Lapsing:
    warn: list[Draft]  # idle past warn_after and not warned yet
    expire: list[Draft]  # idle past expire_after and warned (a warning always comes first)


_COLUMNS = (
    FormDraft.id,
    FormDraft.user_id,
    FormDraft.kind,
    FormDraft.subject,
    FormDraft.data,
    FormDraft.question,
    FormDraft.version,
    FormDraft.updated_at,
    FormDraft.warned_at,
)


def _draft(row: Any) -> Draft:
    return Draft(
        row[0],
        row[1],
        row[2],
        row[3],
        dict(row[4]),
        row[5],
        row[6],
        as_utc(row[7]),
        as_utc(row[8]) if row[8] is not None else None,
    )


def _select() -> Select[Any]:
    return select(*_COLUMNS)


async def open_draft(
    session: AsyncSession,
    user_id: int,
    kind: str,
    data: dict[str, Any],
    question: str,
    now: datetime,
    subject: str = "",
) -> Opened:
    """A new draft; or, when the unique keys stand in the way, the draft that holds them: the
    caller's own draft of this kind, else (for a subject) the other person's. Two people
    opening at once get one draft: the insert does nothing on a conflict, and the row that
    won is read back."""
    values = {
        "user_id": user_id,
        "kind": kind,
        "subject": subject,
        "data": data,
        "question": question,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(FormDraft).values(values).on_conflict_do_nothing().returning(FormDraft.id)
    inserted = (await session.execute(statement)).scalar_one_or_none()
    if inserted is not None:
        draft = await get(session, inserted)
        assert draft is not None
        return Opened(draft, True, user_id)
    holder = await holding(session, user_id, kind, subject)
    if holder is None:  # the winner was discarded in between: try once more
        return await open_draft(session, user_id, kind, data, question, now, subject)
    return Opened(holder, False, user_id)


async def holding(
    session: AsyncSession, user_id: int, kind: str, subject: str = ""
) -> Draft | None:
    """The draft that keeps ``user_id`` from opening a ``kind`` draft on ``subject``: his own
    of that kind first, else the one on that subject."""
    mine = (
        await session.execute(_select().where(FormDraft.user_id == user_id, FormDraft.kind == kind))
    ).first()
    if mine is not None:
        return _draft(mine)
    if not subject:
        return None
    theirs = (
        await session.execute(_select().where(FormDraft.kind == kind, FormDraft.subject == subject))
    ).first()
    return _draft(theirs) if theirs is not None else None


async def get(session: AsyncSession, draft_id: int) -> Draft | None:
    row = (await session.execute(_select().where(FormDraft.id == draft_id))).first()
    return _draft(row) if row is not None else None


async def of_user(session: AsyncSession, user_id: int, kind: str | None = None) -> list[Draft]:
    """The user's open drafts (for /resume), the most recently answered first."""
    query = _select().where(FormDraft.user_id == user_id)
    if kind is not None:
        query = query.where(FormDraft.kind == kind)
    rows = await session.execute(query.order_by(FormDraft.updated_at.desc(), FormDraft.id))
    return [_draft(row) for row in rows]


async def on_subject(session: AsyncSession, kind: str, subject: str) -> Draft | None:
    """The draft of this subject (an assignment's inspection), whoever holds it."""
    row = (
        await session.execute(_select().where(FormDraft.kind == kind, FormDraft.subject == subject))
    ).first()
    return _draft(row) if row is not None else None


SAVE_ANSWER = (
    update(FormDraft)
    .where(FormDraft.id == bindparam("draft_id"), FormDraft.version == bindparam("expected"))
    .values(
        data=bindparam("answers", type_=FormDraft.__table__.c.data.type),
        question=bindparam("open_question"),
        version=FormDraft.version + 1,
        updated_at=bindparam("now", type_=FormDraft.__table__.c.updated_at.type),
        warned_at=None,
    )
    .execution_options(synchronize_session=False)
)
"""An answer's compare-and-set (bind them with :func:`answer_params`), built once: the hot
path runs it on ``ctx.point_writes`` where it can, else through a session."""


def answer_params(
    draft_id: int, expected_version: int, data: dict[str, Any], question: str, now: datetime
) -> dict[str, Any]:
    return {
        "draft_id": draft_id,
        "expected": expected_version,
        "answers": data,
        "open_question": question,
        "now": now,
    }


async def save_answer(
    session: AsyncSession,
    draft_id: int,
    expected_version: int,
    data: dict[str, Any],
    question: str,
    now: datetime,
) -> int | None:
    """The answers written if the draft is still at ``expected_version`` (compare-and-set in
    one UPDATE); the new version, or None when it moved on (a stale button, a second tap, an
    update handled twice) or is gone. Answering clears the expiry warning."""
    params = answer_params(draft_id, expected_version, data, question, now)
    result = await session.execute(SAVE_ANSWER, params)
    return expected_version + 1 if result.rowcount == 1 else None  # type: ignore[attr-defined]


async def discard(
    session: AsyncSession, draft_id: int, expected_version: int | None = None
) -> bool:
    """The draft deleted (only at ``expected_version`` when given); whether it was."""
    statement = delete(FormDraft).where(FormDraft.id == draft_id)
    if expected_version is not None:
        statement = statement.where(FormDraft.version == expected_version)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def lapsing(
    session: AsyncSession,
    now: datetime,
    warn_after: timedelta,
    expire_after: timedelta,
    kinds: tuple[str, ...] | None = None,
) -> Lapsing:
    """Drafts idle long enough to warn their holders (not warned yet), and drafts to expire:
    idle past ``expire_after`` and warned at least ``expire_after - warn_after`` ago, so a
    draft that lapsed while the bot was down is warned first and expired later."""
    grace = max(expire_after - warn_after, timedelta(0))
    query = _select().where(
        or_(
            and_(FormDraft.warned_at.is_(None), FormDraft.updated_at <= now - warn_after),
            and_(
                FormDraft.warned_at.is_not(None),
                FormDraft.updated_at <= now - expire_after,
                FormDraft.warned_at <= now - grace,
            ),
        )
    )
    if kinds is not None:
        query = query.where(FormDraft.kind.in_(kinds))
    found = [_draft(row) for row in await session.execute(query.order_by(FormDraft.id))]
    return Lapsing(
        [d for d in found if d.warned_at is None], [d for d in found if d.warned_at is not None]
    )


async def mark_warned(session: AsyncSession, draft: Draft, now: datetime) -> bool:
    """The warning recorded, unless the draft was answered or touched since it was found."""
    result = await session.execute(
        update(FormDraft)
        .where(_untouched(draft))
        .values(warned_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def expire(session: AsyncSession, draft: Draft) -> bool:
    """The lapsed draft deleted, unless it was answered or touched since it was found."""
    result = await session.execute(
        delete(FormDraft).where(_untouched(draft)).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _untouched(draft: Draft) -> ColumnElement[bool]:
    """The draft as it was found: not answered (its version) nor touched (its idle time) since."""
    return and_(
        FormDraft.id == draft.id,
        FormDraft.version == draft.version,
        FormDraft.updated_at <= draft.updated_at,
    )


async def touch(session: AsyncSession, draft_id: int, now: datetime) -> bool:
    """Activity that is no answer (a photo received): the draft's idle time starts again and
    its expiry warning is cleared, its version unchanged (the other photos of an album, and the
    open question's buttons, stay current). Whether the draft is still there."""
    result = await session.execute(
        update(FormDraft)
        .where(FormDraft.id == draft_id)
        .values(updated_at=now, warned_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


# --- issue 15: inspection flow ---

HELD = _select().where(
    FormDraft.user_id == bindparam("user_id"), FormDraft.kind == bindparam("kind")
)
"""A user's draft of one kind (bind ``user_id``, ``kind``), built once for the point reads of
the hot path (``ctx.point_reads``): each answer reads it, then writes by compare-and-set."""


def from_row(row: Any) -> Draft:
    """A draft from a row of :data:`HELD`."""
    return _draft(row)
