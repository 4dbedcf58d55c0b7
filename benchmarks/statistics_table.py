"""The city's statistics table for a quarter over 200,000 targets, on SQLite.

Builds the directory and a quarter of work (assignments at the quotas, results for most on-site
checks — some returned and resubmitted — with their review steps and follow-ups) by bulk
insert, then times ``quarter_statistics`` for the whole city against a single SQL aggregate
over the same rows (the floor: one GROUP BY over assignments ⋈ targets ⋈ latest results).
Each is measured in a fresh process, its best of --inner runs there (the first pays for
compiling statements and warming the connection's page cache, as once in a running bot), and
the phases alternate --repeat times. Target: ratio ≤ 3.

    python -m benchmarks.statistics_table [--targets 200000] [--repeat 3] [--inner 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import run_phase

QUARTER = "2026Q4"
CHECKED = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
PROBLEMS = ("problem_rectified", "problem_pending")

FLOOR_SQL = """
SELECT t.region_code, a.level, a.supervision_class, a.kind,
       count(*), count(a.checked_on), count(r.id),
       sum(CASE WHEN r.category IN ('problem_rectified', 'problem_pending') THEN 1 ELSE 0 END)
FROM assignments a
JOIN targets t ON t.credit_code = a.credit_code
LEFT JOIN inspection_results r ON r.assignment_id = a.id AND r.version = (
    SELECT max(r2.version) FROM inspection_results r2 WHERE r2.assignment_id = a.id)
WHERE a.quarter = :quarter AND a.state != 'superseded'
GROUP BY t.region_code, a.level, a.supervision_class, a.kind
"""


class Quarter:
    """The rows of one quarter's work, with ids assigned here (bulk insert, no read-back)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.assignments: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []
        self.transitions: list[dict[str, Any]] = []
        self.follow_ups: list[dict[str, Any]] = []

    def assign(
        self, target: dict[str, Any], level: str, record: tuple[int, int], kind: str
    ) -> None:
        plan_id, record_id = record
        onsite = kind == "onsite"
        done = onsite and self.rng.random() < 0.85
        self.assignments.append(
            {
                "id": len(self.assignments) + 1,
                "plan_id": plan_id,
                "record_id": record_id,
                "quarter": QUARTER,
                "level": level,
                "supervision_class": target["supervision_class"],
                "credit_code": target["credit_code"],
                "kind": kind,
                "stratum": target["supervision_class"],
                "state": "accepted",
                "due_date": date(2026, 12, 15),
                "checked_on": date(2026, 11, 3) if done else None,
                "created_at": CHECKED,
            }
        )
        if done:
            self._results(len(self.assignments))

    def _results(self, assignment_id: int) -> None:
        """Version 1; one in ten returned and resubmitted; the last one's place in review."""
        roll = self.rng.random()
        if roll < 0.10:
            first = self._version(assignment_id, 1, None)
            self._steps(first, "pending_review", "returned")
            last = self._version(assignment_id, 2, first)
        else:
            last = self._version(assignment_id, 1, None)
        where = self.rng.random()
        if where < 0.65:
            self._steps(last, "pending_review", "passed")
        elif where < 0.85:
            self._steps(last, "pending_review")
        elif where < 0.90:
            self._steps(last, "objected")

    def _version(self, assignment_id: int, version: int, previous: int | None) -> int:
        result_id = len(self.results) + 1
        problem = self.rng.random() < 0.4
        self.results.append(
            {
                "id": result_id,
                "assignment_id": assignment_id,
                "state": "submitted",
                "category": self.rng.choice(PROBLEMS) if problem else "none",
                "findings": "",
                "submitted_by": "13060200001",
                "submitted_at": CHECKED,
                "version": version,
                "previous_id": previous,
                "amendment_reason": "",
                "answers": None,
            }
        )
        self._steps(result_id, "submitted")
        if problem:
            self._follow_up(result_id, "rectify", date(2026, 11, 30))
            if self.rng.random() < 0.2:
                self._follow_up(result_id, "case", None)
            if self.rng.random() < 0.1:
                self._follow_up(result_id, "transfer", None)
        return result_id

    def _steps(self, result_id: int, *states: str) -> None:
        before = "submitted" if states[0] != "submitted" else None
        for state in states:
            self.transitions.append(
                {
                    "id": len(self.transitions) + 1,
                    "result_id": result_id,
                    "from_state": before,
                    "to_state": state,
                    "actor": "13060200002",
                    "reason": "",
                    "at": CHECKED + timedelta(days=len(self.transitions) % 20),
                }
            )
            before = state

    def _follow_up(self, result_id: int, kind: str, deadline: date | None) -> None:
        closed = self.rng.random() < 0.5
        self.follow_ups.append(
            {
                "id": len(self.follow_ups) + 1,
                "result_id": result_id,
                "kind": kind,
                "deadline": deadline,
                "agency": None,
                "state": "closed" if closed else "open",
                "closed_by": "13060200001" if closed else None,
                "closed_at": CHECKED + timedelta(days=10) if closed else None,
                "close_note": "",
            }
        )


