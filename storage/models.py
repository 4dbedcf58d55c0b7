"""The directories (两库一单) and the audit log, as typed SQLAlchemy models.

Times are stored in UTC. Tag-like lists (target tags, inspector specialties, expert
industries) are JSON arrays kept sorted: draws load candidates and filter in the domain, and
the Tag table is the shared vocabulary the bot offers when an admin builds a directed draw.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Constraint and index names follow one pattern on every engine (Alembic's operations use it
# too), so a later migration can drop or alter a constraint by name. A CheckConstraint needs a
# name of its own: the "ck" pattern is built from it. Never change it: migrations 0001–0006
# take their names from it when they run, while 0007 renamed older databases to this exact
# pattern; a new pattern would need a migration renaming every constraint on both kinds.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: DateTime(timezone=True),
    }


class Target(Base):
    """检查对象: an enterprise in the inspection-target directory."""

    __tablename__ = "targets"
    # The strata the quota and the statistics count (a county's, or the city's: region first),
    # covered, so that counting 200,000 targets reads the index alone (migration 0015).
    __table_args__ = (
        Index(
            "ix_targets_strata",
            "region_code",
            "supervision_class",
            "credit_grade",
            "positive_list",
            "active",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    industry: Mapped[str] = mapped_column(String(100), default="")
    permit_category: Mapped[str] = mapped_column(String(20), default="")
    supervision_class: Mapped[str] = mapped_column(String(10))
    positive_list: Mapped[bool] = mapped_column(default=False)
    credit_grade: Mapped[str] = mapped_column(String(1))
    tags: Mapped[list[str]] = mapped_column(default=list)
    address: Mapped[str] = mapped_column(String(300), default="")
    longitude: Mapped[float | None]
    latitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inspector(Base):
    """执法人员: keyed by the enforcement certificate number (执法证号)."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    specialties: Mapped[list[str]] = mapped_column(default=list)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Expert(Base):
    """专家: drawn for joint checks; keyed by name and phone, the pair a bureau tracks them by."""

    __tablename__ = "experts"
    __table_args__ = (UniqueConstraint("name", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(6))
    industries: Mapped[list[str]] = mapped_column(default=list)
    phone: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InspectionItem(Base):
    """随机抽查事项: one entry of the published inspection-item list."""

    __tablename__ = "inspection_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[list[str]] = mapped_column(default=list)
    method: Mapped[str] = mapped_column(String(50), default="")
    classes: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tag(Base):
    """The shared vocabulary of tags: kind is 'target' (industry, features) or 'specialty'."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))


class AuditLog(Base):
    """Append-only: who changed what and when, old → new. Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(30))
    entity_key: Mapped[str] = mapped_column(String(120))
    # None is SQL NULL, not the JSON text 'null': a create has no old values.
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


__all__ = ["AuditLog", "Base", "Expert", "InspectionItem", "Inspector", "Tag", "Target"]
