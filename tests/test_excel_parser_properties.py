"""Properties of the cell readers, and the round trip sheet → import → export → import."""

from __future__ import annotations

import asyncio
import math
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.context import AppContext
from bot.services.directories import export_directory, import_directory
from spotcheck.credit_code import CHARSET, complete_credit_code
from spotcheck.regions import BAODING_COUNTIES, CityRegions
from storage import cells, excel
from storage.cells import CellError, CellProblem
from storage.models import AuditLog
from storage.sheets import sheet_spec
from tests.conftest import make_config
from tests.factories import TARGET_HEADERS, write_workbook

MB = 1024 * 1024
SEPARATORS = [";", ",", "、", "，", "；", "/", "|", " ", "\u3000", "\n", " ; "]

chinese = "保定市恒信化工有限公司环保科技涉水危废印染铸造竞秀莲池"
word_alphabet = chinese + "ABCvocsVOCs0123456789ＡＢＣ１２３-_.()（）"
word = st.text(alphabet=word_alphabet, min_size=1, max_size=8)


def _column(header: str) -> Any:
    return next(c for c in sheet_spec("targets", CityRegions()).columns if c.header == header)


# --- word lists ----------------------------------------------------------------------------


@given(st.lists(word, max_size=8), st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=8))
def test_word_list_is_sorted_unique_and_survives_the_export_join(
    words: list[str], separators: list[str]
) -> None:
    written = "".join(w + separators[i % len(separators)] for i, w in enumerate(words))
    found = cells.word_list(written)
    assert found == sorted(set(found))
    assert all(w and not re.search(r"[;,、，；/|\s]", w) for w in found)
    tags = _column("标签")
    assert tags.read(tags.write(found)) == found
    assert cells.word_list(";".join(found)) == found


def test_word_list_folds_full_width_and_drops_duplicates() -> None:
    assert cells.word_list("涉VOCs;危废、 涉ＶＯＣｓ；；") == ["危废", "涉VOCs"]
    assert cells.word_list(None) == []


@given(st.text(max_size=60))
def test_word_list_is_idempotent_on_any_text(written: str) -> None:
    found = cells.word_list(written)
    assert cells.word_list(";".join(found)) == found


# --- yes / no ------------------------------------------------------------------------------


@given(st.booleans())
def test_yes_no_round_trips_through_export(flag: bool) -> None:
    column = _column("正面清单")
    assert column.write(flag) == ("是" if flag else "否")
    assert column.read(column.write(flag)) is flag


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("是", True),
        ("Y", True),
        ("yes", True),
        ("１", True),
        ("√", True),
        (1, True),
        (True, True),
        ("否", False),
        ("n", False),
        ("", False),
        (None, False),
        (0, False),
        (" 否 ", False),
    ],
)
def test_yes_no_spellings(written: object, expected: bool) -> None:
    assert cells.yes_no(written) is expected


def test_yes_no_refuses_anything_else() -> None:
    with pytest.raises(CellError) as caught:
        cells.yes_no("也许")
    assert (caught.value.problem, caught.value.detail) == (CellProblem.YES_NO, "也许")


# --- coordinates ---------------------------------------------------------------------------


@given(st.floats(min_value=73.0, max_value=136.0))
def test_coordinate_in_range_is_kept(value: float) -> None:
    assert cells.coordinate(value, 73.0, 136.0) == value
    assert cells.coordinate(repr(value), 73.0, 136.0) == value


@given(
    st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda v: math.isnan(v) or not 73.0 <= v <= 136.0
    )
)
def test_coordinate_out_of_range_or_nan_is_refused(value: float) -> None:
    for written in (value, str(value)):
        with pytest.raises(CellError) as caught:
            cells.coordinate(written, 73.0, 136.0)
        assert caught.value.problem is CellProblem.COORDINATE


def test_coordinate_that_is_not_a_number_is_refused_and_blank_is_none() -> None:
    with pytest.raises(CellError) as caught:
        cells.coordinate("东经115度", 73.0, 136.0)
    assert caught.value.problem is CellProblem.NUMBER
    assert cells.coordinate(None, 73.0, 136.0) is None
    assert cells.coordinate("", 73.0, 136.0) is None
    assert cells.coordinate("１１５.５", 73.0, 136.0) == 115.5


