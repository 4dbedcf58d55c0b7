"""Long commands show a progress bar on stderr when it is a terminal, and nothing more when
it is not (piped, redirected, captured)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.directories import PROGRESS_ROWS
from tests.factories import (
    INSPECTOR_HEADERS,
    TARGET_HEADERS,
    inspector_row,
    run_cli,
    target_row,
    write_workbook,
)

ROWS = PROGRESS_ROWS * 2 + 7


def _sheet(tmp_path: Path) -> Path:
    rows = [target_row(监管类别="特殊" if i < 4 else "重点") for i in range(ROWS)]
    return write_workbook(tmp_path / "targets.xlsx", TARGET_HEADERS, rows)


def test_import_and_export_add_nothing_to_stderr_when_it_is_not_a_terminal(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "import", "targets", str(_sheet(tmp_path)))  # stderr must be ""
    assert (code, out) == (0, [f"检查对象名录库导入完成：新增 {ROWS}，更新 0，未变 0，停用 0。"])
    code, out = run_cli(capsys, "export", "targets", str(tmp_path / "out.xlsx"))
    assert code == 0 and len(out) == 1


def test_import_export_and_draw_draw_a_bar_on_a_terminal(
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["import", "targets", str(_sheet(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert out == f"检查对象名录库导入完成：新增 {ROWS}，更新 0，未变 0，停用 0。\n"
    assert "检查对象名录库" in err and f"{PROGRESS_ROWS}/{ROWS}" in err and "行/s" in err
    assert main(["export", "targets", str(tmp_path / "out.xlsx")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("已导出检查对象名录库") and f"/{ROWS}" in err
    people = write_workbook(
        tmp_path / "people.xlsx", INSPECTOR_HEADERS, [inspector_row() for _ in range(3)]
    )
    assert main(["import", "inspectors", str(people)]) == 0
    capsys.readouterr()
    draw = [
        "draw",
        "--quarter",
        "2024Q1",
        "--level",
        "county",
        "--region",
        "130602",
        "--reason",
        "补抽往季（测试）",
    ]
    assert main([*draw, "--class", "special"]) == 0
    out, err = capsys.readouterr()
    assert "抽取" in err and "4/4" in err
