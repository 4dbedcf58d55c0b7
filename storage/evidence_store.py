"""Photo evidence on disk: check an image, then keep it content-addressed by its SHA-256.

Pure of Telegram and of the database. `inspect_image` refuses what is not a whole, sane image
(with a `kind` the bot turns into a message) and reads what the file says about itself (EXIF
capture time and GPS); `store` writes it under its hash, atomically, once; `verify_files`
re-hashes what the database lists. The functions block (decode, fsync): call them from a
thread (`asyncio.to_thread`) in the bot.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import math
import os
import tempfile
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

THUMBNAIL_SIDE = 320  # px: the longest side of the thumbnail sent back as a media group
THUMBNAIL_DIR = "thumbs"
_HASH_CHUNK = 1 << 20

# Pillow format → (media type stored, file extension). Phones send JPEG (HEIC is converted by
# Telegram's clients); screenshots are PNG; WebP and GIF come from other apps. Others (TIFF,
# BMP, PSD …) are refused as unsupported: evidence should be a format anyone can open later.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpeg", ".jpg"),
    "PNG": ("png", ".png"),
    "WEBP": ("webp", ".webp"),
    "GIF": ("gif", ".gif"),
}
_EXTENSIONS = {media: ext for media, ext in FORMATS.values()}

# EXIF tags (CIPA DC-008): the Exif and GPS sub-IFDs, capture time, and the GPS fields.
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATE_TIME_ORIGINAL = 0x9003
_GPS_LATITUDE_REF, _GPS_LATITUDE = 1, 2
_GPS_LONGITUDE_REF, _GPS_LONGITUDE = 3, 4

# Image.MAX_IMAGE_PIXELS and the warnings filter are process-wide: one check sets them at a time.
_PIXEL_LIMIT_LOCK = threading.Lock()


class RefusalKind(StrEnum):
    NOT_IMAGE = "not_image"
    TRUNCATED = "truncated"  # or otherwise damaged: it does not decode to the end
    BOMB = "bomb"  # more pixels than [inspection] max_photo_pixels
    TOO_LARGE = "too_large"  # more bytes than [inspection] max_photo_bytes
    UNSUPPORTED = "unsupported"  # an image, but not JPEG, PNG, WebP or GIF


class ImageRefused(Exception):
    """The file is not accepted as evidence; `kind` says why (the catalogue says it to users)."""

    def __init__(self, kind: RefusalKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000


@dataclass(frozen=True)
class ImageFacts:
    """What a checked image is: its hash, size, format, EXIF facts, and a JPEG thumbnail."""

    sha256: str
    bytes: int
    media_type: str  # jpeg | png | webp | gif
    width: int
    height: int
    exif_time: datetime | None  # DateTimeOriginal: the camera's local time, naive
    exif_latitude: float | None
    exif_longitude: float | None
    thumbnail: builtins.bytes = field(repr=False)  # JPEG, longest side ≤ THUMBNAIL_SIDE

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.media_type]

    @property
    def exif_gps(self) -> tuple[float, float] | None:
        if self.exif_latitude is None or self.exif_longitude is None:
            return None
        return (self.exif_latitude, self.exif_longitude)


def inspect_image(data: bytes, limits: PhotoLimits) -> ImageFacts:
    """Check DATA is a whole image within LIMITS and read its facts; ImageRefused if not.

    Order: the byte limit (nothing opened); the header (format, dimensions) with Pillow's
    decompression-bomb check set to LIMITS; `verify()` (chunk checksums for PNG); then a real
    decode of a draft-mode thumbnail: a JPEG decodes all of its scan data at an eighth of the
    size, so a truncated or damaged file is caught at a fraction of a full decode's cost.
    """
    if len(data) > limits.max_bytes:
        raise ImageRefused(RefusalKind.TOO_LARGE, f"{len(data)} > {limits.max_bytes}")
    if not data:
        raise ImageRefused(RefusalKind.NOT_IMAGE, "empty")
    image = _open(data, limits.max_pixels)
    try:
        kind = image.format or ""
        if kind not in FORMATS:
            raise ImageRefused(RefusalKind.UNSUPPORTED, kind or "unknown")
        width, height = image.size
        if width * height > limits.max_pixels:  # the lock-free check, whatever the global says
            raise ImageRefused(RefusalKind.BOMB, f"{width}×{height}")
        try:
            image.verify()
        except Exception as error:  # Pillow raises SyntaxError, OSError, struct.error …
            raise ImageRefused(RefusalKind.TRUNCATED, str(error)) from error
    finally:
        image.close()
    image = _open(data, limits.max_pixels)
    try:
        exif = image.getexif()
        exif_time = _capture_time(exif)
        gps = _gps(exif)
        thumbnail = _thumbnail(image, exif)
    finally:
        image.close()
    return ImageFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        media_type=FORMATS[kind][0],
        width=width,
        height=height,
        exif_time=exif_time,
        exif_latitude=gps[0] if gps else None,
        exif_longitude=gps[1] if gps else None,
        thumbnail=thumbnail,
    )


def _open(data: bytes, max_pixels: int) -> ImageFile.ImageFile:
    with _PIXEL_LIMIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            return Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRefused(RefusalKind.BOMB, str(error)) from error
        except UnidentifiedImageError as error:
            raise ImageRefused(RefusalKind.NOT_IMAGE, str(error)) from error
        except Exception as error:  # a header that starts like an image and then breaks
            raise ImageRefused(RefusalKind.TRUNCATED, str(error)) from error
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _thumbnail(image: ImageFile.ImageFile, exif: Image.Exif) -> bytes:
    """Decode (in JPEG draft mode, at 1/2…1/8 scale) and shrink to THUMBNAIL_SIDE, upright."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # someone loosened Pillow for the whole process
        raise RuntimeError("ImageFile.LOAD_TRUNCATED_IMAGES must stay False for evidence")
    try:
        if image.format == "JPEG":
            image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        image.load()
        small = image.copy()
    except Exception as error:  # OSError "image file is truncated", "broken data stream" …
        raise ImageRefused(RefusalKind.TRUNCATED, str(error)) from error
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
    orientation = exif.get(0x0112)
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        small.getexif()[0x0112] = orientation  # exif_transpose reads it from the image
        small = ImageOps.exif_transpose(small)
    if small.mode not in ("RGB", "L"):
        try:
            small = small.convert("RGBA" if "A" in small.mode else "RGB").convert("RGB")
        except (ValueError, OSError) as error:  # a mode Pillow cannot bring to RGB
            raise ImageRefused(RefusalKind.UNSUPPORTED, small.mode) from error
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def _capture_time(exif: Image.Exif) -> datetime | None:
    value = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)
    if not isinstance(value, str):
        return None
    try:  # "YYYY:MM:DD HH:MM:SS", sometimes with a trailing NUL or blanks
        return datetime.strptime(value.strip().strip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    gps = exif.get_ifd(_GPS_IFD)
    if not gps:
        return None
    latitude = dms_to_degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), 90)
    longitude = dms_to_degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), 180)
    if latitude is None or longitude is None:
        return None
    return (latitude, longitude)


