"""Inspection results and their evidence in the database: add a photo, submit a result, list
the results (`shuangsuiji results`), and the files `evidence verify` re-hashes.

The caller owns the transaction (the session's `begin()`); each function here writes inside
it, and a refused write (a second result for an assignment) rolls back only its savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.inspection import (
    EvidenceSource,
    FollowUpKind,
    ItemAnswer,
    ResultCategory,
    ResultState,
)
from spotcheck.review import REOPENED, may_follow
from storage import review_store
from storage.draw_models import Assignment
from storage.evidence_store import ImageFacts, StoredFile
from storage.models import Target, as_utc, utcnow
from storage.result_models import Checkin, Evidence, FollowUp, InspectionResult, ItemResult


class ResultExists(Exception):
    """The assignment already has a result in force: a new version follows only one that was
    objected to or returned (a resubmission), or a passed one (an amendment)."""

    def __init__(self, assignment_id: int) -> None:
        super().__init__(f"assignment {assignment_id} already has a result")
        self.assignment_id = assignment_id


# --- evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredEvidence:
    id: int
    assignment_id: int
    sha256: str
    bytes: int
    source: EvidenceSource
    media_type: str
    width: int
    height: int
    exif_time: datetime | None  # the camera's local time, naive
    exif_gps: tuple[float, float] | None  # (latitude, longitude)
    note: str
    received_by: str
    received_at: datetime

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "bytes": self.bytes,
            "source": self.source.value,
            "media_type": self.media_type,
            "width": self.width,
            "height": self.height,
            "exif_time": self.exif_time.isoformat() if self.exif_time else None,
            "exif_gps": list(self.exif_gps) if self.exif_gps else None,
            "note": self.note,
            "received_by": self.received_by,
            "received_at": self.received_at.isoformat(),
        }


def _stored(row: Evidence) -> StoredEvidence:
    gps = (
        (row.exif_latitude, row.exif_longitude)
        if row.exif_latitude is not None and row.exif_longitude is not None
        else None
    )
    return StoredEvidence(
        id=row.id,
        assignment_id=row.assignment_id,
        sha256=row.sha256,
        bytes=row.bytes,
        source=EvidenceSource(row.source),
        media_type=row.media_type,
        width=row.width,
        height=row.height,
        exif_time=row.exif_time,
        exif_gps=gps,
        note=row.note,
        received_by=row.received_by,
        received_at=as_utc(row.received_at),
    )


async def add_evidence(
    session: AsyncSession,
    assignment_id: int,
    facts: ImageFacts,
    *,
    source: EvidenceSource,
    received_by: str,
    note: str = "",
    file_unique_id: str | None = None,
    now: datetime | None = None,
) -> tuple[StoredEvidence, bool]:
    """Record a stored image for an assignment; (the row, True) when new, or (the row already
    there for the same bytes, False). Two inserts racing (an album's updates, a retried one)
    leave one row: INSERT … ON CONFLICT DO NOTHING, then read back."""
    values = {
        "assignment_id": assignment_id,
        "sha256": facts.sha256,
        "bytes": facts.bytes,
        "source": source.value,
        "media_type": facts.media_type,
        "width": facts.width,
        "height": facts.height,
        "exif_time": facts.exif_time,
        "exif_latitude": facts.exif_latitude,
        "exif_longitude": facts.exif_longitude,
        "note": note,
        "telegram_file_unique_id": file_unique_id,
        "received_by": received_by,
        "received_at": now or utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Evidence)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["assignment_id", "sha256"])
    )
    done = await session.execute(statement)
    created = bool(getattr(done, "rowcount", 0))
    row = await session.scalar(
        select(Evidence).where(
            Evidence.assignment_id == assignment_id, Evidence.sha256 == facts.sha256
        )
    )
    if row is None:  # pragma: no cover - the insert or the conflicting row is there
        raise RuntimeError("evidence row vanished")
    return _stored(row), created


async def evidence_by_file(
    session: AsyncSession, assignment_id: int, file_unique_id: str
) -> StoredEvidence | None:
    """The evidence already received from this Telegram file (a retried update): no need to
    download it again."""
    row = await session.scalar(
        select(Evidence)
        .where(
            Evidence.assignment_id == assignment_id,
            Evidence.telegram_file_unique_id == file_unique_id,
        )
        .limit(1)
    )
    return _stored(row) if row is not None else None


async def evidence_of(session: AsyncSession, assignment_id: int) -> list[StoredEvidence]:
    """An assignment's evidence in the order it arrived, each file once."""
    rows = await session.scalars(
        select(Evidence).where(Evidence.assignment_id == assignment_id).order_by(Evidence.id)
    )
    return [_stored(row) for row in rows]


async def stored_files(session: AsyncSession) -> list[StoredFile]:
    """Every file the evidence table names (a photo in two assignments is one file)."""
    rows = await session.execute(select(Evidence.sha256, Evidence.media_type).distinct())
    return [StoredFile(sha256, media_type) for sha256, media_type in rows]


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    item_code: str
    answer: ItemAnswer
    note: str = ""


@dataclass(frozen=True)
class CheckinInput:
    latitude: float | None  # None with longitude: 无法定位
    longitude: float | None
    distance_m: float | None  # None: no location, or the target has no coordinates
    flagged: bool
    checked_in_at: datetime  # when the location (or 无法定位) was sent
    reason: str = ""  # 无法定位's reason, or "far"


@dataclass(frozen=True)
class FollowUpInput:
    kind: FollowUpKind
    deadline: date | None = None  # 责令整改's
    agency: str | None = None  # 移交's


@dataclass(frozen=True)
class ResultInput:
    assignment_id: int
    category: ResultCategory
    findings: str
    items: tuple[ItemInput, ...]
    checkin: CheckinInput
    submitted_by: str  # 执法证号
    checked_on: date  # the local day of the check: Assignment.checked_on
    follow_ups: tuple[FollowUpInput, ...] = ()
    submitted_at: datetime | None = None
    answers: dict[str, Any] | None = None  # the form's, to open it again if sent back
    amendment_reason: str = ""  # set: an amendment of a passed version


async def save_result(session: AsyncSession, data: ResultInput) -> int:
    """Write a result version with its items, check-in and follow-ups, and its first step
    (已提交), and set the assignment's `checked_on`; the new version's id. The first version,
    or one after a version objected to or returned, or (with an amendment reason) after a
    passed one; else ResultExists (the unique key decides two members submitting at once)."""
    latest = await review_store.latest_version(session, data.assignment_id)
    amendment = bool(data.amendment_reason)
    if not may_follow(latest.state if latest else None, amendment):
        raise ResultExists(data.assignment_id)
    at = data.submitted_at or utcnow()
    result = InspectionResult(
        assignment_id=data.assignment_id,
        state=ResultState.SUBMITTED.value,
        category=data.category.value,
        findings=data.findings,
        submitted_by=data.submitted_by,
        submitted_at=at,
        version=latest.version + 1 if latest else 1,
        previous_id=latest.result_id if latest else None,
        amendment_reason=data.amendment_reason,
        answers=data.answers,
    )
    try:
        async with session.begin_nested():
            session.add(result)
            await session.flush()
    except IntegrityError:
        raise ResultExists(data.assignment_id) from None
    await review_store.begin(session, result.id, data.submitted_by, at)
    session.add_all(
        ItemResult(result_id=result.id, item_code=i.item_code, answer=i.answer.value, note=i.note)
        for i in data.items
    )
    c = data.checkin
    session.add(
        Checkin(
            result_id=result.id,
            latitude=c.latitude,
            longitude=c.longitude,
            distance_m=c.distance_m,
            flagged=c.flagged,
            checked_in_at=c.checked_in_at,
            reason=c.reason,
        )
    )
    session.add_all(
        FollowUp(result_id=result.id, kind=f.kind.value, deadline=f.deadline, agency=f.agency)
        for f in data.follow_ups
    )
    await session.execute(
        update(Assignment)
        .where(Assignment.id == data.assignment_id)
        .values(checked_on=data.checked_on)
    )
    await session.flush()
    return result.id


@dataclass(frozen=True)
class ItemView:
    item_code: str
    answer: ItemAnswer
    note: str


@dataclass(frozen=True)
class CheckinView:
    latitude: float | None
    longitude: float | None
    distance_m: float | None
    flagged: bool
    reason: str
    checked_in_at: datetime  # UTC


@dataclass(frozen=True)
class FollowUpView:
    id: int
    kind: FollowUpKind
    deadline: date | None
    agency: str | None
    state: str
    # --- issue 10: follow-ups closed in chat ---
    closed_by: str | None = None  # 执法证号
    closed_at: datetime | None = None  # UTC
    close_note: str = ""


@dataclass(frozen=True)
class ResultView:
    """One result as `shuangsuiji results` prints it, and the result card shows it."""

    id: int
    assignment_id: int
    quarter: str
    credit_code: str
    target_name: str
    region_code: str
    state: ResultState
    category: ResultCategory
    findings: str
    items: tuple[ItemView, ...]
    checkin: CheckinView | None
    evidence: tuple[StoredEvidence, ...]
    follow_ups: tuple[FollowUpView, ...]
    submitted_by: str
    submitted_at: datetime
    checked_on: date | None
    version: int = 1
    previous_id: int | None = None  # the version this one follows
    amendment_reason: str = ""
    steps: tuple[review_store.Step, ...] = ()
    verdicts: tuple[review_store.MemberVerdict, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        c = self.checkin
        return {
            "result_id": self.id,
            "version": self.version,
            "previous_result_id": self.previous_id,
            "amendment_reason": self.amendment_reason,
            "assignment_id": self.assignment_id,
            "quarter": self.quarter,
            "credit_code": self.credit_code,
            "target_name": self.target_name,
            "region_code": self.region_code,
            "state": self.state.value,
            "category": self.category,
            "items": [
                {"item_code": i.item_code, "answer": i.answer.value, "note": i.note}
                for i in self.items
            ],
            "findings": self.findings,
            "checkin": None
            if c is None
            else {
                "lat": c.latitude,
                "lon": c.longitude,
                "distance_m": c.distance_m,
                "flagged": c.flagged,
                "reason": c.reason,
                "checked_in_at": c.checked_in_at.isoformat(),
            },
            "evidence": [e.to_json_dict() for e in self.evidence],
            "follow_ups": [
                {
                    "kind": f.kind.value,
                    "deadline": f.deadline.isoformat() if f.deadline else None,
                    "agency": f.agency,
                    "state": f.state,
                    "closed_by": f.closed_by,
                    "closed_at": f.closed_at.isoformat() if f.closed_at else None,
                    "close_note": f.close_note,
                }
                for f in self.follow_ups
            ],
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat(),
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
            "confirmations": [
                {"cert_no": v.cert_no, "verdict": v.verdict.value, "reason": v.reason}
                for v in self.verdicts
            ],
            "transitions": [
                {
                    "from": s.from_state.value if s.from_state else None,
                    "to": s.to_state.value,
                    "by": s.actor,
                    "reason": s.reason,
                    "at": s.at.isoformat(),
                }
                for s in self.steps
            ],
        }


# A result, its assignment, and the target's name and county (None when the target is gone).
# (A string: SQLAlchemy 2.0's Select takes one type argument at run time, 2.1's several.)
_ResultRows: TypeAlias = "Select[InspectionResult, Assignment, str, str]"


def _results_query(
    quarter: str | None, region: str | None, assignment_ids: list[int] | None = None
) -> _ResultRows:
    query: _ResultRows = (
        select(InspectionResult, Assignment, Target.name, Target.region_code)
        .join(Assignment, Assignment.id == InspectionResult.assignment_id)
        .outerjoin(Target, Target.credit_code == Assignment.credit_code)
        .order_by(InspectionResult.id)
    )
    if quarter is not None:
        query = query.where(Assignment.quarter == quarter)
    if region is not None:
        query = query.where(Target.region_code == region)
    if assignment_ids is not None:
        query = query.where(InspectionResult.assignment_id.in_(assignment_ids))
    return query


async def results(
    session: AsyncSession, quarter: str | None = None, region: str | None = None
) -> list[ResultView]:
    """Every result (of QUARTER, of targets in county REGION), oldest first, with everything
    recorded for it."""
    return await _views(session, _results_query(quarter, region))


async def _views(session: AsyncSession, query: _ResultRows) -> list[ResultView]:
    found = (await session.execute(query)).all()
    if not found:
        return []
    result_ids = [row[0].id for row in found]
    assignment_ids = [row[1].id for row in found]
    items: dict[int, list[ItemView]] = {}
    for item in await session.scalars(
        select(ItemResult).where(ItemResult.result_id.in_(result_ids)).order_by(ItemResult.id)
    ):
        items.setdefault(item.result_id, []).append(
            ItemView(item.item_code, ItemAnswer(item.answer), item.note)
        )
    checkins = {
        c.result_id: CheckinView(
            c.latitude, c.longitude, c.distance_m, c.flagged, c.reason, as_utc(c.checked_in_at)
        )
        for c in await session.scalars(select(Checkin).where(Checkin.result_id.in_(result_ids)))
    }
    follow_ups: dict[int, list[FollowUpView]] = {}
    for f in await session.scalars(
        select(FollowUp).where(FollowUp.result_id.in_(result_ids)).order_by(FollowUp.id)
    ):
        follow_ups.setdefault(f.result_id, []).append(
            FollowUpView(
                f.id,
                FollowUpKind(f.kind),
                f.deadline,
                f.agency,
                f.state,
                f.closed_by,
                as_utc(f.closed_at) if f.closed_at else None,
                f.close_note,
            )
        )
    evidence: dict[int, list[StoredEvidence]] = {}
    for e in await session.scalars(
        select(Evidence).where(Evidence.assignment_id.in_(assignment_ids)).order_by(Evidence.id)
    ):
        evidence.setdefault(e.assignment_id, []).append(_stored(e))
    # Where a version stands is its last step: read with the steps, not once more.
    steps = await review_store.steps_of(session, result_ids)
    verdicts = await review_store.verdicts_of(session, result_ids)
    views = []
    for result, assignment, target_name, region_code in found:
        views.append(
            ResultView(
                id=result.id,
                assignment_id=assignment.id,
                quarter=assignment.quarter,
                credit_code=assignment.credit_code,
                target_name=target_name or "",
                region_code=region_code or "",
                state=steps[result.id][-1].to_state
                if steps[result.id]
                else ResultState(result.state),
                category=ResultCategory(result.category),
                findings=result.findings,
                items=tuple(items.get(result.id, ())),
                checkin=checkins.get(result.id),
                evidence=tuple(evidence.get(assignment.id, ())),
                follow_ups=tuple(follow_ups.get(result.id, ())),
                submitted_by=result.submitted_by,
                submitted_at=as_utc(result.submitted_at),
                checked_on=assignment.checked_on,
                version=result.version,
                previous_id=result.previous_id,
                amendment_reason=result.amendment_reason,
                steps=tuple(steps[result.id]),
                verdicts=tuple(verdicts[result.id]),
            )
        )
    return views


async def result_of(session: AsyncSession, assignment_id: int) -> ResultView | None:
    """The assignment's latest result version, if one was submitted (the result card)."""
    found = await results_for(session, [assignment_id])
    return max(found, key=lambda v: v.version) if found else None


async def results_for(session: AsyncSession, assignment_ids: list[int]) -> list[ResultView]:
    """The results of these assignments (those that have one)."""
    return await _views(session, _results_query(None, None, assignment_ids))


# --- issue 15: inspection flow ---


async def with_results(session: AsyncSession, assignment_ids: list[int]) -> set[int]:
    """Those of these assignments with a result in force (not to be filled again): their
    latest version was not objected to or returned."""
    if not assignment_ids:
        return set()
    rows = (
        await session.execute(
            select(InspectionResult.assignment_id, InspectionResult.id)
            .where(InspectionResult.assignment_id.in_(assignment_ids))
            .order_by(InspectionResult.version)
        )
    ).all()
    latest = {assignment_id: result_id for assignment_id, result_id in rows}
    states = await review_store.states_of(session, latest.values())
    return {a for a, r in latest.items() if states.get(r) not in REOPENED}
