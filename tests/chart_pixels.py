"""Reading a completion chart back as a person would: which bars are there, how long each is
against the red minimum line — measured in the PNG's pixels, not taken from the code."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from PIL import Image

from bot.charts.completion import BAR, DRAWN, MINIMUM, PASSED

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Measured:
    size: tuple[int, int]
    passed: list[float]  # each dark bar's length, top to bottom, as a share of 应抽数
    reached: list[float]  # each bar's full extent (dark and pale), top to bottom
    unit: int  # pixels from the bars' left edge to the minimum line (100%)


def measure(png: bytes) -> Measured:
    with Image.open(io.BytesIO(png)) as opened:
        assert opened.format == "PNG"
        image = opened.convert("RGB")
    left, hundred = _bars_left(image, {PASSED, DRAWN}), _minimum_line(image)
    unit = hundred - left
    return Measured(
        image.size,
        [(r - left) / unit for _, r in _bars(image, {PASSED})],
        [(r - left) / unit for _, r in _bars(image, {PASSED, DRAWN})],
        unit,
    )


def close(measured: list[float], expected: list[Fraction], unit: int) -> bool:
    """Equal within two pixels (the minimum line is drawn over a bar reaching it)."""
    return len(measured) == len(expected) and all(
        abs(m - float(e)) * unit <= 2 for m, e in zip(measured, expected, strict=True)
    )


def _runs(image: Image.Image, colours: set[Colour]) -> list[tuple[int, int] | None]:
    """Per pixel row, the first run of these colours as (first x, x after it), or None."""
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    rows: list[tuple[int, int] | None] = []
    for y in range(height):
        run = None
        for x in range(width):
            if pixels[x, y] in colours:
                end = x
                while end < width and pixels[end, y] in colours:
                    end += 1
                run = (x, end)
                break
        rows.append(run)
    return rows


def _bars(image: Image.Image, colours: set[Colour]) -> list[tuple[int, int]]:
    """Blocks of rows with the same run, exactly a bar thick (the legend's swatches are
    smaller): their (left, right) in pixels, top to bottom."""
    blocks: list[tuple[tuple[int, int], int]] = []
    previous = None
    for run in _runs(image, colours):
        if run is not None and run == previous:
            blocks[-1] = (run, blocks[-1][1] + 1)
        elif run is not None:
            blocks.append((run, 1))
        previous = run
    return [run for run, height in blocks if height == BAR]


def _bars_left(image: Image.Image, colours: set[Colour]) -> int:
    lefts = Counter(left for left, _ in _bars(image, colours))
    assert lefts, "no bar in the chart"
    [(left, _)] = lefts.most_common(1)
    assert len(lefts) == 1, f"bars start at different places: {lefts}"
    return left


def _minimum_line(image: Image.Image) -> int:
    """The x of the red line's middle: the columns with the most red pixels."""
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    red = [sum(1 for y in range(height) if pixels[x, y] == MINIMUM) for x in range(width)]
    most = max(red)
    columns = [x for x, n in enumerate(red) if n == most]
    return columns[len(columns) // 2]