def dms_to_degrees(dms: Any, ref: Any, limit: float) -> float | None:
    """EXIF GPS degrees, minutes, seconds (three rationals) and a reference (N/S, E/W) as
    signed decimal degrees; None when absent, malformed or out of ±LIMIT."""
    if not isinstance(dms, Sequence) or isinstance(dms, str | bytes) or len(dms) != 3:
        return None
    try:
        parts = [float(part) for part in dms]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(not math.isfinite(p) or p < 0 for p in parts) or parts[1] >= 60 or parts[2] >= 60:
        return None
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    sign = -1.0 if isinstance(ref, str) and ref.strip("\x00 ").upper() in ("S", "W") else 1.0
    if value > limit:
        return None
    return round(sign * value, 7)  # 1e-7° ≈ 1 cm


def evidence_path(evidence_dir: Path, sha256: str, media_type: str) -> Path:
    """Where the file with this hash lives: never a name the sender chose."""
    return evidence_dir / sha256[:2] / sha256[2:4] / f"{sha256}{_EXTENSIONS[media_type]}"


def thumbnail_path(evidence_dir: Path, sha256: str) -> Path:
    return evidence_dir / THUMBNAIL_DIR / sha256[:2] / f"{sha256}.jpg"


def store(data: bytes, facts: ImageFacts, evidence_dir: Path) -> Path:
    """Write DATA under its hash (and its thumbnail) unless already there; the file's path.

    Each file is written to a temporary file in its own directory, fsynced, renamed into place
    and the directory fsynced: after a crash either the whole file is there or none is.
    """
    if hashlib.sha256(data).hexdigest() != facts.sha256:
        raise ValueError("the data are not the bytes these facts describe")
    path = evidence_path(evidence_dir, facts.sha256, facts.media_type)
    _write_once(path, data)
    _write_once(thumbnail_path(evidence_dir, facts.sha256), facts.thumbnail)
    return path


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    media_type: str


@dataclass(frozen=True)
class FilesCheck:
    """`evidence verify`: how many files were checked, and which are missing or altered."""

    checked: int
    missing: tuple[Path, ...]
    altered: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


def verify_files(evidence_dir: Path, files: Iterable[StoredFile]) -> FilesCheck:
    """Re-hash every listed file: a file whose bytes no longer hash to its name is altered."""
    checked, missing, altered = 0, [], []
    for stored in sorted(set(files), key=lambda f: f.sha256):
        checked += 1
        path = evidence_path(evidence_dir, stored.sha256, stored.media_type)
        try:
            digest = _file_sha256(path)
        except FileNotFoundError:
            missing.append(path)
            continue
        if digest != stored.sha256:
            altered.append(path)
    return FilesCheck(checked, tuple(missing), tuple(altered))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
