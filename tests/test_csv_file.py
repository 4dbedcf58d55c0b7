"""The public CSV: a byte-order mark for Excel, ISO dates, and no cell Excel would run."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from storage.csv_file import write_csv


def test_a_cell_excel_would_take_for_a_formula_is_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "public.csv"
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "（保定）有限公司", "A-1"]
    write_csv(path, ["检查对象", "检查时间"], [[name, date(2026, 11, 3)] for name in names])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert [row[0] for row in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "（保定）有限公司",
        "A-1",
    ]
    assert {row[1] for row in rows[1:]} == {"2026-11-03"}
