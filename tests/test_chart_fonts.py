"""The charts' font: the configured one when given (and only it), else the system's that really
draws Chinese; a clear Chinese message naming the package when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.charts.fonts import (
    FONT_PACKAGE,
    ChartFontError,
    FontFile,
    FontProblem,
    find_cjk_font,
    missing_glyphs,
    system_fonts,
)
from bot.config import ConfigError, config_from_mapping
from bot.texts import texts_for

DEJAVU = FontFile(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))


def test_the_system_has_a_font_that_draws_chinese() -> None:
    """This machine (and CI, which installs fonts-wqy-zenhei) has one: fontconfig's or
    Debian's path; the search returns one drawing every sample character."""
    found = find_cjk_font(None)
    assert found in system_fonts()
    assert missing_glyphs(found.load(20), "竞秀区莲池区满城区保定高新技术产业开发区") == ""


def test_a_configured_font_is_used_as_configured() -> None:
    system = find_cjk_font(None)
    assert find_cjk_font(system, candidates=lambda: []) == system


def test_a_configured_font_without_chinese_is_refused_not_replaced() -> None:
    with pytest.raises(ChartFontError) as refused:
        find_cjk_font(DEJAVU)  # the system has a Chinese font: it is not taken instead
    assert refused.value.problem is FontProblem.NO_GLYPHS
    assert refused.value.path == DEJAVU.path
    assert "保" in refused.value.missing
    text = texts_for("zh").chart_font_problem(
        refused.value.problem, str(DEJAVU.path), refused.value.missing
    )
    assert text.startswith(f"【统计图】字体 {DEJAVU.path} 缺少这些字的字形：保定市")
    assert f"apt-get install {FONT_PACKAGE}" in text


def test_a_configured_path_that_is_no_font_says_so(tmp_path: Path) -> None:
    with pytest.raises(ChartFontError) as refused:
        find_cjk_font(FontFile(tmp_path))  # an empty directory
    assert refused.value.problem is FontProblem.UNREADABLE
    text = texts_for("zh").chart_font_problem(FontProblem.UNREADABLE, str(tmp_path), "")
    assert f"指定的字体 {tmp_path} 无法读取" in text


def test_no_chinese_font_anywhere_gives_the_package_to_install(tmp_path: Path) -> None:
    """Nothing configured; the system offers only a Latin font and a file that is no font."""
    (tmp_path / "broken.ttf").write_bytes(b"not a font")
    offered = [DEJAVU, FontFile(tmp_path / "broken.ttf"), FontFile(tmp_path / "gone.ttc")]
    with pytest.raises(ChartFontError) as refused:
        find_cjk_font(None, candidates=lambda: offered)
    assert refused.value.problem is FontProblem.NONE_FOUND
    assert texts_for("zh").chart_font_problem(FontProblem.NONE_FOUND, "", "") == (
        "【统计图】服务器上没有能显示中文的字体，周报暂只发文字，不附统计图。"
        "请安装字体包：apt-get install fonts-wqy-zenhei"
        "（或在配置 [charts] font 中指定一个中文字体文件）。"
    )


def test_the_first_system_font_that_draws_chinese_is_taken() -> None:
    system = find_cjk_font(None)
    assert find_cjk_font(None, candidates=lambda: [DEJAVU, system]) == system


def test_missing_glyphs_names_what_a_latin_font_lacks() -> None:
    face = DEJAVU.load(20)
    assert missing_glyphs(face, "竞秀区 100%（20%）· 已抽 4") == "竞秀区（）已抽"
    assert missing_glyphs(face, "Baoding 2026Q4 100%") == ""


def test_the_charts_font_is_configured_in_its_section() -> None:
    config = config_from_mapping({"charts": {"font": "/srv/fonts/a.ttc", "font_index": 2}})
    assert (config.charts.font, config.charts.font_index) == (Path("/srv/fonts/a.ttc"), 2)
    assert config_from_mapping({}).charts.font is None
    with pytest.raises(ConfigError, match=r"\[charts\] font_index"):
        config_from_mapping({"charts": {"font_index": -1}})
    with pytest.raises(ConfigError, match=r"\[charts\] fonts"):
        config_from_mapping({"charts": {"fonts": "x"}})
