"""CSV files for the public: UTF-8 with a byte-order mark, so that Excel on a Chinese Windows
opens them as UTF-8 rather than GBK; dates as ISO text; no cell Excel would run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

# Excel treats a cell beginning with one of these as a formula (CSV injection): a leading
# apostrophe makes it text, and Excel does not show the apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows([_cell(value) for value in row] for row in rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
