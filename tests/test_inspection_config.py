"""[inspection]: photo limits, the check-in radius and drafts' lifetime, with their defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, InspectionConfig, config_from_mapping, load_config


def test_inspection_defaults() -> None:
    inspection = config_from_mapping({}).inspection
    assert inspection == InspectionConfig(
        max_photo_bytes=20 * 1024 * 1024,
        max_photo_pixels=50_000_000,
        checkin_radius_m=1000,
        draft_expiry_hours=72,
        draft_warning_hours=48,
    )


def test_the_example_configuration_spells_out_the_inspection_defaults() -> None:
    example = load_config(Path(__file__).parent.parent / "config.example.toml", environ={})
    assert example.inspection == InspectionConfig()


def test_inspection_keys_are_read() -> None:
    given = {
        "checkin_radius_m": 300,
        "max_photo_bytes": 5_000_000,
        "draft_expiry_hours": 24,
        "draft_warning_hours": 20,
        "max_photo_pixels": 30_000_000,
    }
    assert config_from_mapping({"inspection": given}).inspection == InspectionConfig(
        max_photo_bytes=5_000_000,
        max_photo_pixels=30_000_000,
        checkin_radius_m=300,
        draft_expiry_hours=24,
        draft_warning_hours=20,
    )


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"checkin_radius_m": 0}, "[inspection] checkin_radius_m"),
        ({"max_photo_pixels": "50M"}, "[inspection] max_photo_pixels"),
        ({"draft_warning_hours": 72}, "[inspection] draft_warning_hours"),
        ({"checkin_radius": 500}, "[inspection] checkin_radius（是否为 checkin_radius_m？）"),
    ],
)
def test_a_wrong_inspection_value_is_named(section: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=r"\[inspection\]") as error:
        config_from_mapping({"inspection": section})
    assert named in str(error.value)
