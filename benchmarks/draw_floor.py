"""The honest floor of a draw: only what any draw must do, with nothing of ours in between.

Read the candidate columns our draw reads with the plain sqlite3 driver, compute one
HMAC-SHA256 per target (key = the draw's seed, message = stratum id ‖ 0x00 ‖ credit code, as
the ranking does), and insert as many assignment and team-member rows as our draw stored into
the same tables with executemany, then commit — on a copy of the database, so the measured draw
is not disturbed. No ranking, matching, record or pushes: a draw that did only this would be no
draw, which is what makes it a floor.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from spotcheck.draw import hmac_sha256

# The columns of storage.draw_store.target_candidates and inspector_candidates (with the
# quarter's loads) and conflicts.
_TARGETS = (
    "SELECT credit_code, name, region_code, industry, permit_category, supervision_class,"
    " positive_list, credit_grade, tags, active FROM targets"
)
_INSPECTORS = (
    "SELECT cert_no, name, region_code, specialties, role FROM inspectors"
    " WHERE active AND status = 'on_duty' AND role IN ('inspector', 'lead')"
)
_LOADS = (
    "SELECT m.person_key, count(*) FROM assignment_members m"
    " JOIN assignments a ON a.id = m.assignment_id"
    " WHERE a.quarter = ? AND m.person_kind = 'inspector' AND a.state != 'superseded'"
    " AND m.state != 'replaced' GROUP BY m.person_key"
)
_CONFLICTS = "SELECT cert_no, credit_code FROM conflicts"
_ASSIGNMENT_COLUMNS = (
    "id, plan_id, record_id, quarter, level, supervision_class, credit_code, kind, stratum,"
    " state, due_date, checked_on, created_at"
)


@dataclass(frozen=True)
class Stored:
    """How many rows our draw stored, which the floor stores too."""

    assignments: int
    onsite: int  # the first ``onsite`` assignments have a team
    members: int  # team places (inspectors and experts) over the on-site assignments


def honest_floor(
    database: Path, seed: bytes, quarter: str, region: str | None, stored: Stored
) -> dict[str, Any]:
    """Time the floor of a draw of ``quarter`` (``region``: a county draw, else the city's)."""
    level = "city" if region is None else "county"
    marks = [time.perf_counter()]  # then after each part: read, hmac, insert, commit
    db = sqlite3.connect(database, isolation_level=None)
    # As storage.database sets them on our connections (WAL is the file's own).
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("BEGIN IMMEDIATE")
    where = "" if region is None else " WHERE region_code = ?"
    targets = db.execute(_TARGETS + where, () if region is None else (region,)).fetchall()
    inspectors = db.execute(_INSPECTORS).fetchall()
    loads = dict(db.execute(_LOADS, (quarter,)).fetchall())
    conflicts = db.execute(_CONFLICTS).fetchall()
    marks.append(time.perf_counter())
    digest = hmac_sha256(seed)
    strata: dict[tuple[str, str, str], tuple[str, bytes]] = {}
    keys, ids = [], []
    for code, _, county, _, _, cls, _, grade, _, _ in targets:
        stratum = strata.get((county, cls, grade))
        if stratum is None:
            head = "city" if region is None else f"county:{county}"
            name = f"{head}:{cls}:{grade}"
            stratum = strata[(county, cls, grade)] = (name, name.encode() + b"\x00")
        keys.append(digest(stratum[1] + code.encode()))
        ids.append(stratum[0])
    marks.append(time.perf_counter())
    _store(db, targets, ids, inspectors, quarter, level, region, stored)
    marks.append(time.perf_counter())
    db.execute("COMMIT")
    db.close()
    marks.append(time.perf_counter())
    parts = [b - a for a, b in pairwise(marks)]
    return {
        "seconds": marks[-1] - marks[0],
        "parts": dict(zip(("read", "hmac", "insert", "commit"), parts, strict=True)),
        "hmacs": len(keys),
        "inspectors": len(inspectors),
        "loads": len(loads),
        "conflicts": len(conflicts),
    }


def _store(
    db: sqlite3.Connection,
    targets: list[Any],
    strata: list[str],
    inspectors: list[Any],
    quarter: str,
    level: str,
    region: str | None,
    stored: Stored,
) -> None:
    """A plan and a record row for the foreign keys, then the assignments and their teams,
    numbered here (one writer holds the database) instead of read back."""
    if stored.assignments > len(targets) or stored.members > stored.onsite * len(inspectors):
        raise ValueError("more rows to store than candidates to store them for")
    now = datetime.now(UTC).isoformat(sep=" ")
    plan = db.execute(
        "INSERT INTO draw_plans (plan_key, quarter, level, region) VALUES (?, ?, ?, ?)",
        ("honest floor", quarter, level, region),
    ).lastrowid
    record = db.execute(
        "INSERT INTO draw_records (plan_id, kind, created_by, created_at, body, body_sha256)"
        " VALUES (?, 'draw', 'benchmark', ?, '{}', '')",
        (plan, now),
    ).lastrowid
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM assignments").fetchone()[0]
    due = f"{quarter[:4]}-12-31"
    db.executemany(
        f"INSERT INTO assignments ({_ASSIGNMENT_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'assigned', ?, NULL, ?)",
        (
            (
                first + i,
                plan,
                record,
                quarter,
                level,
                cls,
                code,
                "onsite" if i < stored.onsite else "offsite",
                strata[i],
                due,
                now,
            )
            for i, (code, _, _, _, _, cls, *_) in enumerate(targets[: stored.assignments])
        ),
    )
    # Place j goes to on-site assignment j mod onsite: each team's people are distinct.
    db.executemany(
        "INSERT INTO assignment_members (assignment_id, person_kind, person_key, is_lead, state)"
        " VALUES (?, 'inspector', ?, ?, 'assigned')",
        (
            (first + j % stored.onsite, inspectors[j // stored.onsite][0], j < stored.onsite)
            for j in range(stored.members)
        ),
    )
