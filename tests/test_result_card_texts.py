"""The result card's check-in line says what the check-in was: near, far (flagged), 无法定位 and
its reason, or a target without coordinates; and each photo what its EXIF holds."""

from __future__ import annotations

import pytest

from bot.texts import texts_for


def test_checkin_line_in_each_case() -> None:
    texts = texts_for("zh")
    assert texts.card_checkin(152.4, True, False, "", 1000) == "签到：距检查对象 152 米"
    assert (
        texts.card_checkin(5012.0, True, True, "far", 1000)
        == "签到：距检查对象 5012 米，超出 1000 米，已标记"
    )
    assert (
        texts.card_checkin(None, False, True, "地下车间无信号", 1000)
        == "签到：无法定位（地下车间无信号），已标记"
    )
    assert (
        texts.card_checkin(None, True, False, "", 1000)
        == "签到：已记录位置（检查对象无坐标，未计算距离）"
    )


def test_photo_line_shows_exif_time_and_gps_when_present() -> None:
    texts = texts_for("zh")
    assert (
        texts.card_photo(1, "2026-11-03 10:12:05", (38.8712, 115.4633), True, "")
        == "  1. 拍摄于 2026-11-03 10:12:05，GPS 38.87120, 115.46330"
    )
    assert texts.card_photo(2, None, None, True, "东侧") == "  2. 原图无拍摄信息；东侧"
    assert texts.card_photo(3, None, None, False, "") == "  3. 照片无拍摄信息（经 Telegram 压缩）"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_card_line_is_in_each_catalogue(language: str) -> None:
    texts = texts_for(language)
    lines = [
        texts.card_head("企业", "91130602MA0000000X", 7, "2026Q4"),
        texts.card_category("x"),
        texts.card_checkin(None, False, True, "", 1000),
        texts.card_items_head(),
        texts.card_item("事项", "ok", "说明"),
        texts.card_findings("f"),
        texts.card_photos(0),
        texts.card_follow_ups_head(),
        texts.card_follow_up("k", "2026-11-18", "局"),
        texts.card_submitted("王伟", "13060001", "2026-11-03 10:30"),
        texts.draft_warning("企业", 49, "2026-11-06 10:00"),
        texts.draft_expired("企业", 73, 2),
    ]
    assert all(line.strip() for line in lines)
    if language == "en":
        assert lines[0].startswith("[Inspection result]") and "expires" in lines[-2]
