"""`shuangsuiji publish` end to end on a SQLite file with a quarter drawn for real: the
workbook's three sheets, the CSV, refusals, the page set and its index, the draw records'
public extracts (verified by `verify`), and no inspector's 执法证号 or name in any file; while
the quarter lasts, nothing from which its drawn targets could be known; a failed write marks
nothing."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.factories import run_cli, run_cli_failing
from tests.factories_disclosure import (
    AFTER_THE_QUARTER,
    LOTTERY,
    WHILE_IT_LASTS,
    DrawnQuarter,
    command_line_day,
    drawn_database,
)
from tests.factories_statistics import QUARTER

RESULT_HEADERS = (
    "抽查事项",
    "检查对象",
    "统一社会信用代码",
    "检查时间",
    "检查结果",
    "处理情况",
    "公示日期",
)


@pytest.fixture(autouse=True)
def _after_the_quarter(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests publish 2026Q4 after it ended, unless they say otherwise."""
    command_line_day(monkeypatch, AFTER_THE_QUARTER)


def _published_on(database: Path) -> list[object]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("select published_on from publications")]


def test_the_workbook_holds_the_results_the_item_list_and_the_plans(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn = drawn_database()
    code, out = run_cli(capsys, "publish", QUARTER, "--out", "public.xlsx")
    assert code == 0
    assert out[0].startswith(f"{QUARTER} 公示结果 4 条（其中本次新公示 4 条），已写入 public.xlsx")
    assert out[1] == "另含抽查事项清单 3 项、抽查计划 7 层（抽查记录 3 份）。"
    workbook = openpyxl.load_workbook("public.xlsx")
    assert workbook.sheetnames == ["抽查结果公示", "随机抽查事项清单", "抽查计划"]
    results, items, plans = workbook.worksheets
    rows = list(results.iter_rows(values_only=True))
    assert rows[0] == RESULT_HEADERS and results.freeze_panes == "A2"
    assert {r[2]: r[4] for r in rows[1:]} == drawn.published
    assert all(results.cell(row=n, column=3).number_format == "@" for n in range(2, 6))
    assert [r[0] for r in items.iter_rows(min_row=2, values_only=True)] == [
        "HB-001",
        "HB-002",
        "HB-003",
    ]
    plan_rows = list(plans.iter_rows(values_only=True))
    assert plan_rows[0][:3] == ("抽查记录号", "抽取日期", "层级")
    by_record = [(r[0], r[4], r[5], r[8], r[10], r[13], r[14]) for r in plan_rows[1:]]
    first, redraw, lianchi = (
        drawn.first.record_id,
        drawn.redraw.record_id,
        drawn.lianchi.record_id,
    )
    assert by_record == [
        (first, "特殊", "A级", "50%", 1, None, None),
        (first, "重点", "B级", "25%", 3, None, None),
        (first, "一般", "正面清单", "100%", 3, None, None),
        (redraw, "特殊", "A级", "50%", 1, f"修订第 {first} 号记录", "名录库漏录一家企业"),
        (redraw, "重点", "B级", "25%", 3, f"修订第 {first} 号记录", "名录库漏录一家企业"),
        (redraw, "一般", "正面清单", "100%", 3, f"修订第 {first} 号记录", "名录库漏录一家企业"),
        (lianchi, "重点", "A级", "25%", 2, None, None),
    ]


def test_the_csv_is_utf8_with_a_byte_order_mark_and_holds_the_results_only(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn = drawn_database()
    code, out = run_cli(capsys, "publish", QUARTER.lower(), "--out", "public.csv")
    assert code == 0
    assert out[1] == "CSV 只含抽查结果；抽查事项清单和抽查计划请用 .xlsx 或 --html 公示。"
    data = Path("public.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == RESULT_HEADERS
    assert {r[2]: r[4] for r in rows[1:]} == drawn.published
    assert all(r[3] == "2026-11-03" for r in rows[1:])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["2026Q5", "--out", "public.xlsx"], "季度“2026Q5”格式不对，应如 2026Q4。"),
        ([QUARTER, "--out", "public.pdf"], "输出文件 public.pdf 应以 .xlsx 或 .csv 结尾。"),
        (
            [QUARTER, "--out", "missing/public.xlsx"],
            "无法写入 missing/public.xlsx（目录不存在或无权限），未公示。",
        ),
    ],
)
def test_a_bad_quarter_or_file_is_refused_and_nothing_is_marked_published(
    database: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    drawn_database()
    assert run_cli_failing(capsys, "publish", *argv) == (1, [message])
    assert _published_on(database) == []  # nor are the deadlines kept: nothing was written


def _site(capsys: pytest.CaptureFixture[str]) -> tuple[DrawnQuarter, Path]:
    drawn = drawn_database()
    code, out = run_cli(capsys, "publish", QUARTER, "--html", "site")
    assert code == 0, out
    assert out == [
        f"{QUARTER} 公示页已写入 site（结果 4 条，其中本次新公示 4 条）：整个目录可原样上传。"
    ]
    return drawn, Path("site")


def test_the_page_set_has_an_index_a_quarter_page_downloads_and_the_record_extracts(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn, site = _site(capsys)
    records = [drawn.first.record_id, drawn.redraw.record_id, drawn.lianchi.record_id]
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == sorted(
        [
            "index.html",
            f"{QUARTER}.html",
            f"{QUARTER}/results-{QUARTER}.xlsx",
            f"{QUARTER}/results-{QUARTER}.csv",
            *(f"{QUARTER}/records/draw-{n}.json" for n in records),
        ]
    )
    page = (site / f"{QUARTER}.html").read_text(encoding="utf-8")
    for n in records:
        assert f'href="{QUARTER}/records/draw-{n}.json"' in page
    assert "名录库漏录一家企业" in page and "shuangsuiji verify" in page
    assert LOTTERY_IN_PAGE in page  # the public seed text anyone can check
    assert "<script src" not in page and "<link" not in page and "http" not in page
    # Another quarter published into the same directory joins the index, newest first.
    assert run_cli(capsys, "publish", "2026Q3", "--html", "site")[0] == 0
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.index('href="2026Q4.html"') < index.index('href="2026Q3.html"')
    assert (site / f"{QUARTER}.html").read_text(encoding="utf-8") == page


LOTTERY_IN_PAGE = "公开文本“2026-10-08 双色球 第2026115期 02 08 15 21 26 33 + 09”"


def test_a_second_run_writes_the_same_pages_and_keeps_the_publication_day(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, site = _site(capsys)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.suffix in (".html", ".csv", ".json")}
    days = _published_on(database)
    code, out = run_cli(capsys, "publish", QUARTER, "--html", "site")
    assert code == 0 and "其中本次新公示 0 条" in out[0]
    assert {p: p.read_bytes() for p in before} == before
    assert _published_on(database) == days and None not in days


def _secrets(database: Path) -> set[str]:
    """Every inspector's 执法证号 and name, and every person the records and results name."""
    with sqlite3.connect(database) as connection:
        found = {
            str(value)
            for query in (
                "select cert_no from inspectors",
                "select name from inspectors",
                "select person_key from assignment_members",
                "select submitted_by from inspection_results",
                "select actor from result_transitions",
            )
            for (value,) in connection.execute(query)
        }
    assert len(found) > 20
    return found


def _file_texts(site: Path) -> dict[str, bytes]:
    """Every file's bytes; an .xlsx's members unpacked, since its text is compressed."""
    found: dict[str, bytes] = {}
    for path in site.rglob("*"):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    found[f"{path}!{name}"] = archive.read(name)
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


def test_no_inspector_is_named_in_any_file_of_the_page_set(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    drawn, site = _site(capsys)
    secrets = _secrets(database)
    files = _file_texts(site)
    assert len(files) > 10
    for name, data in files.items():
        for secret in secrets:
            assert secret.encode() not in data, (name, secret)
    # The full record does name them: the extract is what left them out.
    code, _ = run_cli(capsys, "draw", "export", str(drawn.first.record_id), "--out", "full.json")
    full = Path("full.json").read_bytes()
    assert code == 0 and any(secret.encode() in full for secret in secrets)


def test_each_extract_verifies_and_ties_to_the_full_record(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn, site = _site(capsys)
    for outcome in (drawn.first, drawn.redraw, drawn.lianchi):
        path = site / QUARTER / "records" / f"draw-{outcome.record_id}.json"
        assert run_cli(capsys, "verify", str(path)) == (
            0,
            [
                f"OK：公开摘要 {outcome.record_id} 的检查对象抽取与重新计算的结果一致。"
                "执法人员的抽取未公开（名单含执法证号），摘要只有其 SHA-256，这一部分无法由摘要复核。"
            ],
        )
        extract = json.loads(path.read_bytes())
        with sqlite3.connect(database) as connection:
            (body,) = connection.execute(
                "select body from draw_records where id = ?", (outcome.record_id,)
            ).fetchone()
        assert extract["body_sha256"] == hashlib.sha256(body.encode()).hexdigest()
        for key in ("targets_sha256", "inspectors_sha256", "conflicts_sha256", "experts_sha256"):
            assert extract[key] == outcome.record[key]
        assert (extract["amends"], extract["reason"]) == (
            outcome.record["amends"],
            outcome.record["reason"],
        )


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        ("rename_target", "targets"),
        ("other_drawn_target", "assignments[0].target"),
    ],
)
def test_a_tampered_extract_fails_verify_at_that_spot(
    database: Path, capsys: pytest.CaptureFixture[str], change: str, difference: str
) -> None:
    drawn, site = _site(capsys)
    record_id = drawn.lianchi.record_id
    path = site / QUARTER / "records" / f"draw-{record_id}.json"
    extract = json.loads(path.read_bytes())
    if change == "rename_target":
        extract["targets"][0]["name"] = "保定另一家环保科技有限公司"
    else:
        drawn_codes = {t["target"] for t in extract["assignments"]}
        spare = next(
            t["credit_code"] for t in extract["targets"] if t["credit_code"] not in drawn_codes
        )
        extract["assignments"][0]["target"] = spare
    tampered = Path("tampered.json")
    tampered.write_text(json.dumps(extract, ensure_ascii=False), encoding="utf-8")
    assert run_cli_failing(capsys, "verify", str(tampered)) == (
        1,
        [f"不一致：记录 {record_id} 重新计算后，第一处差异在 {difference}。"],
    )


def test_publishing_needs_a_writable_directory(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("taken").write_text("a file, not a directory", encoding="utf-8")
    assert run_cli_failing(capsys, "publish", QUARTER, "--html", "taken") == (
        1,
        ["taken 不是可写的目录，未公示。"],
    )


def test_markup_in_a_name_stays_text_on_the_page(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn = drawn_database()
    code = next(iter(drawn.published))
    with sqlite3.connect(database) as connection:
        connection.execute(
            "update targets set name = ? where credit_code = ?",
            ("</script><script>alert(1)</script>有限公司", code),
        )
        connection.execute("update inspection_items set name = '<b>排污</b>' where code = 'HB-001'")
    assert run_cli(capsys, "publish", QUARTER, "--html", "site")[0] == 0
    page = Path("site", f"{QUARTER}.html").read_text(encoding="utf-8")
    assert page.count("<script") == 2  # the data and the page's script, nothing more
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in page
    assert "&lt;b&gt;排污&lt;/b&gt;" in page and "<b>" not in page


WITHHELD = "抽取记录（种子与被抽中的检查对象）在本季度结束后公开：检查对象在现场检查前保密。"


def _drawn_codes(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {code for (code,) in connection.execute("select credit_code from assignments")}


def test_while_the_quarter_lasts_no_file_tells_who_is_to_be_inspected(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command_line_day(monkeypatch, WHILE_IT_LASTS)
    drawn, site = _site(capsys)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [
        QUARTER,
        f"{QUARTER}.html",
        f"{QUARTER}/results-{QUARTER}.csv",
        f"{QUARTER}/results-{QUARTER}.xlsx",
        "index.html",
    ]
    files = _file_texts(site)
    not_yet_checked = _drawn_codes(database) - set(drawn.published)
    seeds = {
        str(outcome.seed[key])
        for outcome in (drawn.first, drawn.redraw, drawn.lianchi)
        for key in ("value", "public_text")
    }
    assert len(not_yet_checked) >= 5 and LOTTERY in seeds
    for name, data in files.items():
        for secret in not_yet_checked | seeds:
            assert secret.encode() not in data, (name, secret)
    # What passed review is published all the same, on this day.
    every = b"".join(files.values())
    assert all(code.encode() in every for code in drawn.published)
    assert set(_published_on(database)) == {WHILE_IT_LASTS.isoformat()}
    page = (site / f"{QUARTER}.html").read_text(encoding="utf-8")
    assert WITHHELD in page and "shuangsuiji verify" not in page
    plans = openpyxl.load_workbook(site / QUARTER / f"results-{QUARTER}.xlsx")["抽查计划"]
    assert list(plans.iter_rows(values_only=True))[-1][0] == WITHHELD


def test_once_the_quarter_has_ended_a_new_run_adds_the_records(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command_line_day(monkeypatch, WHILE_IT_LASTS)
    drawn, site = _site(capsys)
    command_line_day(monkeypatch, AFTER_THE_QUARTER)
    code, out = run_cli(capsys, "publish", QUARTER, "--html", "site")
    assert code == 0 and "其中本次新公示 0 条" in out[0]
    page = (site / f"{QUARTER}.html").read_text(encoding="utf-8")
    assert WITHHELD not in page and LOTTERY_IN_PAGE in page
    path = site / QUARTER / "records" / f"draw-{drawn.lianchi.record_id}.json"
    assert run_cli(capsys, "verify", str(path))[0] == 0
    assert set(_published_on(database)) == {WHILE_IT_LASTS.isoformat()}  # the first day kept


@pytest.mark.parametrize("day", [WHILE_IT_LASTS, AFTER_THE_QUARTER])
def test_the_plans_sheet_names_no_target(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    day: date,
) -> None:
    command_line_day(monkeypatch, day)
    drawn_database()
    assert run_cli(capsys, "publish", QUARTER, "--out", "public.xlsx")[0] == 0
    plans = openpyxl.load_workbook("public.xlsx")["抽查计划"]
    rows = list(plans.iter_rows(min_row=2, values_only=True))
    text = "\n".join("\t".join(str(v) for v in row if v is not None) for row in rows)
    with sqlite3.connect(database) as connection:
        targets = {
            v for row in connection.execute("select credit_code, name from targets") for v in row
        }
    assert len(rows) >= 7 and len(targets) == 2 * 25
    assert not [t for t in targets if t in text]
    assert (rows[-1][0] == WITHHELD) is (day == WHILE_IT_LASTS)


@pytest.mark.parametrize(
    ("taken", "error"),
    [
        (QUARTER, f"Not a directory: 'site/{QUARTER}/records'"),  # a file, not the folder
        (f"{QUARTER}.html", f"Is a directory: 'site/{QUARTER}.html'"),  # a folder, not the page
    ],
)
def test_a_failed_write_marks_nothing_and_a_run_after_the_fix_publishes(
    database: Path, capsys: pytest.CaptureFixture[str], taken: str, error: str
) -> None:
    drawn_database()
    site = Path("site")
    site.mkdir()
    if taken == QUARTER:
        (site / taken).write_text("a file where the quarter's folder goes", encoding="utf-8")
    else:
        (site / taken).mkdir()
    code, errors = run_cli_failing(capsys, "publish", QUARTER, "--html", "site")
    assert (code, len(errors)) == (1, 1)
    assert errors[0].startswith("写入 site 失败（[Errno ") and error in errors[0]
    assert errors[0].endswith("），未公示：公示日期没有记录，可排除问题后重新运行。")
    assert _published_on(database) == []
    assert [p.name for p in site.iterdir()] == [taken]  # nothing else, no scratch folder left
    (site / taken).unlink() if taken == QUARTER else (site / taken).rmdir()
    code, out = run_cli(capsys, "publish", QUARTER, "--html", "site")
    assert code == 0 and "其中本次新公示 4 条" in out[0]
    assert set(_published_on(database)) == {AFTER_THE_QUARTER.isoformat()}


def test_out_through_a_link_writes_the_file_it_names(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn = drawn_database()
    Path("www").mkdir()
    Path("public.xlsx").symlink_to(Path("www", "public.xlsx"))  # not there yet
    assert run_cli(capsys, "publish", QUARTER, "--out", "public.xlsx")[0] == 0
    assert Path("public.xlsx").is_symlink()  # still the link, to the file written
    sheet = openpyxl.load_workbook(Path("www", "public.xlsx")).worksheets[0]
    assert len(list(sheet.iter_rows(min_row=2))) == len(drawn.published) == 4
    assert sorted(p.name for p in Path("www").iterdir()) == ["public.xlsx"]


def test_out_through_a_dangling_link_is_refused_before_anything_is_marked(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawn_database()
    Path("public.xlsx").symlink_to(Path("gone", "public.xlsx"))
    assert run_cli_failing(capsys, "publish", QUARTER, "--out", "public.xlsx") == (
        1,
        ["无法写入 public.xlsx（目录不存在或无权限），未公示。"],
    )
    assert _published_on(database) == []
