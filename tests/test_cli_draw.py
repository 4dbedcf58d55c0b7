"""The draw commands end to end through `shuangsuiji` (bot.cli.main) on a SQLite file:
draw, draw --dry-run, draw commit, draw replace and verify."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.clock import today_in
from bot.services import draws
from bot.services.draws import VerifyOutcome
from spotcheck.deadlines import Quarter
from tests.factories import (
    INSPECTOR_HEADERS,
    TARGET_HEADERS,
    credit_code,
    inspector_row,
    run_cli,
    run_cli_failing,
    target_row,
    write_workbook,
)

COUNTY_DRAW = [
    "draw",
    "--quarter",
    "2024Q3",
    "--level",
    "county",
    "--region",
    "130602",
    "--reason",
    "补抽往季（测试）",
]
LOTTERY = "双色球第2024075期 03 09 14 21 27 31 + 05"


def _count(database: Path, table: str, where: str = "1 = 1") -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(f"select count(*) from {table} where {where}").fetchone()[0])


def _directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, inspectors: int = 4
) -> list[str]:
    """竞秀区: 2 special A (50% → 1), 8 key B (25% → 2), 1 general C (3% → 1) and 3 general
    targets on the positive list (3 off site); ``inspectors`` inspectors and a team lead.
    Returns the inspectors' certificate numbers."""
    rows = [target_row(统一社会信用代码=credit_code(serial=i)) for i in range(8)]
    rows += [
        target_row(统一社会信用代码=credit_code(serial=100 + i), 监管类别="特殊", 信用风险等级="A")
        for i in range(2)
    ]
    rows += [
        target_row(
            统一社会信用代码=credit_code(serial=200 + i),
            监管类别="一般",
            正面清单="是",
            信用风险等级="A",
        )
        for i in range(3)
    ]
    rows += [
        target_row(统一社会信用代码=credit_code(serial=300), 监管类别="一般", 信用风险等级="C")
    ]
    certs = [f"1306020000{i}" for i in range(inspectors)]
    people = [inspector_row(执法证号=c) for c in certs]
    if inspectors > 1:
        people.append(inspector_row(执法证号="13060200009", 角色="组长"))
        certs.append("13060200009")
    write_workbook(tmp_path / "targets.xlsx", TARGET_HEADERS, rows)
    write_workbook(tmp_path / "inspectors.xlsx", INSPECTOR_HEADERS, people)
    assert run_cli(capsys, "import", "targets", str(tmp_path / "targets.xlsx"))[0] == 0
    assert run_cli(capsys, "import", "inspectors", str(tmp_path / "inspectors.xlsx"))[0] == 0
    return certs


def _draw_with_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict[str, Any]:
    _directory(capsys, tmp_path)
    code, out = run_cli(capsys, *COUNTY_DRAW, "--seed", LOTTERY, "--out", "record.json")
    assert code == 0, out
    assert out[0] == "第 1 号抽查记录已生成：现场检查 4 家，非现场监管 3 家，执法人员 8 人次。"
    assert out[2] == "抽查记录已写入 record.json，可用 shuangsuiji verify 复核。"
    record: dict[str, Any] = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    return record


# --- draw --dry-run -------------------------------------------------------------------------


