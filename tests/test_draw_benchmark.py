"""The draw benchmark's yardsticks: the honest floor stores as many rows as the draw it is
compared with, and the phase breakdown covers the draw's steps without counting any twice."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from benchmarks.draw_city import COUNTY, build, honest, ours
from benchmarks.draw_phases import PHASES, PhaseClock
from bot.services import draws


def _stored(database: Path) -> tuple[object, ...]:
    """Assignments by kind, team places and leads, as a draw left them."""
    with sqlite3.connect(database) as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM assignments GROUP BY kind"))
        places, leads = db.execute(
            "SELECT count(*), sum(is_lead) FROM assignment_members"
        ).fetchone()
    db.close()
    return kinds.get("onsite", 0), kinds.get("offsite", 0), places, leads


@pytest.mark.parametrize(("region", "targets", "inspectors"), [(None, 600, 60), (COUNTY, 300, 20)])
async def test_the_honest_floor_stores_what_the_draw_stored(
    tmp_path: Path, region: str | None, targets: int, inspectors: int
) -> None:
    built, drawn, floored = tmp_path / "built.db", tmp_path / "drawn.db", tmp_path / "floor.db"
    await build(built, targets, inspectors, region)
    shutil.copyfile(built, drawn)
    shutil.copyfile(built, floored)
    inputs = draws._inputs

    mine = await ours(drawn, region, tmp_path / "record.json")
    floor = honest(
        floored, region, f"{mine['onsite'] + mine['offsite']},{mine['onsite']},{mine['members']}"
    )

    assert mine["onsite"] > 0 and mine["offsite"] > 0
    assert _stored(floored) == _stored(drawn)
    assert floor["hmacs"] == targets  # one per target of the draw's scope, off-site ones too
    # Every step was timed, none counted twice, and the bot's code is itself again.
    assert set(mine["phases"]) == set(PHASES)
    assert sum(mine["phases"].values()) <= mine["seconds"]
    assert draws._inputs is inputs


def test_a_step_inside_another_counts_for_itself_only() -> None:
    clock = PhaseClock()
    with clock.phase("outer"), clock.phase("inner"):
        time.sleep(0.05)
    assert clock.seconds["inner"] >= 0.05
    assert clock.seconds["outer"] < 0.025
