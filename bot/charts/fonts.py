"""A font that draws Chinese for the charts — never boxes (tofu).

The configured file ([charts] font) when there is one, and only it: a configured font that
cannot draw the labels is a mistake to fix, not a reason to pick another one silently.
Otherwise the system's: fontconfig's choice for Chinese (fc-match), every font fontconfig says
covers Chinese (fc-list :lang=zh), then the paths Debian's packages install. A font counts only
when it really has the glyphs: each character is drawn and compared with what the font draws
for a code point no font maps (its .notdef box, or nothing).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

FONT_PACKAGE = "fonts-wqy-zenhei"  # what the install names (README, .ci/run, the notice)
UNASSIGNED = "\u0378"  # unassigned in Unicode: every font draws its .notdef for it
# Words every chart carries: a font that cannot draw these is no Chinese font.
SAMPLE = "保定市竞秀区莲池区完成率已通过已抽数应抽数特殊重点一般"
FONTCONFIG_SECONDS = 10


@dataclass(frozen=True)
class FontFile:
    """A face in a font file (``index`` picks one in a .ttc collection)."""

    path: Path
    index: int = 0

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        try:
            return ImageFont.truetype(
                str(self.path), size, index=self.index, layout_engine=ImageFont.Layout.BASIC
            )
        except OSError as error:  # missing, a directory, not a font, no such face
            raise ChartFontError(FontProblem.UNREADABLE, self.path) from error


# Debian's packages, most complete first; Noto's collection holds 简体中文 as its third face.
KNOWN_FONTS = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),  # fonts-wqy-zenhei
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),  # fonts-wqy-microhei
    FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # fonts-noto-cjk
    FontFile(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
)


class FontProblem(StrEnum):
    NONE_FOUND = "none_found"  # nothing configured, and the system has no Chinese font
    UNREADABLE = "unreadable"  # the configured file is missing or not a font
    NO_GLYPHS = "no_glyphs"  # the font lacks glyphs the chart needs


class ChartFontError(Exception):
    """Why a chart cannot be drawn; the catalogue words it (texts.chart_font_problem)."""

    def __init__(self, problem: FontProblem, path: Path | None = None, missing: str = "") -> None:
        super().__init__(f"{problem.value}: {path or ''} {missing}".strip())
        self.problem, self.path, self.missing = problem, path, missing


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> str:
    """The distinct characters of ``text`` (blanks aside) that ``font`` draws as it draws an
    unassigned code point, in order of appearance: "" when it draws them all."""
    notdef = _drawn(font, UNASSIGNED)
    seen: dict[str, None] = dict.fromkeys(ch for ch in text if not ch.isspace())
    lacking = []
    for ch in seen:
        size, pixels = _drawn(font, ch)
        if (size, pixels) == notdef or not any(pixels):
            lacking.append(ch)
    return "".join(lacking)


def _drawn(font: ImageFont.FreeTypeFont, ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


def find_cjk_font(
    configured: FontFile | None,
    candidates: Callable[[], Iterable[FontFile]] | None = None,
) -> FontFile:
    """The configured face if it draws Chinese, else the first of the system's that does.
    Raises ChartFontError when there is none (or the configured one cannot)."""
    if configured is not None:
        lacking = missing_glyphs(configured.load(20), SAMPLE)
        if lacking:
            raise ChartFontError(FontProblem.NO_GLYPHS, configured.path, lacking)
        return configured
    for candidate in (candidates or system_fonts)():
        try:
            if not missing_glyphs(candidate.load(20), SAMPLE):
                return candidate
        except ChartFontError:
            continue  # a stale fontconfig cache or a broken file: the next one may do
    raise ChartFontError(FontProblem.NONE_FOUND)


def system_fonts() -> list[FontFile]:
    """Fontconfig's choice for Chinese, fontconfig's other Chinese fonts, then Debian's paths
    that exist; each once."""
    found = [
        *_fontconfig("fc-match", "-f", "%{file}\t%{index}\n", "sans-serif:lang=zh-cn"),
        *sorted(_fontconfig("fc-list", "-f", "%{file}\t%{index}\n", ":lang=zh"), key=_order),
        *(known for known in KNOWN_FONTS if known.path.is_file()),
    ]
    return list(dict.fromkeys(found))


def _order(font: FontFile) -> tuple[str, int]:
    return str(font.path), font.index


def _fontconfig(command: str, *args: str) -> list[FontFile]:
    """What fontconfig lists, as (file, face); nothing when fontconfig is not installed."""
    program = shutil.which(command)
    if program is None:
        return []
    try:
        out = subprocess.run(
            [program, *args], capture_output=True, text=True, timeout=FONTCONFIG_SECONDS
        ).stdout
    except (OSError, subprocess.SubprocessError):
        log.warning("%s failed; looking for fonts at known paths only", command, exc_info=True)
        return []
    fonts = []
    for line in out.splitlines():
        path, _, index = line.partition("\t")
        if path:
            fonts.append(FontFile(Path(path), int(index) if index.isdigit() else 0))
    return fonts