def _sample(rng: random.Random, rows: list[dict[str, Any]], ratio: float) -> list[dict[str, Any]]:
    return rng.sample(rows, math.ceil(ratio * len(rows))) if rows else []


async def build(database: Path, targets: int) -> dict[str, int]:
    from bot.config import config_from_mapping
    from bot.context import AppContext
    from bot.services.demo_data import demo_targets
    from spotcheck.regions import CityRegions
    from storage.bulk import insert_rows, table_of
    from storage.draw_models import Assignment, DrawPlan, DrawRecord
    from storage.models import Target
    from storage.result_models import FollowUp, InspectionResult, ResultTransition

    regions = CityRegions()
    rng = random.Random(11)
    directory = demo_targets(regions, targets, seed=11)
    for row in directory:
        row.update(active=True, updated_at=CHECKED)
    ctx = await AppContext.open(config_from_mapping({"database": {"url": f"sqlite:///{database}"}}))
    work = Quarter(rng)
    even = {"A": "1", "B": "1", "C": "1", "D": "1"}
    graded = {"A": "1", "B": "1", "C": "3/2", "D": "2"}
    async with ctx.sessions() as session, session.begin():
        records: dict[str | None, tuple[int, int]] = {}
        for region in [None, *sorted(regions.counties)]:
            level = "city" if region is None else "county"
            plan = DrawPlan(plan_key=f"{level}-{region}", quarter=QUARTER, level=level)
            session.add(plan)
            await session.flush()
            joint = "internal" if region is not None and rng.random() < 0.4 else "none"
            multipliers = graded if rng.random() < 0.9 else even
            record = DrawRecord(
                plan_id=plan.id,
                kind="draw",
                created_by="benchmark",
                body="{}",
                body_sha256="0" * 64,
                parameters={"joint": {"kind": joint}, "multipliers": multipliers},
            )
            session.add(record)
            await session.flush()
            records[region] = (plan.id, record.id)
        ratios = {
            "city": {"special": 0.10, "key": 0.10, "general": 0.03},
            "county": {"special": 0.50, "key": 0.25, "general": 0.03},
        }
        onsite = [t for t in directory if not t["positive_list"]]
        for cls, ratio in ratios["city"].items():
            for target in _sample(rng, [t for t in onsite if t["supervision_class"] == cls], ratio):
                work.assign(target, "city", records[None], "onsite")
        for county in sorted(regions.counties):
            mine = [t for t in directory if t["region_code"] == county]
            for cls, ratio in ratios["county"].items():
                strata = [t for t in mine if t["supervision_class"] == cls]
                for target in _sample(rng, [t for t in strata if not t["positive_list"]], ratio):
                    work.assign(target, "county", records[county], "onsite")
            for target in (t for t in mine if t["positive_list"]):
                work.assign(target, "county", records[county], "offsite")
        connection = await session.connection()
        for model, rows in (
            (Target, directory),
            (Assignment, work.assignments),
            (InspectionResult, work.results),
            (ResultTransition, work.transitions),
            (FollowUp, work.follow_ups),
        ):
            await insert_rows(connection, table_of(model), rows)
    await ctx.close()
    return {
        "targets": len(directory),
        "assignments": len(work.assignments),
        "results": len(work.results),
        "transitions": len(work.transitions),
        "follow_ups": len(work.follow_ups),
    }


