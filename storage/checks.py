"""CHECK constraints that hold a stored state or kind to the values of its enum."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlalchemy.sql.naming import conv


def one_of(table: str, column: str, values: type[StrEnum]) -> CheckConstraint:
    """``column IN (…values)``, named ``ck_<table>_<column>`` whatever the naming convention
    (migration 0008 creates it under that name)."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=conv(f"ck_{table}_{column}"))
