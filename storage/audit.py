"""The audit log's one way in: who did what to which row, old → new, and how a bot user is named.

Every service writes its audit entries through `audit` (one ORM row) or `audit_values` (the
same entry as a dict, for bulk inserts); the actor is "cli" or "demo" on the command line and
`chat_actor(...)` for a Telegram user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.models import AuditLog


def chat_actor(user_id: int, cert_no: str | None = None) -> str:
    """A Telegram user as the audit log and records name him: `tg:{user_id}/{执法证号}` once his
    account is bound to an inspector, `tg:{user_id}` for someone not (yet) bound."""
    return f"tg:{user_id}" if not cert_no else f"tg:{user_id}/{cert_no}"


def audit_values(
    actor: str,
    action: str,
    entity: str,
    key: str,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An audit entry's columns; without `at` the column default (now) applies."""
    values: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_key": key,
        "old": old,
        "new": new,
    }
    if at is not None:
        values["at"] = at
    return values


def audit(
    actor: str,
    action: str,
    entity: str,
    key: str,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditLog:
    """One audit entry, for `session.add`."""
    return AuditLog(**audit_values(actor, action, entity, key, old=old, new=new, at=at))