@pytest.mark.parametrize("written", ["١١٥.٥", "1_15.5", "११५", "115.5\u0660"])
def test_coordinate_in_other_digits_or_with_underscores_is_not_a_number(written: str) -> None:
    """float() reads Arabic-Indic and Devanagari digits and underscores; a cell must not."""
    with pytest.raises(CellError) as caught:
        cells.coordinate(written, 73.0, 136.0)
    assert caught.value.problem is CellProblem.NUMBER


# --- certificate numbers -------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10**18))
def test_certificate_number_of_an_int_is_its_digits(number: int) -> None:
    assert cells.certificate_number(number) == str(number)
    assert re.fullmatch(r"[0-9]+", cells.certificate_number(number))


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_certificate_number_of_an_integral_float_is_its_digits(number: int) -> None:
    assert cells.certificate_number(float(number)) == str(number)


@given(st.floats(min_value=1e15, max_value=1e30))
def test_certificate_number_beyond_excel_precision_is_refused(number: float) -> None:
    # Excel keeps 15 significant digits: a 16-digit number has already lost its last ones.
    with pytest.raises(CellError) as caught:
        cells.certificate_number(number)
    assert caught.value.problem is CellProblem.SCIENTIFIC


@given(st.integers(min_value=0, max_value=10**18) | st.floats(allow_nan=False))
def test_credit_code_stored_as_a_number_is_always_refused(number: float) -> None:
    with pytest.raises(CellError) as caught:
        cells.credit_code(number)
    assert caught.value.problem is CellProblem.SCIENTIFIC


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=18))
def test_zero_padding_format_restores_the_leading_zeros(number: int, width: int) -> None:
    assert cells.certificate_number(number, "0" * width) == str(number).zfill(width)


@given(st.text(alphabet="0123456789ABC", min_size=1, max_size=20))
def test_certificate_number_written_as_text_is_kept(written: str) -> None:
    assert cells.certificate_number(written, "@") == written


@pytest.mark.parametrize("written", ["1.3E+10", "1.30602E+11", "1.3e10", "１.３Ｅ＋１０"])
def test_certificate_number_in_scientific_notation_is_refused(written: str) -> None:
    with pytest.raises(CellError) as caught:
        cells.certificate_number(written)
    assert caught.value.problem is CellProblem.SCIENTIFIC


def test_certificate_number_with_a_fraction_is_refused() -> None:
    with pytest.raises(CellError) as caught:
        cells.certificate_number(1.3e-5)
    assert caught.value.problem is CellProblem.SCIENTIFIC


# --- the round trip ------------------------------------------------------------------------

text_alphabet = chinese + "abcXYZ0123456789 -=+@'\"#&<>（）()、·\n"
counties = sorted(BAODING_COUNTIES)
class_words = ["特殊", "重点", "一般", "特殊监管对象", "重点监管对象", "一般监管对象", "key"]


@st.composite
def target_rows(draw: st.DrawFn) -> dict[str, Any]:
    charset = st.sampled_from(CHARSET)
    head = draw(charset) + draw(charset)
    division = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6)))
    body = "".join(draw(st.lists(charset, min_size=8, max_size=8)))
    region = draw(st.sampled_from(counties))
    official = BAODING_COUNTIES[region]
    short = official[:-1] if len(official) > 2 and official[-1] in "区县市" else official
    classes = draw(st.lists(st.sampled_from(class_words), min_size=1, max_size=3, unique=True))
    tags = draw(st.lists(word, max_size=4))
    return {
        "统一社会信用代码": complete_credit_code(head + division + body),
        "单位名称": draw(
            st.text(text_alphabet, min_size=1, max_size=40)
            .filter(str.strip)
            .filter(_not_an_excel_error)
        ),
        "行政区划代码": region,
        "所属区县": draw(st.sampled_from(["", official, short])),
        "行业类别": draw(st.sampled_from(["", "印染", "皮革、毛皮、羽毛及其制品和制鞋业"])),
        "排污许可管理类别": draw(st.sampled_from(["", "重点管理", "简化管理", "登记管理"])),
        "监管类别": draw(st.sampled_from(["、", ";", " "])).join(classes),
        "正面清单": draw(st.sampled_from(["是", "否", "", "Y", "n", None])),
        "信用风险等级": draw(st.sampled_from(["A", "b", "C类", "高风险", "一般风险"])),
        "标签": draw(st.sampled_from(SEPARATORS)).join(tags),
        "地址": draw(st.text(text_alphabet, max_size=60).filter(_not_an_excel_error)),
        "经度": draw(st.none() | st.floats(min_value=73.0, max_value=136.0)),
        "纬度": draw(st.none() | st.floats(min_value=3.0, max_value=54.0)),
    }


