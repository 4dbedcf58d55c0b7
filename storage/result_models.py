"""The on-site inspection result as stored: the result, its item answers, the check-in, the
photo evidence and the follow-ups it calls for.

Results, item answers, check-ins and evidence are append-only in the database (triggers refuse
UPDATE and DELETE): what was recorded on site is not changed later. A result returned or
objected to is followed by a new version, a correction after 通过 by an amendment (a version
too); the review chain's steps and the members' confirmations are append-only rows of their
own. Follow-ups are not: they are opened here and closed later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow

EVIDENCE_SOURCES = ("photo", "document")
ITEM_ANSWERS = ("ok", "problem", "not_applicable")
FOLLOW_UP_KINDS = ("rectify", "case", "transfer", "judicial")
FOLLOW_UP_STATES = ("open", "closed")
RESULT_STATES = ("submitted", "objected", "pending_review", "returned", "passed")
VERDICTS = ("confirm", "object")
APPEND_ONLY_TABLES = (
    "evidence",
    "inspection_results",
    "item_results",
    "checkins",
    "result_transitions",
    "result_confirmations",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Evidence(Base):
    """One stored photo or image file of an assignment, by the SHA-256 of its bytes.

    The same bytes twice for one assignment (a retried update, the photo sent again) are one
    row: the unique (assignment_id, sha256) settles two inserts racing.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("assignment_id", "sha256", name="uq_evidence_assignment_sha256"),
        CheckConstraint(_one_of("source", EVIDENCE_SOURCES), name="ck_evidence_source"),
        Index("ix_evidence_file_unique_id", "assignment_id", "telegram_file_unique_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", name="fk_evidence_assignment_id"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    bytes: Mapped[int]
    source: Mapped[str] = mapped_column(String(10))  # photo | document
    media_type: Mapped[str] = mapped_column(String(10))  # jpeg | png | webp | …
    width: Mapped[int]
    height: Mapped[int]
    # EXIF DateTimeOriginal as the camera wrote it: local time, no zone.
    exif_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    exif_latitude: Mapped[float | None]
    exif_longitude: Mapped[float | None]
    note: Mapped[str] = mapped_column(Text, default="")  # the caption
    telegram_file_unique_id: Mapped[str | None] = mapped_column(String(100))
    received_by: Mapped[str] = mapped_column(String(40))  # 执法证号
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InspectionResult(Base):
    """检查结果: one version of an assignment's result, immutable once submitted. Version 1 is
    the first; a later one follows a version returned or objected to (a resubmission) or a
    passed one (an amendment, with its reason). Where a version stands is its last transition
    (ResultTransition); ``state`` is the state it was written in."""

    __tablename__ = "inspection_results"
    __table_args__ = (
        UniqueConstraint(
            "assignment_id", "version", name="uq_inspection_results_assignment_version"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", name="fk_inspection_results_assignment_id")
    )
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    category: Mapped[str] = mapped_column(String(30))
    findings: Mapped[str] = mapped_column(Text, default="")
    submitted_by: Mapped[str] = mapped_column(String(40))  # 执法证号
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_inspection_results_previous_id")
    )
    amendment_reason: Mapped[str] = mapped_column(Text, default="")  # "" unless an amendment
    # The form's answers as submitted: a version sent back opens the submitter's form again
    # with them (None for results written before versions).
    answers: Mapped[dict[str, Any] | None]


class ResultTransition(Base):
    """One step of a result version through the review chain: who moved it, when, from where
    to where, and why (an objection's or a return's reason). Append-only."""

    __tablename__ = "result_transitions"
    __table_args__ = (
        CheckConstraint(_one_of("to_state", RESULT_STATES), name="ck_result_transitions_to"),
        # A version leaves each state once: of two reviewers pressing at once, one moves it.
        UniqueConstraint("result_id", "from_state", name="uq_result_transitions_result_from"),
        Index("ix_result_transitions_result", "result_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_result_transitions_result_id")
    )
    from_state: Mapped[str | None] = mapped_column(String(20))  # None: written
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(60))  # 执法证号, or "system"
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ResultConfirmation(Base):
    """A team member's 确认 or 有异议 on a submitted result version: one each. Append-only."""

    __tablename__ = "result_confirmations"
    __table_args__ = (
        UniqueConstraint("result_id", "cert_no", name="uq_result_confirmations_result_cert_no"),
        CheckConstraint(_one_of("verdict", VERDICTS), name="ck_result_confirmations_verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_result_confirmations_result_id")
    )
    cert_no: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemResult(Base):
    """The answer to one inspection item (随机抽查事项) of a result."""

    __tablename__ = "item_results"
    __table_args__ = (
        UniqueConstraint("result_id", "item_code", name="uq_item_results_result_item"),
        CheckConstraint(_one_of("answer", ITEM_ANSWERS), name="ck_item_results_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_item_results_result_id")
    )
    item_code: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(String(20))  # ok | problem | not_applicable
    note: Mapped[str] = mapped_column(Text, default="")


class Checkin(Base):
    """Where the inspector was when the check began (签到), and how far from the target."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("result_id", name="uq_checkins_result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_checkins_result_id")
    )
    latitude: Mapped[float | None]  # None: 无法定位
    longitude: Mapped[float | None]
    distance_m: Mapped[float | None]  # None: no location, or the target has no coordinates
    flagged: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")  # 无法定位's reason, or "far"
    checked_in_at: Mapped[datetime]  # UTC: when the location (or 无法定位) was sent


class FollowUp(Base):
    """后续处理: 责令整改 (rectify, with a deadline), 立案查处 (case), 移交 (transfer, to an
    agency), 涉嫌犯罪移送司法机关 (judicial)."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(_one_of("kind", FOLLOW_UP_KINDS), name="ck_follow_ups_kind"),
        CheckConstraint(_one_of("state", FOLLOW_UP_STATES), name="ck_follow_ups_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_follow_ups_result_id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[date | None]
    agency: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default="open")
    closed_by: Mapped[str | None] = mapped_column(String(40))  # 执法证号
    closed_at: Mapped[datetime | None]
    close_note: Mapped[str] = mapped_column(Text, default="")


class Publication(Base):
    """一公开 of one passed result version: formed (passed review) on ``formed_on``, to be
    published by ``deadline`` (the 20th working day after; ``provisional`` when the official
    calendar did not know that year yet), published on ``published_on`` (None: not yet)."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("result_id", name="uq_publications_result_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_results.id", name="fk_publications_result_id")
    )
    formed_on: Mapped[date]
    deadline: Mapped[date]
    provisional: Mapped[bool] = mapped_column(default=False)
    published_on: Mapped[date | None]
    published_by: Mapped[str | None] = mapped_column(String(100))


__all__ = [
    "APPEND_ONLY_TABLES",
    "Checkin",
    "Evidence",
    "FollowUp",
    "InspectionResult",
    "ItemResult",
    "Publication",
    "ResultConfirmation",
    "ResultTransition",
]
