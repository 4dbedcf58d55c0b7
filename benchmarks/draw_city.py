"""A city-level draw over 200,000 targets and 5,000 inspectors on SQLite.

Prints the time of the draw (load the candidates, compute, store the record and the
assignments), the ratio to just loading the same candidates from the database (the floor,
measured in the same run; best of --repeat alternating runs of each), and the time of
`verify` on the record. Targets: ratio ≤ 1.5 and under 2 s.

    python -m benchmarks.draw_city [--targets 200000] [--inspectors 5000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import run_phase


async def build(database: Path, targets: int, inspectors: int) -> None:
    from bot.config import config_from_mapping
    from bot.context import AppContext
    from bot.services.demo_data import SPECIALTIES, demo_targets
    from spotcheck.regions import CityRegions
    from storage.directory_store import apply_changes, plan_changes
    from storage.sheets import sheet_spec

    regions = CityRegions()
    counties = sorted(regions.counties)
    people = [
        {
            "cert_no": f"{counties[i % len(counties)]}{i:06d}",
            "name": f"执法人员{i}",
            "unit": "",
            "region_code": counties[i % len(counties)],
            "specialties": sorted({SPECIALTIES[i % 7], SPECIALTIES[(i * 3) % 7]}),
            "role": "lead" if i % 10 == 0 else "inspector",
            "status": "on_duty",
        }
        for i in range(inspectors)
    ]
    ctx = await AppContext.open(config_from_mapping({"database": {"url": f"sqlite:///{database}"}}))
    async with ctx.sessions() as session, session.begin():
        for kind, rows in (
            ("targets", demo_targets(regions, targets, seed=11)),
            ("inspectors", people),
        ):
            spec = sheet_spec(kind, regions)
            change = await plan_changes(session, spec, {spec.key_of(r): r for r in rows}, False)
            await apply_changes(session, spec, change, "benchmark")
    await ctx.close()


def _context(database: Path) -> Any:
    from bot.config import config_from_mapping
    from bot.context import AppContext

    config = config_from_mapping(
        {"database": {"url": f"sqlite:///{database}"}, "policy": {"max_checks_per_inspector": 100}}
    )
    return AppContext.open(config, migrate=False)


async def floor(database: Path) -> dict[str, float]:
    from storage import draw_store

    ctx = await _context(database)
    started = time.perf_counter()
    async with ctx.sessions() as session:
        targets = await draw_store.target_candidates(session)
        inspectors = await draw_store.inspector_candidates(session, "2024Q1")
        await draw_store.conflicts(session)
    seconds = time.perf_counter() - started
    await ctx.close()
    return {"seconds": seconds, "targets": len(targets), "inspectors": len(inspectors)}


async def ours(database: Path, out: Path) -> dict[str, float]:
    from bot.services.draws import DrawRequest, execute, record_bytes
    from spotcheck.quota import Level

    ctx = await _context(database)
    started = time.perf_counter()
    outcome = await execute(
        ctx,
        DrawRequest("2024Q1", Level.CITY, "benchmark", seed_text="benchmark", cross_region=True),
    )
    seconds = time.perf_counter() - started
    out.write_bytes(await record_bytes(ctx, outcome.record_id))  # whole, for verify
    await ctx.close()
    onsite = sum(1 for t in outcome.tasks if t["kind"] == "onsite")
    return {"seconds": seconds, "onsite": onsite, "offsite": len(outcome.tasks) - onsite}


def verify(record: Path) -> dict[str, float]:
    from bot.services.draws import verify_file

    started = time.perf_counter()
    outcome = verify_file(record)
    seconds = time.perf_counter() - started
    if not outcome.ok:
        raise SystemExit(f"verify failed at {outcome.first_difference}")
    return {"seconds": seconds, "megabytes": record.stat().st_size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=200_000)
    parser.add_argument("--inspectors", type=int, default=5_000)
    parser.add_argument("--phase", choices=["floor", "ours", "verify"])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--record", type=Path)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs of each phase")
    args = parser.parse_args()
    if args.phase:
        result: dict[str, float]
        if args.phase == "floor":
            result = asyncio.run(floor(args.db))
        elif args.phase == "ours":
            result = asyncio.run(ours(args.db, args.record))
        else:
            result = verify(args.record)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as folder:
        database, record = Path(folder) / "draw.db", Path(folder) / "record.json"
        asyncio.run(build(database, args.targets, args.inspectors))
        gc.collect()
        built = Path(folder) / "built.db"
        shutil.copyfile(database, built)
        bases, mines = [], []
        for _ in range(args.repeat):  # alternate, so a busy moment hurts both alike
            shutil.copyfile(built, database)  # a draw is stored: each run starts undrawn
            bases.append(
                run_phase("benchmarks.draw_city", "--phase", "floor", "--db", str(database))
            )
            mines.append(
                run_phase(
                    "benchmarks.draw_city",
                    "--phase",
                    "ours",
                    "--db",
                    str(database),
                    "--record",
                    str(record),
                )
            )
        base = min(bases, key=lambda r: r["seconds"])
        mine = min(mines, key=lambda r: r["seconds"])
        check = run_phase("benchmarks.draw_city", "--phase", "verify", "--record", str(record))
    ratio = mine["seconds"] / base["seconds"]
    print(
        f"candidates            {base['targets']:,.0f} targets, {base['inspectors']:,.0f} inspectors"
    )
    print(f"load candidates (floor) {base['seconds']:.2f} s")
    print(
        f"city draw             {mine['seconds']:.2f} s ({mine['onsite']:,.0f} on site, {mine['offsite']:,.0f} off site)"
    )
    print(f"ratio                 {ratio:.2f} (target ≤ 1.5, and under 2 s)")
    print(
        f"verify                {check['seconds']:.2f} s for a {check['megabytes']:.0f} MB record"
    )
    sys.exit(0 if ratio <= 1.5 and mine["seconds"] < 2 else 1)


if __name__ == "__main__":
    main()
