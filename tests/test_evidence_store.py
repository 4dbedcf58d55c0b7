"""Photo evidence on disk: real images made by Pillow are checked, refused or stored by hash."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from storage.evidence_store import (
    THUMBNAIL_SIDE,
    ImageRefused,
    PhotoLimits,
    RefusalKind,
    StoredFile,
    dms_to_degrees,
    evidence_path,
    inspect_image,
    store,
    thumbnail_path,
    verify_files,
)
from tests.evidence_images import bmp, bomb_png, exif_of, jpeg, png, to_dms, truncated_jpeg

LIMITS = PhotoLimits(max_bytes=20 * 1024 * 1024, max_pixels=50_000_000)
TAKEN = datetime(2026, 11, 3, 9, 30, 5)


def test_a_jpeg_with_exif_gives_its_capture_time_and_gps() -> None:
    data = jpeg((1200, 900), exif=exif_of(TAKEN, 38.873912, 115.464631))
    facts = inspect_image(data, LIMITS)
    assert (facts.media_type, facts.width, facts.height) == ("jpeg", 1200, 900)
    assert facts.exif_time == TAKEN
    assert facts.exif_gps is not None
    assert facts.exif_gps == pytest.approx((38.873912, 115.464631), abs=1e-6)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.bytes == len(data)


def test_southern_and_western_gps_are_negative() -> None:
    facts = inspect_image(jpeg(exif=exif_of(None, -33.8688, -70.6693)), LIMITS)
    assert facts.exif_gps == pytest.approx((-33.8688, -70.6693), abs=1e-6)
    assert facts.exif_time is None


def test_a_jpeg_without_exif_has_no_time_and_no_gps() -> None:
    facts = inspect_image(jpeg(), LIMITS)
    assert (facts.exif_time, facts.exif_gps) == (None, None)


def test_a_jpeg_with_time_but_no_gps_keeps_the_time() -> None:
    facts = inspect_image(jpeg(exif=exif_of(TAKEN)), LIMITS)
    assert (facts.exif_time, facts.exif_gps) == (TAKEN, None)


def test_a_png_is_accepted_as_png() -> None:
    facts = inspect_image(png((320, 200)), LIMITS)
    assert (facts.media_type, facts.extension, facts.width, facts.height) == (
        "png",
        ".png",
        320,
        200,
    )


def test_the_thumbnail_is_a_small_jpeg_of_the_photo() -> None:
    facts = inspect_image(jpeg((4000, 3000)), LIMITS)
    with Image.open(io.BytesIO(facts.thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= THUMBNAIL_SIDE
        assert thumb.size == (320, 240)


def test_the_thumbnail_is_upright_when_exif_says_the_camera_was_turned() -> None:
    exif = exif_of(TAKEN)
    exif[0x0112] = 6  # rotate 90° clockwise to view
    facts = inspect_image(jpeg((800, 600), exif=exif), LIMITS)
    with Image.open(io.BytesIO(facts.thumbnail)) as thumb:
        assert thumb.size == (240, 320)
    assert (facts.width, facts.height) == (800, 600)  # the file as stored is untouched


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (truncated_jpeg(), RefusalKind.TRUNCATED),
        ("现场照片\n".encode() * 50, RefusalKind.NOT_IMAGE),  # a text file named .jpg
        (b"", RefusalKind.NOT_IMAGE),
        (bomb_png(), RefusalKind.BOMB),
        (bmp(), RefusalKind.UNSUPPORTED),
    ],
    ids=["truncated-jpeg", "text-named-jpg", "empty", "bomb-20000x20000", "bmp"],
)
def test_bad_files_are_refused_with_their_kind(data: bytes, kind: RefusalKind) -> None:
    with pytest.raises(ImageRefused) as refused:
        inspect_image(data, LIMITS)
    assert refused.value.kind is kind


def test_a_truncated_png_is_refused() -> None:
    whole = png((400, 300))
    with pytest.raises(ImageRefused) as refused:
        inspect_image(whole[: len(whole) // 2], LIMITS)
    assert refused.value.kind is RefusalKind.TRUNCATED


def test_the_bomb_file_itself_is_small() -> None:
    assert len(bomb_png()) < 200_000  # refused for its pixels, not its bytes


def test_the_pixel_limit_comes_from_the_configuration() -> None:
    data = jpeg((2000, 1000))
    with pytest.raises(ImageRefused) as refused:
        inspect_image(data, PhotoLimits(max_bytes=LIMITS.max_bytes, max_pixels=1_999_999))
    assert refused.value.kind is RefusalKind.BOMB
    assert inspect_image(data, PhotoLimits(LIMITS.max_bytes, 2_000_000)).width == 2000
    assert Image.MAX_IMAGE_PIXELS != 1_999_999  # the process-wide limit is put back


def test_a_file_over_the_byte_limit_is_refused_before_it_is_opened() -> None:
    data = jpeg((800, 600))
    with pytest.raises(ImageRefused) as refused:
        inspect_image(data, PhotoLimits(max_bytes=len(data) - 1, max_pixels=LIMITS.max_pixels))
    assert refused.value.kind is RefusalKind.TOO_LARGE


def test_stored_under_its_hash_never_under_a_chosen_name(tmp_path: Path) -> None:
    data = jpeg(exif=exif_of(TAKEN, 38.87, 115.46))
    facts = inspect_image(data, LIMITS)
    path = store(data, facts, tmp_path)
    sha = facts.sha256
    assert path == tmp_path / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert path.read_bytes() == data  # the original bytes: EXIF kept
    assert thumbnail_path(tmp_path, sha).read_bytes() == facts.thumbnail
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".")]
    assert leftovers == []


def test_the_same_photo_twice_is_written_once(tmp_path: Path) -> None:
    data = jpeg()
    facts = inspect_image(data, LIMITS)
    path = store(data, facts, tmp_path)
    first = path.stat().st_mtime_ns
    os.utime(path, ns=(first - 10**9, first - 10**9))
    assert store(data, facts, tmp_path) == path
    assert path.stat().st_mtime_ns == first - 10**9  # not written again
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2  # the file, its thumbnail


def test_store_refuses_bytes_the_facts_do_not_describe(tmp_path: Path) -> None:
    facts = inspect_image(jpeg(seed=1), LIMITS)
    with pytest.raises(ValueError):
        store(jpeg(seed=2), facts, tmp_path)


def test_verify_files_finds_altered_and_missing_files(tmp_path: Path) -> None:
    stored = []
    for seed in (1, 2, 3):
        data = jpeg(seed=seed)
        facts = inspect_image(data, LIMITS)
        store(data, facts, tmp_path)
        stored.append(StoredFile(facts.sha256, facts.media_type))
    assert verify_files(tmp_path, stored).ok
    altered = evidence_path(tmp_path, stored[0].sha256, "jpeg")
    altered.write_bytes(altered.read_bytes()[:-1] + b"\x00")
    missing = evidence_path(tmp_path, stored[1].sha256, "jpeg")
    missing.unlink()
    check = verify_files(tmp_path, [*stored, stored[2]])
    assert (check.checked, check.altered, check.missing) == (3, (altered,), (missing,))
    assert not check.ok


@given(
    st.floats(min_value=0, max_value=89.9999, allow_nan=False),
    st.sampled_from(["N", "S"]),
)
def test_gps_rationals_round_trip_to_decimal_degrees(degrees: float, ref: str) -> None:
    value = dms_to_degrees(to_dms(degrees), ref, 90)
    assert value is not None
    assert value == pytest.approx(degrees if ref == "N" else -degrees, abs=1e-6)


@given(
    st.lists(
        st.one_of(st.integers(-10, 400), st.floats(allow_nan=True, allow_infinity=True)),
        max_size=4,
    ),
    st.one_of(st.none(), st.text(max_size=2), st.binary(max_size=2)),
)
def test_malformed_gps_is_none_or_in_range(parts: list[float], ref: object) -> None:
    value = dms_to_degrees(parts, ref, 90)
    assert value is None or -90 <= value <= 90


def test_a_zero_denominator_in_gps_is_no_position() -> None:
    from PIL.TiffImagePlugin import IFDRational

    assert dms_to_degrees((IFDRational(38, 0), IFDRational(0), IFDRational(0)), "N", 90) is None
