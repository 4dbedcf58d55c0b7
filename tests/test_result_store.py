"""Results and evidence in the database, on SQLite and PostgreSQL: one row per photo, one
result per assignment, and rows the database itself refuses to change."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.context import AppContext
from spotcheck.inspection import (
    EvidenceSource,
    FollowUpKind,
    ItemAnswer,
    ResultCategory,
    ResultState,
)
from storage.draw_models import Assignment
from storage.evidence_store import PhotoLimits, inspect_image
from storage.result_models import Checkin, Evidence, FollowUp, InspectionResult, ItemResult
from storage.result_store import (
    CheckinInput,
    ResultExists,
    add_evidence,
    evidence_by_file,
    evidence_of,
    result_of,
    results,
    save_result,
    stored_files,
)
from tests.evidence_images import exif_of, jpeg, png
from tests.factories_results import CHECKED_IN, assignment, result_input

LIMITS = PhotoLimits()
TAKEN = datetime(2026, 11, 3, 9, 30, 5)


async def test_the_same_photo_twice_for_one_assignment_is_one_row(ctx: AppContext) -> None:
    facts = inspect_image(jpeg(exif=exif_of(TAKEN, 38.87, 115.46)), LIMITS)
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        first, created = await add_evidence(
            session,
            task.id,
            facts,
            source=EvidenceSource.DOCUMENT,
            received_by="13060001",
            note="危废间",
            file_unique_id="AgAD1",
        )
        again, created_again = await add_evidence(
            session, task.id, facts, source=EvidenceSource.PHOTO, received_by="13060002"
        )
    assert (created, created_again) == (True, False)
    assert again == first
    async with ctx.sessions() as session:
        listed = await evidence_of(session, task.id)
        assert [e.sha256 for e in listed] == [facts.sha256]
        assert listed[0].exif_time == TAKEN
        assert listed[0].exif_gps == pytest.approx((38.87, 115.46))
        assert (listed[0].source, listed[0].note) == (EvidenceSource.DOCUMENT, "危废间")
        assert await evidence_by_file(session, task.id, "AgAD1") == listed[0]
        assert await evidence_by_file(session, task.id, "other") is None


async def test_the_same_photo_in_two_assignments_is_one_file(ctx: AppContext) -> None:
    facts = inspect_image(png(), LIMITS)
    async with ctx.sessions.begin() as session:
        one, two = await assignment(session, 1), await assignment(session, 2)
        for task in (one, two):
            await add_evidence(
                session, task.id, facts, source=EvidenceSource.PHOTO, received_by="13060001"
            )
    async with ctx.sessions() as session:
        assert len(await evidence_of(session, one.id)) == 1
        assert len(await evidence_of(session, two.id)) == 1
        files = await stored_files(session)
    assert [(f.sha256, f.media_type) for f in files] == [(facts.sha256, "png")]


async def test_an_album_arriving_at_once_is_stored_whole_and_once(ctx: AppContext) -> None:
    """Ten photos, each delivered twice (a retried update), in concurrent transactions."""
    photos = [inspect_image(jpeg((320, 240), seed=s), LIMITS) for s in range(10)]
    async with ctx.sessions.begin() as session:
        task_id = (await assignment(session)).id

    async def receive(index: int) -> bool:
        for attempt in range(20):  # SQLite lets one writer in at a time: wait for the lock
            try:
                async with ctx.sessions.begin() as session:
                    _, created = await add_evidence(
                        session,
                        task_id,
                        photos[index % 10],
                        source=EvidenceSource.PHOTO,
                        received_by="13060001",
                    )
                    return created
            except DBAPIError:
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("never written")

    created = await asyncio.gather(*(receive(i) for i in range(20)))
    assert sum(created) == 10
    async with ctx.sessions() as session:
        listed = await evidence_of(session, task_id)
    assert sorted(e.sha256 for e in listed) == sorted(p.sha256 for p in photos)


async def test_a_result_round_trips_with_everything_recorded(ctx: AppContext) -> None:
    facts = inspect_image(jpeg(exif=exif_of(TAKEN, 38.87, 115.46)), LIMITS)
    async with ctx.sessions.begin() as session:
        task = await assignment(session, quarter="2026Q4", county="130602")
        other = await assignment(session, 7, quarter="2026Q3", county="130681")
        await add_evidence(
            session, task.id, facts, source=EvidenceSource.DOCUMENT, received_by="13060001"
        )
        result_id = await save_result(session, result_input(task.id))
        await save_result(
            session,
            result_input(
                other.id,
                category=ResultCategory.NONE,
                findings="",
                items=(),
                checkin=CheckinInput(None, None, None, True, CHECKED_IN, "地下车间无信号"),
                follow_ups=(),
            ),
        )
    async with ctx.sessions() as session:
        view = await result_of(session, task.id)
        checked_on = await session.scalar(
            select(Assignment.checked_on).where(Assignment.id == task.id)
        )
        everything = await results(session)
        q4 = await results(session, quarter="2026Q4")
        county = await results(session, region="130681")
    assert checked_on == date(2026, 11, 3)
    assert view is not None
    assert (view.id, view.state, view.category) == (
        result_id,
        ResultState.SUBMITTED,
        "problem_rectified",
    )
    assert [(i.item_code, i.answer, i.note) for i in view.items] == [
        ("HB-001", ItemAnswer.OK, ""),
        ("HB-002", ItemAnswer.PROBLEM, "标识缺失"),
        ("HB-003", ItemAnswer.NOT_APPLICABLE, ""),
    ]
    assert view.checkin is not None
    assert (view.checkin.distance_m, view.checkin.flagged) == (152.5, False)
    assert view.checkin.checked_in_at == CHECKED_IN
    assert [(f.kind, f.deadline, f.agency, f.state) for f in view.follow_ups] == [
        (FollowUpKind.RECTIFY, date(2026, 11, 18), None, "open"),
        (FollowUpKind.TRANSFER, None, "保定市应急管理局", "open"),
    ]
    assert [e.sha256 for e in view.evidence] == [facts.sha256]
    assert view.target_name == "保定测试企业1有限公司"
    assert [r.assignment_id for r in everything] == [task.id, other.id]
    assert [r.assignment_id for r in q4] == [task.id]
    assert [r.assignment_id for r in county] == [other.id]
    assert county[0].checkin is not None and county[0].checkin.latitude is None
    document = view.to_json_dict()
    assert document["checkin"] == {
        "lat": 38.8712,
        "lon": 115.4633,
        "distance_m": 152.5,
        "flagged": False,
        "reason": "",
        "checked_in_at": "2026-11-03T01:30:00+00:00",
    }
    assert document["evidence"][0]["exif_gps"] == [38.87, 115.46]
    assert document["evidence"][0]["source"] == "document"


async def test_a_second_result_for_an_assignment_is_refused(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        await save_result(session, result_input(task.id))
        with pytest.raises(ResultExists):
            await save_result(session, result_input(task.id, submitted_by="13060002"))
        # The refusal rolled back only its own savepoint: the first result stands.
    async with ctx.sessions() as session:
        found = await results(session)
    assert [r.submitted_by for r in found] == ["13060001"]


@pytest.mark.parametrize(
    "table", [Evidence, InspectionResult, ItemResult, Checkin], ids=lambda t: t.__tablename__
)
async def test_recorded_rows_cannot_be_changed_or_deleted(ctx: AppContext, table: type) -> None:
    facts = inspect_image(jpeg(), LIMITS)
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        await add_evidence(
            session, task.id, facts, source=EvidenceSource.PHOTO, received_by="13060001"
        )
        await save_result(session, result_input(task.id))
    for statement in (update(table).values(id=table.id), delete(table)):
        with pytest.raises((DBAPIError, IntegrityError)) as refused:
            async with ctx.sessions.begin() as session:
                await session.execute(statement)
        assert "append-only" in str(refused.value)


async def test_follow_ups_can_be_closed(ctx: AppContext) -> None:
    """Follow-ups are the one table a later issue changes (an open rectification is closed)."""
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        await save_result(session, result_input(task.id))
    async with ctx.sessions.begin() as session:
        await session.execute(update(FollowUp).values(state="closed"))
    async with ctx.sessions() as session:
        states = (await session.scalars(select(FollowUp.state))).all()
    assert states == ["closed", "closed"]


async def test_the_database_refuses_an_unknown_answer(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        result_id = await save_result(session, result_input(task.id, items=()))
    with pytest.raises(IntegrityError):
        async with ctx.sessions.begin() as session:
            await session.execute(
                text(
                    "INSERT INTO item_results (result_id, item_code, answer, note) "
                    "VALUES (:r, 'X', 'maybe', '')"
                ),
                {"r": result_id},
            )
