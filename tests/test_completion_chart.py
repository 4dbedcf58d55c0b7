"""The completion chart drawn from the seeded quarter's statistics (tests/factories_statistics.py),
read back from the PNG: each bar's length against the minimum line, in pixels; the labels drawn
as glyphs; a font without Chinese refused rather than drawn as boxes."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from bot.charts.completion import chart_of_city, chart_of_county, render
from bot.charts.fonts import ChartFontError, FontFile, FontProblem, find_cjk_font
from bot.context import AppContext
from bot.services.statistics import quarter_statistics
from bot.texts import texts_for
from spotcheck.statistics import QuarterStatistics
from tests.chart_pixels import close, measure
from tests.factories_statistics import JINGXIU, QUARTER, seed_quarter

DAY = date(2026, 11, 16)
DEJAVU = FontFile(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
F = Fraction


async def _table(ctx: AppContext, region: str | None = None) -> QuarterStatistics:
    await seed_quarter(ctx)
    async with ctx.sessions() as session:
        return await quarter_statistics(ctx, session, QUARTER, region)


async def test_the_city_chart_shows_each_county_s_passed_and_drawn_against_its_minimum(
    ctx: AppContext,
) -> None:
    table = await _table(ctx)
    chart = chart_of_city(texts_for("zh"), ctx.config.regions, table, DAY)
    png = render(chart, find_cjk_font(None))
    seen = measure(png)
    width, height = seen.size
    # 26 counties and the city level, legible on a phone, within Telegram's photo limits
    assert 900 <= width <= 1280 and 27 * 30 < height < 2000
    # bars only where something is required: 竞秀区 1 of 5 passed, 4 drawn; 莲池区 1 of 1;
    # the city level 1 of 4 — the dark 竞秀区 bar a fifth of 莲池区's
    assert close(seen.passed, [F(1, 5), F(1), F(1, 4)], seen.unit), seen
    assert close(seen.reached, [F(4, 5), F(1), F(1, 4)], seen.unit), seen
    assert seen.passed[0] < seen.passed[1]


async def test_a_county_admin_s_chart_shows_his_classes(ctx: AppContext) -> None:
    table = await _table(ctx, JINGXIU)
    chart = chart_of_county(texts_for("zh"), ctx.config.regions, table, JINGXIU, DAY)
    assert [b.label for g in chart.groups for b in g] == ["特殊", "重点", "一般"]
    seen = measure(render(chart, find_cjk_font(None)))
    # special drawn 1 of 1, key 2 of 3 (1 passed), general 1 of 1: a pale bar at 100%, a
    # dark third under a pale two thirds, a pale bar at 100%
    assert close(seen.passed, [F(1, 3)], seen.unit), seen
    assert close(seen.reached, [F(1), F(2, 3), F(1)], seen.unit), seen
    assert seen.size[1] < 400  # three rows, not the city's 27


async def test_the_chart_s_words_are_glyphs_not_boxes(ctx: AppContext) -> None:
    table = await _table(ctx, JINGXIU)
    chart = chart_of_county(texts_for("zh"), ctx.config.regions, table, JINGXIU, DAY)
    font = find_cjk_font(None)
    face = font.load(40)
    box = face.getmask("\u0378")  # an unassigned code point: the font's .notdef
    for ch in "竞秀区双随机抽查完成情况已通过应抽数特殊重点一般":
        drawn = face.getmask(ch)
        assert (drawn.size, bytes(drawn)) != (box.size, bytes(box)), ch
        assert any(bytes(drawn)), ch
    # and a font that has none of them is refused, naming what it lacks: never drawn as boxes
    with pytest.raises(ChartFontError) as refused:
        render(chart, DEJAVU)
    assert refused.value.problem is FontProblem.NO_GLYPHS
    assert {"竞", "秀", "区", "特", "殊"} <= set(refused.value.missing)
    assert not set("0123456789%") & set(refused.value.missing)