def _write_as_typed(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The sheet a clerk typed: every string is text, even one that starts with '='."""
    write_workbook(path, TARGET_HEADERS, rows)
    workbook = openpyxl.load_workbook(path)
    for row, values in zip(workbook.active.iter_rows(min_row=2), rows, strict=True):
        for cell, header in zip(row, TARGET_HEADERS, strict=True):
            if isinstance(values[header], str):
                cell.value = values[header]
                cell.data_type = "s"
    workbook.save(path)
    return path


async def _round_trip(database: Path, folder: Path, rows: list[dict[str, Any]]) -> None:
    ctx = await AppContext.open(make_config(f"sqlite:///{database}"), migrate=False)
    try:
        regions = ctx.config.regions

        async def load(path: Path) -> tuple[int, int, int, bool]:
            report = await import_directory(
                ctx.sessions, regions, "targets", path, actor="test", max_bytes=20 * MB
            )
            assert report.problems == [] and report.sheet_problems == []
            return report.added, report.updated, report.unchanged, report.refused

        async def audited() -> int:
            async with ctx.sessions() as session:
                return await session.scalar(select(func.count()).select_from(AuditLog)) or 0

        source = _write_as_typed(folder / "source.xlsx", rows)
        assert await load(source) == (len(rows), 0, 0, False)
        assert await audited() == len(rows)
        assert await load(source) == (0, 0, len(rows), False)
        exported = folder / "export.xlsx"
        assert await export_directory(ctx.sessions, regions, "targets", exported) == len(rows)
        assert await load(exported) == (0, 0, len(rows), False)
        again = folder / "again.xlsx"
        await export_directory(ctx.sessions, regions, "targets", again)
        assert excel.read_values(again, MB) == excel.read_values(exported, MB)
        assert await audited() == len(rows)
    finally:
        await ctx.close()


def _not_an_excel_error(written: str) -> bool:
    return written.strip() not in cells.EXCEL_ERRORS


FORMULA_LIKE = {
    "统一社会信用代码": "91350100M000100Y43",
    "单位名称": "=1+1",
    "行政区划代码": "130602",
    "所属区县": "竞秀",
    "行业类别": "",
    "排污许可管理类别": "",
    "监管类别": "重点",
    "正面清单": "否",
    "信用风险等级": "A",
    "标签": "a;=x",
    "地址": " #1号楼",
    "经度": None,
    "纬度": None,
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(target_rows(), min_size=1, max_size=6, unique_by=lambda r: r["统一社会信用代码"]))
@example([FORMULA_LIKE])
def test_export_of_any_valid_sheet_reimports_unchanged(
    sqlite_template: Path, rows: list[dict[str, Any]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "round.db"
        shutil.copyfile(sqlite_template, database)
        asyncio.run(_round_trip(database, Path(folder), rows))


def test_text_that_looks_like_a_formula_is_exported_as_text(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """A name typed as '=1+1' (text in the source) must not become a live formula on export."""
    source = _write_as_typed(tmp_path / "t.xlsx", [{**FORMULA_LIKE, "单位名称": "=1+1"}])
    database = tmp_path / "f.db"
    shutil.copyfile(sqlite_template, database)

    async def run() -> None:
        ctx = await AppContext.open(make_config(f"sqlite:///{database}"), migrate=False)
        try:
            report = await import_directory(
                ctx.sessions, ctx.config.regions, "targets", source, actor="t", max_bytes=MB
            )
            assert (report.refused, report.added) == (False, 1)
            await export_directory(ctx.sessions, ctx.config.regions, "targets", tmp_path / "e.xlsx")
        finally:
            await ctx.close()

    asyncio.run(run())
    with zipfile.ZipFile(tmp_path / "e.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    exported = excel.read_values(tmp_path / "e.xlsx", MB)[1]
    assert (exported[1], exported[9], exported[10]) == ("=1+1", "=x;a", "#1号楼")


@pytest.mark.parametrize("cached", ["#N/A", "#DIV/0!", "#REF!"])
def test_a_formula_error_cached_by_excel_is_refused(cached: str) -> None:
    with pytest.raises(CellError) as caught:
        cells.text(cached)
    assert (caught.value.problem, caught.value.detail) == (CellProblem.FORMULA_ERROR, cached)
