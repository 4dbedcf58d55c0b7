"""Violations feed the record, through `shuangsuiji` (bot.cli.main) on a SQLite file: `export
targets` writes 最近检查日期 and 最近发现问题, `import targets` takes the export back unchanged,
and `draw --filter violation=within:N` draws only last year's offenders, in a record `verify`
recomputes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.context import AppContext
from spotcheck.inspection import ItemAnswer, ResultCategory, ResultState
from storage import excel, review_store
from storage.result_store import ItemInput, save_result
from tests.conftest import make_config
from tests.factories import run_cli, run_cli_failing
from tests.factories_results import result_input
from tests.test_cli_directories import MB
from tests.test_cli_draw import COUNTY_DRAW, LOTTERY, _directory

NOW = datetime(2024, 8, 20, 2, 0, tzinfo=UTC)
CLEAN = (ItemInput("HB-001", ItemAnswer.OK),)


def onsite_assignments(database: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(database) as connection:
        return list(
            connection.execute(
                "select id, credit_code from assignments where kind = 'onsite' order by id"
            )
        )


async def record_results(database: Path, plan: list[tuple[int, date, bool, bool]]) -> None:
    """(assignment, check day, problem found, passed) for each result."""
    ctx = await AppContext.open(make_config(f"sqlite:///{database}"), migrate=False)
    try:
        for assignment_id, day, problem, passed in plan:
            async with ctx.sessions.begin() as session:
                overrides: dict[str, object] = {"checked_on": day}
                if not problem:
                    overrides |= {"category": ResultCategory.NONE, "items": CLEAN, "follow_ups": ()}
                result_id = await save_result(session, result_input(assignment_id, **overrides))
                moves = [ResultState.PENDING_REVIEW] + ([ResultState.PASSED] if passed else [])
                for to in moves:
                    assert await review_store.move(session, result_id, to, "13060200009", NOW)
    finally:
        await ctx.close()


def checked_2024q3(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str, str]:
    """竞秀区 drawn for 2024Q3 and three of its checks recorded: (offender: a problem found and
    passed on 08-05; clean: passed on 08-10; pending: a problem found, not yet reviewed)."""
    _directory(capsys, tmp_path)
    code, out = run_cli(capsys, *COUNTY_DRAW, "--seed", LOTTERY)
    assert code == 0, out
    (a, offender), (b, clean), (c, pending), *_ = onsite_assignments(database)
    asyncio.run(
        record_results(
            database,
            [
                (a, date(2024, 8, 5), True, True),
                (b, date(2024, 8, 10), False, True),
                (c, date(2024, 8, 12), True, False),
            ],
        )
    )
    return offender, clean, pending


def test_export_targets_names_each_targets_last_check_and_last_violation_and_reimports_unchanged(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offender, clean, pending = checked_2024q3(database, tmp_path, capsys)
    exported = tmp_path / "targets-out.xlsx"
    assert run_cli(capsys, "export", "targets", str(exported)) == (
        0,
        [f"已导出检查对象名录库 14 行：{exported}"],
    )
    header, *rows = excel.read_values(exported, MB)
    assert list(header[-2:]) == ["最近检查日期", "最近发现问题"]
    at = len(header) - 2
    by_code = {row[0]: [*row[at:], None, None][:2] for row in rows}  # trailing blanks are cut
    assert by_code[offender] == ["2024-08-05", "2024-08-05 发现问题已责令改正"]
    assert by_code[clean] == ["2024-08-10", None]
    assert by_code[pending] == [None, None]  # not reviewed yet: no check on the record
    assert sum(1 for v in by_code.values() if v != [None, None]) == 2
    # the export goes back in unchanged: the two columns are read as nothing, not refused
    assert run_cli(capsys, "import", "targets", str(exported)) == (
        0,
        ["检查对象名录库导入完成：新增 0，更新 0，未变 14，停用 0。"],
    )
    # a blank template has nothing to fill in there
    template = tmp_path / "blank.xlsx"
    assert run_cli(capsys, "template", "targets", str(template))[0] == 0
    assert "最近检查日期" not in list(excel.read_values(template, MB)[0])


def test_a_draw_filtered_on_violations_draws_last_years_offenders_and_verifies(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offender, _, _ = checked_2024q3(database, tmp_path, capsys)
    draw = [
        "draw",
        "--quarter",
        "2025Q1",
        "--level",
        "county",
        "--region",
        "130602",
        "--reason",
        "补抽往季（测试）",
    ]
    code, out = run_cli(
        capsys, *draw, "--filter", "violation=within:365", "--seed", LOTTERY, "--out", "v.json"
    )
    assert code == 0, out
    record = json.loads(Path("v.json").read_text(encoding="utf-8"))
    assert record["parameters"]["filters"]["violation"] == {
        "within_days": 365,
        "credit_codes": [offender],
    }
    assert {a["target"] for a in record["assignments"]} == {offender}
    assert run_cli(capsys, "verify", "v.json")[0] == 0
    # tampering with the recorded offenders is caught
    record["parameters"]["filters"]["violation"]["credit_codes"] = []
    Path("bad.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert run_cli_failing(capsys, "verify", "bad.json")[0] == 1
    # 2024-08-05 is 149 days before 2025Q1: within:100 finds nobody to draw
    assert run_cli_failing(capsys, *draw, "--filter", "violation=within:100", "--seed", "x") == (
        1,
        ["按所选条件没有要抽取的检查对象，未生成抽查记录。"],
    )


@pytest.mark.parametrize("bad", ["violation=365", "violation=within:", "violation=within:0"])
def test_a_violation_filter_needs_a_number_of_days(
    database: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    code, err = run_cli_failing(capsys, *COUNTY_DRAW, "--filter", bad)
    assert (code, err) == (
        1,
        [
            f"筛选条件“{bad}”无法识别，应为 industry=…、tag=…、permit=…、region=… 或 "
            "violation=within:天数。"
        ],
    )