async def _best(database: Path, inner: int, run: Any) -> tuple[float, Any]:
    """The fastest of ``inner`` runs of ``run(ctx, session)``, and its answer."""
    from bot.config import config_from_mapping
    from bot.context import AppContext

    url = f"sqlite:///{database}"
    ctx = await AppContext.open(config_from_mapping({"database": {"url": url}}), migrate=False)
    best, answer = math.inf, None
    for _ in range(inner):
        started = time.perf_counter()
        async with ctx.sessions() as session:
            answer = await run(ctx, session)
        best = min(best, time.perf_counter() - started)
    await ctx.close()
    return best, answer


async def floor(database: Path, inner: int) -> dict[str, float]:
    from sqlalchemy import text

    async def run(_: Any, session: Any) -> Any:
        return (await session.execute(text(FLOOR_SQL), {"quarter": QUARTER})).all()

    seconds, rows = await _best(database, inner, run)
    return {"seconds": seconds, "groups": len(rows), "drawn": sum(r[4] for r in rows)}


async def ours(database: Path, inner: int) -> dict[str, float]:
    from bot.services.statistics import quarter_statistics

    async def run(ctx: Any, session: Any) -> Any:
        return await quarter_statistics(ctx, session, QUARTER)

    seconds, table = await _best(database, inner, run)
    totals = table.totals
    return {
        "seconds": seconds,
        "rows": len(table.rows),
        "drawn": totals.drawn + totals.offsite,
        "passed": totals.passed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of each phase")
    parser.add_argument("--inner", type=int, default=3, help="runs in each phase's process")
    parser.add_argument("--phase", choices=["floor", "ours"])
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.phase:
        measure = floor if args.phase == "floor" else ours
        print(json.dumps(asyncio.run(measure(args.db, args.inner))))
        return
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "statistics.db"
        started = time.perf_counter()
        built = asyncio.run(build(database, args.targets))
        building = time.perf_counter() - started
        bases, mines = [], []
        for _ in range(args.repeat):  # alternate, so a busy moment hurts both alike
            phase = ["benchmarks.statistics_table", "--db", str(database)]
            phase += ["--inner", str(args.inner), "--phase"]
            bases.append(run_phase(*phase, "floor"))
            mines.append(run_phase(*phase, "ours"))
        base = min(bases, key=lambda r: r["seconds"])
        mine = min(mines, key=lambda r: r["seconds"])
    if mine["drawn"] != base["drawn"]:
        raise SystemExit(f"the table counts {mine['drawn']} tasks, the floor {base['drawn']}")
    ratio = mine["seconds"] / base["seconds"]
    print(
        f"data                  {built['targets']:,} targets, {built['assignments']:,} "
        f"assignments, {built['results']:,} result versions, {built['transitions']:,} review "
        f"steps, {built['follow_ups']:,} follow-ups (built in {building:.1f} s)"
    )
    print(f"one GROUP BY (floor)  {base['seconds']:.3f} s, {base['groups']:.0f} groups")
    print(
        f"quarter_statistics    {mine['seconds']:.3f} s, {mine['rows']:.0f} rows "
        f"({mine['passed']:,.0f} passed)"
    )
    print(f"ratio                 {ratio:.2f} (target ≤ 3)")
    sys.exit(0 if ratio <= 3 else 1)


if __name__ == "__main__":
    main()