def test_dry_run_prints_every_stratum_and_writes_nothing(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _directory(capsys, tmp_path)
    code, out = run_cli(capsys, *COUNTY_DRAW, "--dry-run")
    assert code == 0
    assert out[0] == "2024Q3 县级抽查计划"
    assert out[1].split() == ["抽查层", "对象数", "比例", "倍数", "应抽", "本季已抽", "本次抽"]
    assert [line.split() for line in out[2:6]] == [
        ["竞秀区", "特殊", "A级", "2", "50%", "1", "1", "0", "1"],
        ["竞秀区", "重点", "B级", "8", "25%", "1", "2", "0", "2"],
        ["竞秀区", "一般", "C级", "1", "3%", "1", "1", "0", "1"],
        ["竞秀区", "一般", "正面清单（非现场）", "3", "100%", "1", "3", "0", "3"],
    ]
    assert out[6:] == ["合计：本次现场检查 4 家，非现场监管 3 家。"]
    for table in ("draw_plans", "draw_records", "assignments"):
        assert _count(database, table) == 0, table


# --- draw -----------------------------------------------------------------------------------


def test_county_draw_on_demo_data_prints_the_record_number(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "demo")[0] == 0
    code, out = run_cli(capsys, *COUNTY_DRAW, "--seed", LOTTERY)
    assert code == 0
    found = re.fullmatch(
        r"第 1 号抽查记录已生成：现场检查 (\d+) 家，非现场监管 (\d+) 家，执法人员 (\d+) 人次。",
        out[0],
    )
    assert found is not None, out
    onsite, offsite, people = map(int, found.groups())
    assert onsite == _count(database, "assignments", "kind = 'onsite'") > 0
    assert offsite == _count(database, "assignments", "kind = 'offsite'") > 0
    assert (
        people == _count(database, "assignment_members", "person_kind = 'inspector'") == 2 * onsite
    )
    seed = hashlib.sha256(b"shuangsuiji-seed-v1\x00\x00" + LOTTERY.encode()).hexdigest()
    assert out[1] == f"种子 {seed}；公开文本“{LOTTERY}”"
    assert _count(database, "draw_records") == 1
    # Only 竞秀区's targets and inspectors.
    assert _count(database, "assignments", "substr(credit_code, 3, 6) != '130602'") == 0
    assert run_cli(capsys, "verify", "1") == (0, ["OK：记录 1 与重新计算的结果一致。"])


def test_second_draw_is_refused_and_an_amendment_with_reason_is_drawn(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _directory(capsys, tmp_path)
    # the bureau's current quarter needs no reason of its own
    current = str(Quarter.containing(today_in(ZoneInfo("Asia/Shanghai"))))
    draw = ["draw", "--quarter", current, "--level", "county", "--region", "130602"]
    assert run_cli(capsys, *draw, "--seed", LOTTERY)[0] == 0
    assert run_cli_failing(capsys, *draw, "--seed", "another") == (
        1,
        ["该计划本季度已抽取过（第 1 号记录）。如需重抽，请用 --amends 记录号 --reason 原因。"],
    )
    assert run_cli_failing(capsys, *draw, "--seed", "another", "--amends", "1") == (
        1,
        ["重抽或替换必须写明原因（--reason）。"],
    )
    code, out = run_cli(
        capsys, *draw, "--seed", "another", "--amends", "1", "--reason", "名录库漏录"
    )
    assert code == 0
    assert out[0].startswith("第 2 号抽查记录已生成：")
    assert _count(database, "assignments", "record_id = 1 and state = 'superseded'") == 7
    assert _count(database, "assignments", "record_id = 2 and state = 'assigned'") == 7


def test_a_quarter_that_has_ended_is_drawn_only_with_a_reason_kept_in_the_record(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _directory(capsys, tmp_path)
    late = ["draw", "--quarter", "2024Q3", "--level", "county", "--region", "130602"]
    assert run_cli_failing(capsys, *late, "--seed", LOTTERY) == (
        1,
        ["2024Q3 已经结束：补抽过期季度须写明原因（--reason），原因记入抽查记录。"],
    )
    assert _count(database, "draw_records", "1 = 1") == 0
    out = tmp_path / "late.json"
    assert (
        run_cli(capsys, *late, "--seed", LOTTERY, "--reason", "系统上线前漏抽", "--out", str(out))[
            0
        ]
        == 0
    )
    assert json.loads(out.read_bytes())["reason"] == "系统上线前漏抽"
    assert run_cli(capsys, "verify", str(out))[0] == 0
    # its checks are due 30 days from the draw, not on the quarter's long-past last day
    due = today_in(ZoneInfo("Asia/Shanghai")) + timedelta(days=30)
    assert _count(database, "assignments", "1 = 1") == _count(
        database, "assignments", f"due_date = '{due.isoformat()}'"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["draw", "--quarter", "2024Q5", "--level", "county"],
            "季度“2024Q5”格式不对，应如 2024Q1。",
        ),
        (
            [
                "draw",
                "--quarter",
                "2024Q3",
                "--level",
                "county",
                "--region",
                "999999",
                "--reason",
                "补抽往季（测试）",
            ],
            "行政区划代码 999999 不是本市的区县。",
        ),
        (
            [*COUNTY_DRAW, "--filter", "colour=red"],
            "筛选条件“colour=red”无法识别，应为 industry=…、tag=…、permit=…、region=… 或 violation=within:天数。",
        ),
    ],
)
def test_bad_draw_request_exits_1_with_the_chinese_message(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    _directory(capsys, tmp_path)
    assert run_cli_failing(capsys, *argv) == (1, [message])
    assert _count(database, "draw_plans") == 0
    assert _count(database, "draw_records") == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["draw", "--quarter", "2024Q1"],
            "缺少 --level：请写明抽查层级，--level city（市级）或 --level county（县级）。",
        ),
        (["draw", "--level", "county"], "缺少 --quarter：请写明季度，如 --quarter 2024Q1。"),
    ],
)
def test_draw_without_quarter_or_level_names_the_missing_option(
    database: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run_cli_failing(capsys, *argv) == (1, [message])


def test_dry_run_with_a_filter_matching_nothing_fails_like_the_draw(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _directory(capsys, tmp_path)
    nothing = [*COUNTY_DRAW, "--filter", "industry=不存在"]
    drawn = run_cli_failing(capsys, *nothing, "--seed", LOTTERY)
    assert drawn == (1, ["按所选条件没有要抽取的检查对象，未生成抽查记录。"])
    code = main([*nothing, "--dry-run"])
    out, err = capsys.readouterr()
    assert (code, err.splitlines()) == drawn
    assert out.splitlines()[0] == "2024Q3 县级抽查计划"  # the (empty) plan is still shown
    assert _count(database, "draw_plans") == 0


def test_refused_draw_names_the_county_and_writes_nothing(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _directory(capsys, tmp_path, inspectors=1)
    code, out = run_cli_failing(capsys, *COUNTY_DRAW, "--seed", LOTTERY)
    assert code == 1
    assert len(out) == 1
    assert re.fullmatch(
        r"无法抽取：竞秀区 执法人员不足，检查 91130602\w{10} 需要 2 名，"
        r"符合条件（未回避、非本地交叉执法）的只有 1 名。请补充执法人员后重试。",
        out[0],
    ), out
    for table in ("draw_plans", "draw_records", "assignments", "assignment_members"):
        assert _count(database, table) == 0, table


# --- draw commit ----------------------------------------------------------------------------


def test_draw_commit_prints_the_commitment_the_draw_reveals(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _directory(capsys, tmp_path)
    code, out = run_cli(capsys, "draw", "commit")
    assert code == 0
    assert out[0] == "已生成第 1 号熵承诺。请在抽取前公布其 SHA-256："
    assert re.fullmatch(r"[0-9a-f]{64}", out[1])
    assert out[2] == "抽取时使用 --commitment 1 --seed 公开文本。"
    commitment = out[1]
    with sqlite3.connect(database) as connection:
        (entropy_hex,) = connection.execute("select entropy_hex from draw_commitments").fetchone()
    assert hashlib.sha256(bytes.fromhex(entropy_hex)).hexdigest() == commitment

    code, out = run_cli(
        capsys, *COUNTY_DRAW, "--commitment", "1", "--seed", LOTTERY, "--out", "record.json"
    )
    assert code == 0
    assert out[1].endswith(f"；承诺值 {commitment}")
    seed = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))["seed"]
    assert (seed["commitment"], seed["entropy"], seed["public_text"]) == (
        commitment,
        entropy_hex,
        LOTTERY,
    )
    assert run_cli(capsys, "verify", "record.json") == (0, ["OK：记录 1 与重新计算的结果一致。"])
    again = [
        "draw",
        "--quarter",
        "2024Q4",
        "--level",
        "county",
        "--region",
        "130602",
        "--reason",
        "补抽往季（测试）",
    ]
    assert run_cli_failing(capsys, *again, "--commitment", "1", "--seed", LOTTERY) == (
        1,
        ["第 1 号熵承诺不存在或已用过。"],
    )


# --- verify ---------------------------------------------------------------------------------


def test_record_written_with_out_verifies(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = _draw_with_out(capsys, tmp_path)
    assert (record["id"], record["amends"], record["created_by"]) == (1, None, "cli")
    assert record["seed"]["public_text"] == LOTTERY
    assert run_cli(capsys, "verify", "record.json") == (0, ["OK：记录 1 与重新计算的结果一致。"])
    assert run_cli(capsys, "verify", "1") == (0, ["OK：记录 1 与重新计算的结果一致。"])
    assert run_cli_failing(capsys, "verify", "7") == (1, ["找不到第 7 号抽查记录。"])


def _other_code(code: str) -> str:
    """Another valid credit code of the same county."""
    return credit_code(code[2:8], serial=999_999)


def _change_target_code(record: dict[str, Any]) -> None:
    record["targets"][0]["credit_code"] = _other_code(record["targets"][0]["credit_code"])


def _change_drawn_code(record: dict[str, Any]) -> None:
    first = next(t for t in record["assignments"] if t["kind"] == "onsite")
    first["target"] = _other_code(first["target"])


def _change_seed(record: dict[str, Any]) -> None:
    record["seed"]["value"] = "0" * 64


def _change_targets_hash(record: dict[str, Any]) -> None:
    record["targets_sha256"] = hashlib.sha256(b"another list").hexdigest()


def _swap_inspector(record: dict[str, Any]) -> None:
    teams = [t for t in record["assignments"] if t["kind"] == "onsite"]
    outsider = next(
        i["cert_no"] for i in record["inspectors"] if i["cert_no"] not in teams[0]["inspectors"]
    )
    teams[0]["inspectors"][-1] = outsider


def _first_onsite(record: dict[str, Any]) -> int:
    return next(i for i, t in enumerate(record["assignments"]) if t["kind"] == "onsite")


@pytest.mark.parametrize(
    ("tamper", "difference"),
    [
        (_change_target_code, lambda r: "targets_sha256"),
        (_change_drawn_code, lambda r: f"assignments[{_first_onsite(r)}].target"),
        (_change_seed, lambda r: "seed.value"),
        (_change_targets_hash, lambda r: "targets_sha256"),
        (_swap_inspector, lambda r: f"assignments[{_first_onsite(r)}].inspectors[1]"),
    ],
)
def test_tampered_record_fails_verify_with_the_first_difference(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    tamper: Callable[[dict[str, Any]], None],
    difference: Callable[[dict[str, Any]], str],
) -> None:
    record = _draw_with_out(capsys, tmp_path)
    expected = difference(record)
    tamper(record)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert run_cli_failing(capsys, "verify", str(path)) == (
        1,
        [f"不一致：记录 1 重新计算后，第一处差异在 {expected}。"],
    )
    # The record in the database is untouched and still verifies.
    assert run_cli(capsys, "verify", "1") == (0, ["OK：记录 1 与重新计算的结果一致。"])


# --- draw replace ---------------------------------------------------------------------------


def test_draw_replace_writes_an_amending_record_that_verifies(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = _draw_with_out(capsys, tmp_path)
    task = record["assignments"][_first_onsite(record)]
    removed = task["inspectors"][0]
    code, out = run_cli(
        capsys,
        "draw",
        "replace",
        "1",
        "--target",
        task["target"],
        "--inspector",
        removed,
        "--reason",
        "本人申请回避",
        "--out",
        "replacement.json",
    )
    assert code == 0, out
    replacement = json.loads((tmp_path / "replacement.json").read_text(encoding="utf-8"))
    (new_team,) = [t for t in replacement["assignments"] if t["target"] == task["target"]]
    (added,) = set(new_team["inspectors"]) - set(task["inspectors"])
    assert removed not in new_team["inspectors"]
    assert out[0].startswith(f"第 2 号记录：{task['target']} 的执法人员 {removed} 已由 ")
    assert out[0].endswith(f"（{added}） 替换。")
    assert (replacement["kind"], replacement["amends"], replacement["reason"]) == (
        "replacement",
        1,
        "本人申请回避",
    )
    assert run_cli(capsys, "verify", "replacement.json") == (
        0,
        ["OK：记录 2 与重新计算的结果一致。"],
    )
    with sqlite3.connect(database) as connection:
        states = dict(
            connection.execute(
                "select m.person_key, m.state from assignment_members m "
                "join assignments a on a.id = m.assignment_id where a.credit_code = ?",
                (task["target"],),
            ).fetchall()
        )
    assert states == {removed: "replaced", task["inspectors"][1]: "assigned", added: "assigned"}
    # The first record is no longer current.
    other = task["inspectors"][1]
    assert run_cli_failing(
        capsys,
        "draw",
        "replace",
        "1",
        "--target",
        task["target"],
        "--inspector",
        other,
        "--reason",
        "出差",
    ) == (1, ["第 1 号记录已不是现行记录（现行为第 2 号），请基于现行记录操作。"])


def test_verify_of_a_missing_file_says_it_is_not_found(
    capsys: pytest.CaptureFixture[str], database: Path, tmp_path: Path
) -> None:
    code, lines = run_cli_failing(capsys, "verify", str(tmp_path / "nope.json"))
    assert (code, lines) == (1, [f"找不到记录文件 {tmp_path / 'nope.json'}。"])


@pytest.mark.parametrize("name", ["²", "١", "99999999999"])
def test_verify_of_what_is_no_record_number_looks_for_a_file(
    capsys: pytest.CaptureFixture[str], database: Path, name: str
) -> None:
    """'²'.isdigit() is True and int('١') is 1: only ASCII digits within an id's range name
    a stored record; anything else is a file name."""
    code = main(["verify", name])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"找不到记录文件 {name}。" in out + err


def test_gzipped_record_verifies_and_one_that_unpacks_past_200_to_1_is_refused(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The bot sends large records as .json.gz; a .gz is inflated in bounded chunks, so a
    record padded into a bomb is refused instead of unpacked whole."""
    _draw_with_out(capsys, tmp_path)
    body = (tmp_path / "record.json").read_bytes()
    (tmp_path / "record.json.gz").write_bytes(gzip.compress(body))
    assert run_cli(capsys, "verify", "record.json.gz") == (
        0,
        ["OK：记录 record.json.gz 与重新计算的结果一致。"],
    )
    padded = gzip.compress(body + b" " * (50 * 1024 * 1024), compresslevel=9)
    (tmp_path / "bomb.json.gz").write_bytes(padded)
    code, lines = run_cli_failing(capsys, "verify", "bomb.json.gz")
    assert code == 1
    assert lines == ["不一致：记录 bomb.json.gz 重新计算后，第一处差异在 file。"]


def test_a_record_file_beyond_the_size_limit_is_refused_plain_or_gzipped(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Within 200:1 a .gz can still unpack to gigabytes: the record size is capped too."""
    _draw_with_out(capsys, tmp_path)
    body = (tmp_path / "record.json").read_bytes()
    packed = tmp_path / "record.json.gz"
    packed.write_bytes(gzip.compress(body))
    assert draws.verify_file(tmp_path / "record.json", len(body)).ok
    assert draws.verify_file(packed, len(body)).ok
    assert draws.verify_file(tmp_path / "record.json", len(body) - 1) == VerifyOutcome(
        False, "file"
    )
    assert draws.verify_file(packed, len(body) - 1) == VerifyOutcome(False, "file")
