"""Real image files made by Pillow for the evidence tests and benchmark: JPEGs with and without
EXIF capture time and GPS, a PNG, a truncated JPEG, a decompression bomb."""

from __future__ import annotations

import io
import random
from datetime import datetime
from fractions import Fraction
from functools import cache

from PIL import Image, TiffImagePlugin

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    fraction = Fraction(value).limit_denominator(1_000_000)
    return TiffImagePlugin.IFDRational(fraction.numerator, fraction.denominator)


def to_dms(degrees: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Unsigned decimal degrees as EXIF's three rationals (degrees, minutes, seconds)."""
    whole = int(degrees)
    minutes_float = (degrees - whole) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60, 4)
    if seconds >= 60:
        minutes, seconds = minutes + 1, 0.0
    return (_rational(whole), _rational(minutes), _rational(seconds))


def exif_of(
    taken: datetime | None = None, latitude: float | None = None, longitude: float | None = None
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "ShuangsuijiTestCam"  # Make
    if taken is not None:
        exif.get_ifd(_EXIF_IFD)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if latitude is not None and longitude is not None:
        gps = exif.get_ifd(_GPS_IFD)
        gps[1] = "N" if latitude >= 0 else "S"
        gps[2] = to_dms(abs(latitude))
        gps[3] = "E" if longitude >= 0 else "W"
        gps[4] = to_dms(abs(longitude))
    return exif


def photo(size: tuple[int, int] = (640, 480), seed: int = 1) -> Image.Image:
    """A photo-like picture: a gradient with noise, so JPEG compresses it as it would a photo."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40 + seed % 20)
    red = Image.blend(gradient, noise, 0.5)
    green = gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    blue = Image.blend(noise, gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM), 0.3)
    picture = Image.merge("RGB", (red, green, blue))
    rng = random.Random(seed)
    for _ in range(8):  # a few blocks of colour, different for each seed
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        picture.paste(colour, (x, y, min(width, x + width // 8), min(height, y + height // 8)))
    return picture


def jpeg(
    size: tuple[int, int] = (640, 480),
    seed: int = 1,
    exif: Image.Exif | None = None,
    quality: int = 90,
) -> bytes:
    out = io.BytesIO()
    if exif is None:
        photo(size, seed).save(out, "JPEG", quality=quality)
    else:
        photo(size, seed).save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (320, 200), seed: int = 2) -> bytes:
    out = io.BytesIO()
    photo(size, seed).save(out, "PNG")
    return out.getvalue()


def truncated_jpeg(seed: int = 3) -> bytes:
    whole = jpeg((800, 600), seed)
    return whole[: len(whole) * 2 // 3]


@cache
def bomb_png(side: int = 20_000) -> bytes:
    """A single-colour PNG of side × side pixels: a few hundred KB that would decode to GBs."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def bmp(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    photo(size).save(out, "BMP")
    return out.getvalue()
