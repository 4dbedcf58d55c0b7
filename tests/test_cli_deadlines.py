"""`shuangsuiji deadlines YEAR [--json]` end to end through bot.cli.main: the JSON the issue
specifies on stdout, the unknown-year warning on stderr, and config that makes a year known."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import config_from_mapping
from spotcheck.workdays import Workday

Q2024_1 = {
    "quarter": "2024Q1",
    "summary_window": ["2024-03-27", "2024-03-29"],
    "statistics_window": ["2024-04-01", "2024-04-03"],
    "statistics_due": "2024-04-03",
    "draw_due": "2024-01-15",
    "provisional": False,
}
WARNING_2027 = (
    "注意：2027、2028 年的放假安排尚未收录，相关日期按周一至周五并避开法定节假日推算（调休上班日未计入），标注为暂定（provisional）。"
    "请在配置 [calendar] 中补充该年的 extra_holidays 和 extra_workdays。"
)

# A 2027 schedule as an admin would copy it from the State Council's notice (these dates are
# an example: New Year 01-01, Spring Festival 02-06..12 with 02-14 worked, Qingming 04-05,
# National Day 10-01..07 with 09-26 and 10-09 worked).
CONFIG_2027 = """
[calendar]
extra_holidays = [2027-01-01, 2027-02-08, 2027-02-09, 2027-02-10, 2027-02-11, 2027-02-12,
                  2027-04-05, 2027-10-01, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07]
extra_workdays = [2027-02-14, 2027-09-26, 2027-10-09]
"""


@pytest.fixture(autouse=True)
def _fresh_database(database: Path) -> Path:
    """Every test here on the fresh file of the shared ``database`` fixture."""
    return database


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def by_quarter(out: str) -> dict[str, dict[str, Any]]:
    rows = json.loads(out)
    assert isinstance(rows, list)
    return {row["quarter"]: row for row in rows}


def test_deadlines_2024_json_is_exactly_the_issues_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "deadlines", "2024", "--json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [r["quarter"] for r in rows] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert rows[0] == Q2024_1
    assert list(rows[0]) == list(Q2024_1)  # the keys in the issue's order
    assert rows[2]["summary_window"] == ["2024-09-27", "2024-09-30"]  # 09-29, a Sunday worked
    assert rows[2]["statistics_window"] == ["2024-10-08", "2024-10-10"]  # after National Day
    assert rows[3]["statistics_window"] == ["2025-01-02", "2025-01-06"]
    assert not any(r["provisional"] for r in rows)


def test_deadlines_2025_json_is_valid_with_four_firm_quarters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "deadlines", "2025", "--json")
    assert (code, err) == (0, "")
    rows = by_quarter(out)
    assert list(rows) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert rows["2025Q3"]["statistics_window"] == ["2025-10-09", "2025-10-11"]  # a Saturday
    assert rows["2025Q3"]["statistics_due"] == "2025-10-11"
    assert {r["draw_due"] for r in rows.values()} == {
        "2025-01-15",
        "2025-04-15",
        "2025-07-15",
        "2025-10-15",
    }
    assert [r["provisional"] for r in rows.values()] == [False] * 4


def test_deadlines_2027_json_is_provisional_and_warns_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "deadlines", "2027", "--json")
    assert code == 0
    assert err == WARNING_2027 + "\n"
    rows = by_quarter(out)  # stdout stays one clean JSON document
    assert [r["provisional"] for r in rows.values()] == [True] * 4
    # Monday to Friday less the statutory holidays: Qingming (04-05) and National Day with its
    # days off for 10-02 and 10-03, a weekend (10-04, 10-05), are skipped; 调休 is not known.
    assert rows["2027Q1"]["statistics_window"] == ["2027-04-01", "2027-04-06"]
    assert rows["2027Q3"]["statistics_window"] == ["2027-10-06", "2027-10-08"]


def test_deadlines_2027_never_open_a_window_on_new_year_or_national_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    opened = []
    for year in ("2026", "2027"):
        code, out, _ = run(capsys, "deadlines", year, "--json")
        assert code == 0
        for row in json.loads(out):
            opened += [row["summary_window"][0], row["statistics_window"][0]]
    assert opened  # and none on a day that is a statutory holiday every year
    assert not [day for day in opened if day[5:] in ("01-01", "10-01")]


def test_2027_spring_festival_days_are_provisional_holidays() -> None:
    """chinesecalendar does not know 2027 yet; the holidays package computes its lunar days:
    除夕 02-05 (Friday) and 02-06..08, with 02-09 and 02-10 off for the weekend days."""
    calendar = config_from_mapping({}).calendar.workdays()
    for day in range(5, 11):
        if date(2027, 2, day).weekday() < 5:
            assert calendar.is_workday(date(2027, 2, day)) == Workday(False, True)
    assert calendar.is_workday(date(2027, 2, 11)) == Workday(True, True)
    assert calendar.unknown_years([2027]) == (2027,)  # still provisional: 调休 unknown


def test_deadlines_2027_with_its_holidays_in_the_config_are_no_longer_provisional(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG_2027, encoding="utf-8")
    code, out, err = run(capsys, "--config", str(config), "deadlines", "2027", "--json")
    assert code == 0
    rows = by_quarter(out)
    assert rows["2027Q1"]["statistics_window"] == ["2027-04-01", "2027-04-06"]
    assert rows["2027Q3"]["summary_window"] == ["2027-09-28", "2027-09-30"]
    assert rows["2027Q3"]["statistics_window"] == ["2027-10-08", "2027-10-11"]
    assert [rows[q]["provisional"] for q in ("2027Q1", "2027Q2", "2027Q3")] == [False] * 3
    # Q4's statistics window reaches into 2028, which nobody knows yet: only that is guessed
    assert rows["2027Q4"]["provisional"] is True
    assert "2028" in err and "2027" not in err


def test_deadlines_text_marks_provisional_quarters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "deadlines", "2024")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "2024Q1  工作总结 2024-03-27–2024-03-29  统计表 2024-04-01–2024-04-03  抽取截止 2024-01-15"
    )
    code, out, err = run(capsys, "deadlines", "2027")
    assert out.splitlines()[0].startswith("2027Q1（暂定）  工作总结 2027-03-29–2027-03-31")
    assert err == WARNING_2027 + "\n"


def test_deadlines_for_a_year_out_of_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "deadlines", "1800", "--json")
    assert (code, out) == (2, "")
    assert err == "年份 1800 超出范围（1900–2100）。\n"
