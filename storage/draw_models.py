"""Draws as stored: plans, immutable records, assignments and their teams, commitments, 回避.

A DrawRecord row is written once and never changed (triggers refuse UPDATE and DELETE): its
body is the canonical JSON the draw computed, and its hash. What changes afterwards — who is on
a team, an assignment's state — lives in the assignment tables, and every such change comes
with a new record that names the one it amends.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.quota import TaskKind
from spotcheck.states import AssignmentState, ConflictSource, MemberState, PersonKind, RecordKind
from storage.checks import one_of
from storage.models import Base, utcnow


class DrawPlan(Base):
    """One plan (quarter, level, region, class, filters) and the record now in force for it.

    The unique plan key makes a second draw of the same plan impossible without amending the
    current record: the database, not a check in Python, settles two admins confirming at once.
    """

    __tablename__ = "draw_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_key: Mapped[str] = mapped_column(String(64), unique=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    level: Mapped[str] = mapped_column(String(10))
    region: Mapped[str | None] = mapped_column(String(6))
    supervision_class: Mapped[str | None] = mapped_column(String(10))
    current_record_id: Mapped[int | None]


class DrawRecord(Base):
    __tablename__ = "draw_records"
    __table_args__ = (one_of("draw_records", "kind", RecordKind),)  # PostgreSQL only: 0008

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("draw_plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # RecordKind
    amends: Mapped[int | None] = mapped_column(ForeignKey("draw_records.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON, as computed
    parameters: Mapped[dict[str, Any] | None]  # the body's parameters, to read without the body
    body_sha256: Mapped[str] = mapped_column(String(64))


class DrawCommitment(Base):
    """Server entropy committed to before a draw: its SHA-256 is published, the entropy kept
    secret until the draw reveals it. Used once."""

    __tablename__ = "draw_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    entropy_hex: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64), unique=True)
    used_by_record_id: Mapped[int | None] = mapped_column(ForeignKey("draw_records.id"))


class Assignment(Base):
    """One task of a draw: a target to check on site (or monitor off site) this quarter."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignment_quarter_target", "quarter", "credit_code"),
        # PostgreSQL only (see migration 0008): other tables' foreign keys point here.
        one_of("assignments", "state", AssignmentState),
        one_of("assignments", "kind", TaskKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("draw_plans.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("draw_records.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(10))
    supervision_class: Mapped[str] = mapped_column(String(10))
    credit_code: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(10))  # TaskKind
    stratum: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20), default=AssignmentState.ASSIGNED)
    due_date: Mapped[date | None]
    checked_on: Mapped[date | None]  # the day the on-site check was done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssignmentMember(Base):
    """A person on an assignment's team: an inspector (by 执法证号) or an expert (by id)."""

    __tablename__ = "assignment_members"
    __table_args__ = (
        UniqueConstraint("assignment_id", "person_kind", "person_key"),
        one_of("assignment_members", "state", MemberState),
        one_of("assignment_members", "person_kind", PersonKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    person_kind: Mapped[str] = mapped_column(String(10))  # PersonKind
    person_key: Mapped[str] = mapped_column(String(40), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default=MemberState.ASSIGNED)


class Conflict(Base):
    """回避: an inspector who must not check a target (declared, imported or from a recusal)."""

    __tablename__ = "conflicts"
    __table_args__ = (
        UniqueConstraint("cert_no", "credit_code"),
        one_of("conflicts", "source", ConflictSource),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(40))
    credit_code: Mapped[str] = mapped_column(String(18))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default=ConflictSource.DECLARED)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CandidateList(Base):
    """One canonical candidate list (targets, inspectors, conflicts, experts), stored once under
    the SHA-256 of its bytes; records name it by that hash. Append-only."""

    __tablename__ = "candidate_lists"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    items: Mapped[bytes] = mapped_column(LargeBinary)  # the canonical JSON's bytes, as hashed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListCache(Base):
    """Which list a (kind, scope, directory version) encodes to: the city's or a county's
    targets at one state of the directory, encoded and hashed once."""

    __tablename__ = "list_cache"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # county code, "" city
    version: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))


class DirectoryVersion(Base):
    """A counter that database triggers bump on every change to a directory (``targets``)."""

    __tablename__ = "directory_versions"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int]
