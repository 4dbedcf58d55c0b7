"""`verify FILE`, `template`, `deadlines` and `ask` need no database and create none: here
DATABASE_URL names a file in a folder that does not exist, so opening it would fail (exit 2)
and creating it is impossible."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import run_cli, run_cli_failing
from tests.test_cli_draw import _draw_with_out


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "no" / "such" / "folder"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'shuangsuiji.db'}")
    return folder


def test_verify_of_a_record_file_needs_no_database(
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _draw_with_out(capsys, tmp_path)  # record.json, drawn in the database of the fixture
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'shuangsuiji.db'}")
    assert run_cli(capsys, "verify", "record.json") == (0, ["OK：记录 1 与重新计算的结果一致。"])
    assert not folder.exists()


def test_verify_of_a_record_number_without_a_database_creates_none(
    nowhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli_failing(capsys, "verify", "3") == (1, ["找不到第 3 号抽查记录。"])
    assert not nowhere.exists()


def test_template_needs_no_database(
    nowhere: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "targets.xlsx"
    assert run_cli(capsys, "template", "targets", str(path)) == (
        0,
        [f"已写出检查对象名录库模板：{path}"],
    )
    assert path.is_file()
    assert not nowhere.exists()


def test_deadlines_need_no_database(nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, "deadlines", "2024")
    assert code == 0
    assert out[0].startswith("2024Q1  工作总结 2024-03-27–2024-03-29")
    assert not nowhere.exists()


def test_ask_answers_from_the_shipped_plan_without_a_database(
    nowhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "ask", "县级重点监管对象每季度要抽多少？")
    assert code == 0
    assert out[0] == "按现行配置，县级重点监管对象每季度至少抽查 25%。"
    assert any("分类确定抽查频次" in line for line in out)
    assert not nowhere.exists()


def test_commands_without_a_database_leave_no_file_in_the_working_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the default: ./shuangsuiji.db
    assert run_cli(capsys, "template", "items", "items.xlsx")[0] == 0
    assert run_cli(capsys, "deadlines", "2025")[0] == 0
    assert run_cli(capsys, "ask", "县级重点监管对象每季度要抽多少？")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.xlsx"]
