"""The published quarter page in a real headless browser (Debian's chromium driven by
Playwright), opened from file:// with the network off: the search box and the county and result
filters narrow the rows, the rows are those of the xlsx, nothing is fetched, no script fails,
and on a phone-sized screen nothing is wider than the screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.factories import run_cli
from tests.factories_disclosure import (
    AFTER_THE_QUARTER,
    DrawnQuarter,
    command_line_day,
    drawn_database,
)
from tests.factories_statistics import QUARTER

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, DrawnQuarter]:
    """The quarter drawn, checked and published as pages once it has ended, records included
    (before Playwright starts: its sync API keeps an event loop running, and the command line
    runs its own)."""
    drawn = drawn_database()
    command_line_day(monkeypatch, AFTER_THE_QUARTER)
    assert run_cli(capsys, "publish", QUARTER, "--html", "site")[0] == 0
    return Path("site").resolve(), drawn


@pytest.fixture
def browser(site: tuple[Path, DrawnQuarter]) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _visible_rows(page: Any) -> int:
    return int(page.locator("#result-table tbody tr:visible").count())


def _xlsx_rows(site: Path) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(site / QUARTER / f"results-{QUARTER}.xlsx", read_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    finally:
        workbook.close()


def test_the_page_searches_and_filters_offline_and_fits_a_phone(
    site: tuple[Path, DrawnQuarter], browser: Any, tmp_path: Path
) -> None:
    folder, drawn = site
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    context.set_offline(True)
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(request.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((folder / f"{QUARTER}.html").as_uri())

    xlsx = _xlsx_rows(folder)
    assert _visible_rows(page) == len(xlsx) == len(drawn.published) == 4
    assert page.inner_text("#count") == "显示 4 / 4 条"
    shown = page.locator("#result-table tbody tr").all_inner_texts()
    for row in xlsx:
        assert sum(str(row[2]) in text for text in shown) == 1  # each credit code once

    # Typing part of one name narrows the rows to that target.
    name = str(next(row[1] for row in xlsx if row[4] == "发现问题待后续处理"))
    page.fill("#search", name[2:6])
    assert _visible_rows(page) == 1
    assert page.inner_text("#count") == "显示 1 / 4 条"
    page.fill("#search", "不存在的企业")
    assert _visible_rows(page) == 0 and page.is_visible("#empty")
    page.fill("#search", "")

    page.select_option("#county", "莲池区")
    assert _visible_rows(page) == sum(1 for code in drawn.published if code[2:8] == "130606")
    page.screenshot(path=str(tmp_path / "publish-page.png"))  # for the closing note
    page.select_option("#category", "未发现问题")
    assert _visible_rows(page) == 1
    page.select_option("#county", "")
    assert _visible_rows(page) == sum(1 for c in drawn.published.values() if c == "未发现问题")
    page.select_option("#category", "")
    assert _visible_rows(page) == 4

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling on a phone
    page.goto((folder / "index.html").as_uri())
    page.click(f"text={QUARTER} 抽查结果公示")
    assert page.url.endswith(f"{QUARTER}.html")

    assert errors == []
    assert fetched and all(url.startswith("file://") for url in fetched)
    context.close()
