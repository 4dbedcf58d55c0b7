"""Import 100,000 generated targets into a fresh SQLite database.

Prints rows/s, peak memory, and the ratio to the time openpyxl alone needs to read the same
file in read-only mode (the floor, measured in the same run; best of --repeat runs of each,
alternating). Targets: ratio ≤ 1.5, < 300 MB. Exit status 1 when a target is missed.

    python -m benchmarks.import_targets [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import peak_mb, run_phase


def generate(path: Path, rows: int) -> None:
    from bot.services.demo_data import demo_targets
    from spotcheck.regions import CityRegions
    from storage import excel
    from storage.sheets import export_row, sheet_spec

    regions = CityRegions()
    spec = sheet_spec("targets", regions)
    generated = demo_targets(regions, rows, seed=7)
    excel.write_sheet(
        path,
        spec.title,
        spec.headers,
        (export_row(spec, r, regions) for r in generated),
        spec.text_headers,
    )


def floor(path: Path) -> None:
    import openpyxl

    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": count - 1, "peak_mb": peak_mb()}))


def ours(path: Path, database: Path) -> None:
    from bot.config import config_from_mapping
    from bot.context import AppContext
    from bot.services.directories import import_directory

    async def go() -> dict[str, float]:
        ctx = await AppContext.open(
            config_from_mapping({"database": {"url": f"sqlite:///{database}"}})
        )
        started = time.perf_counter()
        report = await import_directory(
            ctx.sessions,
            ctx.config.regions,
            "targets",
            path,
            actor="benchmark",
            max_bytes=200 * 1024 * 1024,
        )
        seconds = time.perf_counter() - started
        await ctx.close()
        if report.refused or report.added == 0:
            raise SystemExit(f"import refused: {report}")
        return {"seconds": seconds, "rows": report.added, "peak_mb": peak_mb()}

    print(json.dumps(asyncio.run(go())))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of each phase")
    parser.add_argument("--phase", choices=["floor", "ours"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.phase == "floor":
        return floor(args.file)
    if args.phase == "ours":
        return ours(args.file, args.db)
    with tempfile.TemporaryDirectory() as folder:
        book, db = Path(folder) / "targets.xlsx", Path(folder) / "bench.db"
        generate(book, args.rows)
        floors, imports = [], []
        for _ in range(args.repeat):  # alternate, so a busy moment hurts both alike
            floors.append(
                run_phase("benchmarks.import_targets", "--phase", "floor", "--file", str(book))
            )
            db.unlink(missing_ok=True)
            imports.append(
                run_phase(
                    "benchmarks.import_targets",
                    "--phase",
                    "ours",
                    "--file",
                    str(book),
                    "--db",
                    str(db),
                )
            )
        base = min(floors, key=lambda r: r["seconds"])
        mine = min(imports, key=lambda r: r["seconds"])
    ratio = mine["seconds"] / base["seconds"]
    print(f"rows                 {mine['rows']:,}")
    print(f"openpyxl read (floor) {base['seconds']:.2f} s, peak {base['peak_mb']:.0f} MB")
    print(
        f"import into SQLite    {mine['seconds']:.2f} s, {mine['rows'] / mine['seconds']:,.0f} rows/s, peak {mine['peak_mb']:.0f} MB"
    )
    print(f"ratio                 {ratio:.2f} (target ≤ 1.5; memory target < 300 MB)")
    sys.exit(0 if ratio <= 1.5 and mine["peak_mb"] < 300 else 1)


if __name__ == "__main__":
    main()
