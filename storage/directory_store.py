"""Upserting a directory by its natural key, with every change written to the audit log.

Rows are never deleted: a row missing from the file is marked inactive (when asked), and a
row that comes back is reactivated — an update like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import audit_values
from storage.bulk import insert_rows, table_of
from storage.models import AuditLog, Tag, Target, utcnow
from storage.sheets import SheetSpec

_BATCH = 5000


@dataclass
class DirectoryChange:
    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    deactivated: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    active_before: int = 0  # the directory's active rows before this change


def _fields(spec: SheetSpec) -> list[str]:
    names = [c.field for c in spec.columns if not c.field.startswith("_")]
    if spec.kind == "targets":
        names.append("supervision_class")
    return names


async def current_rows(
    session: AsyncSession, spec: SheetSpec
) -> list[tuple[int, bool, dict[str, Any]]]:
    """(id, active, values) for every row of the directory, in id order."""
    model = spec.model
    names = _fields(spec)
    columns = [model.id, model.active, *(getattr(model, n) for n in names)]
    result = await session.execute(select(*columns).order_by(model.id))
    return [(row[0], row[1], dict(zip(names, row[2:], strict=True))) for row in result]


async def plan_changes(
    session: AsyncSession,
    spec: SheetSpec,
    rows: dict[str, dict[str, Any]],
    deactivate_missing: bool,
) -> DirectoryChange:
    change = DirectoryChange()
    existing = {
        spec.key_of(values): (id_, active, values)
        for id_, active, values in await current_rows(session, spec)
    }
    change.active_before = sum(active for _, active, _ in existing.values())
    for key, values in rows.items():
        found = existing.get(key)
        if found is None:
            change.added.append(values)
            continue
        id_, active, old = found
        if active and old == values:
            change.unchanged += 1
        else:
            change.updated.append((id_, {**old, "active": active}, {**values, "active": True}))
    if deactivate_missing:
        for key, (id_, active, old) in existing.items():
            if active and key not in rows:
                change.deactivated.append((id_, old))
    return change


async def apply_changes(
    session: AsyncSession, spec: SheetSpec, change: DirectoryChange, actor: str
) -> None:
    model = spec.model
    # Inserts go to the connection in bulk: the ORM's per-row bookkeeping would double the
    # time of a 100,000-row import and buys nothing here.
    connection = await session.connection()
    now = utcnow()
    audit = [_audit(spec, actor, "create", now, None, v) for v in change.added]
    for chunk in _chunks(change.added):
        rows = [{**v, "active": True, "updated_at": now} for v in chunk]
        await insert_rows(connection, table_of(model), rows)
    if change.updated:
        await session.execute(
            update(model), [{"id": id_, **new, "updated_at": now} for id_, _, new in change.updated]
        )
        audit += [_audit(spec, actor, "update", now, old, new) for _, old, new in change.updated]
    if change.deactivated:
        gone = [{"id": id_, "active": False, "updated_at": now} for id_, _ in change.deactivated]
        await session.execute(update(model), gone)
        audit += [
            _audit(
                spec, actor, "deactivate", now, {**old, "active": True}, {**old, "active": False}
            )
            for _, old in change.deactivated
        ]
    for chunk in _chunks(audit):
        await insert_rows(connection, table_of(AuditLog), chunk)
    await _remember_tags(session, spec, change)


def _audit(
    spec: SheetSpec,
    actor: str,
    action: str,
    at: datetime,
    old: dict[str, Any] | None,
    new: dict[str, Any],
) -> dict[str, Any]:
    return audit_values(actor, action, spec.kind, spec.key_of(new), old=old, new=new, at=at)


_TAG_FIELDS = {"targets": ("target", "tags"), "inspectors": ("specialty", "specialties")}


async def _remember_tags(session: AsyncSession, spec: SheetSpec, change: DirectoryChange) -> None:
    """Grow the shared tag vocabulary with any new target tag or inspector specialty."""
    if spec.kind not in _TAG_FIELDS:
        return
    kind, name = _TAG_FIELDS[spec.kind]
    seen = {t for v in change.added for t in v[name]} | {
        t for _, _, v in change.updated for t in v[name]
    }
    if not seen:
        return
    known = set((await session.scalars(select(Tag.name).where(Tag.kind == kind))).all())
    fresh = sorted(seen - known)
    if fresh:
        await session.execute(insert(Tag), [{"kind": kind, "name": t} for t in fresh])


def _chunks(items: Sequence[dict[str, Any]]) -> list[Sequence[dict[str, Any]]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


async def target_population(session: AsyncSession) -> dict[tuple[str, str, bool], int]:
    """Active targets counted by (county, class, on the positive list)."""
    result = await session.execute(
        select(Target.region_code, Target.supervision_class, Target.positive_list, func.count())
        .where(Target.active)
        .group_by(Target.region_code, Target.supervision_class, Target.positive_list)
    )
    return {(region, cls, bool(positive)): count for region, cls, positive, count in result}
