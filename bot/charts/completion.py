"""The completion chart (完成情况图): one horizontal bar per county — or, for a county admin,
per class — against the minimum line, as a PNG.

Each bar is scaled to its own 应抽数, so the minimum is one vertical line at 100% that every
bar should reach, and a county with 3 required checks reads beside one with 300. The dark bar
is 已通过 (results that passed review: 完成率 = 已通过 ÷ 应抽数, the Excel table's), the pale
one behind it 已抽数 (how far the draw has gone). Horizontal, so a city's 26 county names stay
legible on a phone.

Pure drawing: the words come in already written (the catalogue's), the numbers from the rows of
the statistics table (bot/services/statistics.py); chart_of_city / chart_of_county pick them.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from PIL import Image, ImageDraw, ImageFont

from bot.charts.fonts import ChartFontError, FontFile, FontProblem, missing_glyphs
from bot.texts import Texts
from spotcheck.quota import Level
from spotcheck.regions import CityRegions
from spotcheck.statistics import QuarterStatistics, Tally, total

PASSED = (31, 95, 173)  # 已通过
DRAWN = (169, 198, 234)  # 已抽数
MINIMUM = (211, 47, 47)  # 应抽数, the line
INK = (33, 33, 33)
MUTED = (117, 117, 117)
GRID = (224, 224, 224)
PAPER = (255, 255, 255)

WIDTH = 1000  # at least; wider when the labels need it
MARGIN = 32
ROW = 36  # a bar's row
BAR = 20  # a bar's thickness
GROUP_GAP = 18  # between the counties and the city level
MAX_SCALE = Fraction(2)  # bars beyond 200% are cut there (their numbers say how far)
TITLE, TEXT, SMALL = 30, 20, 17  # font sizes


@dataclass(frozen=True)
class Bar:
    label: str  # 竞秀区, or 重点
    passed: int
    drawn: int
    minimum: int
    note: str  # the numbers written beside it: 已通过 1/5（20%）· 已抽 4


@dataclass(frozen=True)
class CompletionChart:
    title: str
    subtitle: str
    legend: tuple[str, str, str]  # what the dark bar, the pale bar and the line are
    groups: tuple[tuple[Bar, ...], ...]  # rows, a gap between groups (counties | city level)

    def words(self) -> str:
        """Every text drawn, to check the font has each glyph before drawing any."""
        bars = (b for group in self.groups for b in group)
        return " ".join([self.title, self.subtitle, *self.legend, "0123456789%"]) + " ".join(
            f"{b.label} {b.note}" for b in bars
        )


def render(chart: CompletionChart, font: FontFile) -> bytes:
    """The chart as PNG bytes. Raises ChartFontError when the font lacks a glyph of its words
    (a box is never drawn)."""
    title, text, small = font.load(TITLE), font.load(TEXT), font.load(SMALL)
    lacking = missing_glyphs(text, chart.words())
    if lacking:
        raise ChartFontError(FontProblem.NO_GLYPHS, font.path, lacking)
    bars = [b for group in chart.groups for b in group]
    label_width = max((_width(text, b.label) for b in bars), default=0) + 16
    note_width = max((_width(small, b.note) for b in bars), default=0) + 16
    width = max(WIDTH, 2 * MARGIN + label_width + note_width + 400)
    top = _scale(bars)
    x0 = MARGIN + label_width
    unit = (width - MARGIN - note_width - x0) / float(top)  # pixels per 100%
    rows_top = 156
    rows_bottom = rows_top + ROW * len(bars) + GROUP_GAP * max(len(chart.groups) - 1, 0)
    image = Image.new("RGB", (width, rows_bottom + 56), PAPER)
    draw = ImageDraw.Draw(image)

    draw.text((MARGIN, 22), chart.title, font=title, fill=INK)
    draw.text((MARGIN, 66), chart.subtitle, font=text, fill=MUTED)
    _legend(draw, chart.legend, small, y=108)

    steps = int(top * 2)  # a grid line every 50%
    for step in range(steps + 1):
        x = round(x0 + unit * step / 2)
        draw.line([(x, rows_top - 6), (x, rows_bottom + 6)], fill=GRID, width=1)
        draw.text((x, rows_bottom + 14), f"{step * 50}%", font=small, fill=MUTED, anchor="mt")

    y = rows_top
    for index, group in enumerate(chart.groups):
        if index:
            draw.line([(MARGIN, y + GROUP_GAP // 2), (width - MARGIN, y + GROUP_GAP // 2)], GRID)
            y += GROUP_GAP
        for bar in group:
            middle = y + ROW // 2
            draw.text((x0 - 12, middle), bar.label, font=text, fill=INK, anchor="rm")
            if bar.minimum:
                for count, colour in ((bar.drawn, DRAWN), (bar.passed, PASSED)):
                    length = round(unit * float(min(Fraction(count, bar.minimum), top)))
                    if length:
                        box = [x0, middle - BAR // 2, x0 + length - 1, middle + BAR // 2 - 1]
                        draw.rectangle(box, fill=colour)
            notes_x = width - MARGIN - note_width + 12
            draw.text((notes_x, middle), bar.note, font=small, fill=MUTED, anchor="lm")
            y += ROW

    hundred = round(x0 + unit)
    draw.line([(hundred, rows_top - 6), (hundred, rows_bottom + 6)], fill=MINIMUM, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _scale(bars: list[Bar]) -> Fraction:
    """The axis' end: 100%, or the farthest bar's share rounded up to 50%, at most 200%."""
    shares = [Fraction(b.drawn, b.minimum) for b in bars if b.minimum]
    farthest = max([Fraction(1), *shares])
    return min(Fraction(math.ceil(farthest * 2), 2), MAX_SCALE)


def _legend(
    draw: ImageDraw.ImageDraw,
    legend: tuple[str, str, str],
    font: ImageFont.FreeTypeFont,
    y: int,
) -> None:
    passed, drawn, minimum = legend
    x = MARGIN
    for colour, words in ((PASSED, passed), (DRAWN, drawn)):
        draw.rectangle([x, y, x + 17, y + 17], fill=colour)
        draw.text((x + 26, y + 9), words, font=font, fill=INK, anchor="lm")
        x += 26 + _width(font, words) + 28
    draw.line([(x + 8, y - 3), (x + 8, y + 20)], fill=MINIMUM, width=3)
    draw.text((x + 22, y + 9), minimum, font=font, fill=INK, anchor="lm")


def _width(font: ImageFont.FreeTypeFont, words: str) -> int:
    return math.ceil(font.getlength(words))


def chart_of_city(
    texts: Texts, regions: CityRegions, table: QuarterStatistics, day: date
) -> CompletionChart:
    """The city admin's: each county's county-level checks (its classes together), then the
    city-level checks."""
    counties = sorted({r.region for r in table.rows if r.region is not None})
    bars = tuple(
        _bar(texts, texts.region_name(regions, c), total(r.tally for r in table.of_county(c)))
        for c in counties
    )
    city = total(r.tally for r in table.rows if r.level is Level.CITY)
    return CompletionChart(
        texts.chart_title(regions.name, table.quarter),
        texts.chart_subtitle_city(day),
        texts.chart_legend(),
        (bars, (_bar(texts, texts.chart_city_level(), city),)),
    )


def chart_of_county(
    texts: Texts, regions: CityRegions, table: QuarterStatistics, county: str, day: date
) -> CompletionChart:
    """A county admin's: his county's classes (特殊, 重点, 一般) at county level."""
    bars = tuple(
        _bar(texts, texts.class_short(r.supervision_class.value), r.tally)
        for r in table.of_county(county)
    )
    return CompletionChart(
        texts.chart_title(texts.region_name(regions, county), table.quarter),
        texts.chart_subtitle_county(day),
        texts.chart_legend(),
        (bars,),
    )


def _bar(texts: Texts, label: str, tally: Tally) -> Bar:
    note = texts.chart_note(tally.passed, tally.drawn, tally.minimum)
    return Bar(label, tally.passed, tally.drawn, tally.minimum, note)
