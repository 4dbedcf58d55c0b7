"""Form drafts: one per person and kind, one per assignment; answers by compare-and-set in
SQL; lapsing drafts warned first, then expired. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import draft_store
from storage.database import create_engine, session_factory
from storage.draft_models import FormDraft

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
WANG, LI, ZHAO = 1001, 1002, 1003


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def _open(
    sessions: async_sessionmaker[AsyncSession],
    user: int,
    kind: str = "inspection",
    subject: str = "",
    at: datetime = NOW,
) -> draft_store.Opened:
    async with sessions() as session:
        opened = await draft_store.open_draft(
            session, user, kind, {"items": []}, "checkin", at, subject=subject
        )
        await session.commit()
        return opened


async def test_one_person_holds_an_inspection_a_draw_and_a_recusal_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inspection = await _open(sessions, WANG, "inspection", "17")
    draw = await _open(sessions, WANG, "draw")
    recusal = await _open(sessions, WANG, "recusal")
    assert inspection.created and draw.created and recusal.created
    async with sessions() as session:
        held = await draft_store.of_user(session, WANG)
    assert sorted(d.kind for d in held) == ["draw", "inspection", "recusal"]


async def test_a_second_draft_of_a_kind_returns_the_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await _open(sessions, WANG, "draw")
    again = await _open(sessions, WANG, "draw")
    assert not again.created and not again.held_by_other
    assert again.draft.id == first.draft.id
    other = await _open(sessions, WANG, "inspection", "18")
    blocked = await _open(sessions, WANG, "inspection", "19")
    assert not blocked.created and blocked.draft.id == other.draft.id


async def test_two_people_without_a_subject_each_get_their_own_draft(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert (await _open(sessions, WANG, "draw")).created
    assert (await _open(sessions, LI, "draw")).created


async def test_two_members_opening_one_assignment_at_once_get_one_draft(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    opened = await asyncio.gather(
        _open(sessions, WANG, "inspection", "17"),
        _open(sessions, LI, "inspection", "17"),
        _open(sessions, ZHAO, "inspection", "17"),
    )
    assert sum(o.created for o in opened) == 1
    holder = next(o.draft.user_id for o in opened if o.created)
    for o in opened:
        assert o.draft.user_id == holder
        assert o.held_by_other == (o.caller != holder)
    async with sessions() as session:
        rows = (await session.execute(select(FormDraft.id))).all()
        assert len(rows) == 1
        found = await draft_store.on_subject(session, "inspection", "17")
    assert found is not None and found.user_id == holder


async def test_an_answer_is_written_only_at_the_expected_version(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    draft = (await _open(sessions, WANG)).draft
    later = NOW + timedelta(minutes=3)
    async with sessions() as session:
        version = await draft_store.save_answer(
            session, draft.id, 1, {"checkin": "none", "nested": {"a": [1]}}, "checkin_reason", later
        )
        stale = await draft_store.save_answer(session, draft.id, 1, {"x": 1}, "x", later)
        await session.commit()
    assert version == 2 and stale is None
    async with sessions() as session:
        saved = await draft_store.get(session, draft.id)
    assert saved is not None
    assert saved.data == {"checkin": "none", "nested": {"a": [1]}}
    assert (saved.question, saved.version, saved.updated_at) == ("checkin_reason", 2, later)


async def test_two_concurrent_answers_at_one_version_exactly_one_wins(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    draft = (await _open(sessions, WANG)).draft

    async def answer(value: str) -> int | None:
        async with sessions() as session:
            version = await draft_store.save_answer(
                session, draft.id, 1, {"checkin": value}, "next", NOW
            )
            await asyncio.sleep(0.05)  # hold the transaction open while the other tries
            await session.commit()
            return version

    results = await asyncio.gather(answer("a"), answer("b"))
    assert sorted(results, key=str) == [2, None]
    winner = "a" if results[0] == 2 else "b"
    async with sessions() as session:
        saved = await draft_store.get(session, draft.id)
    assert saved is not None and saved.version == 2 and saved.data == {"checkin": winner}


async def test_a_discarded_draft_is_gone_and_a_stale_discard_does_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    draft = (await _open(sessions, WANG, "inspection", "17")).draft
    async with sessions() as session:
        assert not await draft_store.discard(session, draft.id, expected_version=5)
        assert await draft_store.discard(session, draft.id, expected_version=1)
        await session.commit()
    async with sessions() as session:
        assert await draft_store.get(session, draft.id) is None
        assert await draft_store.save_answer(session, draft.id, 1, {}, "", NOW) is None
    assert (await _open(sessions, LI, "inspection", "17")).created


async def test_a_discarded_drafts_id_is_never_given_to_a_later_draft(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = (await _open(sessions, WANG, "inspection", "17")).draft
    async with sessions() as session:
        assert await draft_store.discard(session, first.id)
        await session.commit()
    second = (await _open(sessions, WANG, "inspection", "18")).draft
    assert second.id > first.id
    assert second.stamp != first.stamp  # both at version 1: the id tells them apart


async def test_a_lapsing_draft_is_warned_first_then_expired(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    warn, expire = timedelta(hours=20), timedelta(hours=24)
    old = (await _open(sessions, WANG, "inspection", "17", at=NOW)).draft
    fresh = (await _open(sessions, LI, "draw", at=NOW + timedelta(hours=10))).draft
    async with sessions() as session:
        early = await draft_store.lapsing(session, NOW + timedelta(hours=19), warn, expire)
        assert (early.warn, early.expire) == ([], [])
        # the bot was down for two days: the old draft is warned, not expired yet
        late = NOW + timedelta(days=2)
        lapsing = await draft_store.lapsing(session, late, warn, expire)
        assert [d.id for d in lapsing.warn] == [old.id, fresh.id] and lapsing.expire == []
        assert await draft_store.mark_warned(session, old, late)
        await session.commit()
    async with sessions() as session:
        soon = await draft_store.lapsing(session, late + timedelta(hours=1), warn, expire)
        assert [d.id for d in soon.warn] == [fresh.id] and soon.expire == []
        after = await draft_store.lapsing(session, late + timedelta(hours=4), warn, expire)
        assert [d.id for d in after.expire] == [old.id]
        assert await draft_store.expire(session, after.expire[0])
        await session.commit()
        assert await draft_store.get(session, old.id) is None


async def test_an_answer_after_the_warning_keeps_the_draft(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    warn, expire = timedelta(hours=20), timedelta(hours=24)
    draft = (await _open(sessions, WANG)).draft
    later = NOW + timedelta(hours=21)
    async with sessions() as session:
        assert await draft_store.mark_warned(session, draft, later)
        assert await draft_store.save_answer(session, draft.id, 1, {}, "x", later) == 2
        await session.commit()
    async with sessions() as session:
        found = await draft_store.lapsing(session, NOW + timedelta(hours=30), warn, expire)
        assert found.warn == [] and found.expire == []
        saved = await draft_store.get(session, draft.id)
        assert saved is not None and saved.warned_at is None  # answering cleared the warning
        assert not await draft_store.mark_warned(session, draft, later)  # a stale warning


async def test_a_touch_restarts_the_idle_time_without_moving_the_version(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A photo is activity, not an answer: the warning is cleared and the draft does not
    expire, while the open question's buttons (its version) stay current."""
    warn, expire = timedelta(hours=20), timedelta(hours=24)
    draft = (await _open(sessions, WANG)).draft
    warned_at, touched_at = NOW + timedelta(hours=21), NOW + timedelta(hours=22)
    async with sessions() as session:
        assert await draft_store.mark_warned(session, draft, warned_at)
        await session.commit()
    async with sessions() as session:
        found = await draft_store.lapsing(session, NOW + timedelta(hours=25), warn, expire)
        assert [d.id for d in found.expire] == [draft.id]
        assert await draft_store.touch(session, draft.id, touched_at)  # after it was found
        assert not await draft_store.expire(session, found.expire[0])
        await session.commit()
    async with sessions() as session:
        kept = await draft_store.get(session, draft.id)
        assert kept is not None
        assert (kept.version, kept.updated_at, kept.warned_at) == (1, touched_at, None)
        later = await draft_store.lapsing(session, touched_at + timedelta(hours=19), warn, expire)
        assert later.warn == [] and later.expire == []
        assert not await draft_store.mark_warned(session, draft, warned_at)  # as first found
        assert not await draft_store.touch(session, draft.id + 1, touched_at)  # no such draft
