"""The EXIF metadata of a listing photo, as text, and what it gives away about its taker.

`read_exif(image)` returns tag name -> value as text for the main IFD, the Exif sub-IFD and
the GPS IFD (plus `GPSPosition`, the decoded "lat, lon" in decimal degrees), and the flags:

- `gps`: the photo holds a position (latitude and longitude that decode to a point);
- `device`: it names the camera or phone: make, model, serial numbers, lens, owner, or a
  `Software` value that is a device's firmware rather than an image editor.

Broken EXIF never raises: what cannot be read is left out.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from PIL import ExifTags, Image, TiffImagePlugin

logger = logging.getLogger(__name__)

GPS, DEVICE = "gps", "device"
DEVICE_TAGS = frozenset(
    {
        "Make",
        "Model",
        "BodySerialNumber",
        "CameraOwnerName",
        "LensMake",
        "LensModel",
        "LensSerialNumber",
    }
)
# a Software value naming one of these is the editor the picture went through, not a device
EDITORS = (
    "photoshop",
    "lightroom",
    "gimp",
    "paint",
    "picasa",
    "imagemagick",
    "pillow",
    "snapseed",
    "photos",
    "affinity",
    "acdsee",
    "irfanview",
    "darktable",
    "capture one",
)
SKIPPED_TAGS = frozenset(
    {"MakerNote", "PrintImageMatching", "UserComment", "ExifOffset", "GPSInfo", "InteropOffset"}
)
MAX_TEXT = 200  # characters of a value kept; longer values are cut
MAX_BINARY = 64  # bytes of a byte string decoded as text; longer ones are left out


def read_exif(image: Image.Image) -> tuple[dict[str, str], list[str]]:
    """The EXIF tags of `image` as text, and its flags (`gps`, `device`); never raises."""
    with warnings.catch_warnings():  # Pillow warns of each corrupt tag it skips
        warnings.simplefilter("ignore", UserWarning)
        return _read_exif(image)


def _read_exif(image: Image.Image) -> tuple[dict[str, str], list[str]]:
    tags: dict[str, str] = {}
    try:
        exif = image.getexif()
    except Exception as error:  # a broken EXIF block: struct.error, SyntaxError, ...
        logger.debug("unreadable EXIF: %s: %s", type(error).__name__, error)
        return tags, []
    tags.update(_named(exif.items(), ExifTags.TAGS))
    tags.update(_named(_ifd(exif, ExifTags.IFD.Exif), ExifTags.TAGS))
    gps = _ifd(exif, ExifTags.IFD.GPSInfo)
    tags.update(_named(gps, ExifTags.GPSTAGS, prefix="GPS"))
    position = gps_position(dict(gps))
    if position is not None:
        tags["GPSPosition"] = f"{position[0]:.6f}, {position[1]:.6f}"
    return tags, exif_flags(tags, has_position=position is not None)


def exif_flags(tags: Mapping[str, str], *, has_position: bool) -> list[str]:
    flags = [GPS] if has_position else []
    if any(tags.get(name) for name in DEVICE_TAGS) or _device_software(tags.get("Software")):
        flags.append(DEVICE)
    return flags


def gps_position(gps: Mapping[int, Any]) -> tuple[float, float] | None:
    """Latitude and longitude in decimal degrees from a GPS IFD, or None when there is none."""
    try:
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef))
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _degrees(value: Any, ref: Any) -> float:
    parts = [float(part) for part in value] if isinstance(value, tuple | list) else [float(value)]
    degrees, minutes, seconds = [*parts, 0.0, 0.0][:3]
    decimal = degrees + minutes / 60 + seconds / 3600
    ref_text = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref or "")
    return -decimal if ref_text.strip().upper() in ("S", "W") else decimal


def _ifd(exif: Image.Exif, ifd: int) -> Iterable[tuple[int, Any]]:
    try:
        return list(exif.get_ifd(ifd).items())
    except Exception as error:  # a broken sub-IFD: leave it out
        logger.debug("unreadable EXIF IFD %s: %s: %s", ifd, type(error).__name__, error)
        return []


def _named(
    items: Iterable[tuple[int, Any]], names: Mapping[int, str], prefix: str = ""
) -> dict[str, str]:
    named: dict[str, str] = {}
    for tag, value in items:
        name = names.get(tag) or f"{prefix}Tag{tag:#06x}"
        if name in SKIPPED_TAGS or isinstance(value, dict):
            continue
        text = _text(value)
        if text:
            named[name] = text
    return named


def _text(value: Any) -> str | None:
    """A value as text: byte strings decoded, rationals as decimals, tuples joined."""
    if isinstance(value, bytes):
        if len(value) > MAX_BINARY:
            return None
        text = value.rstrip(b"\x00").decode("utf-8", "replace")
    elif isinstance(value, TiffImagePlugin.IFDRational):
        text = _rational(value)
    elif isinstance(value, tuple | list):
        texts = [_text(part) for part in value]
        text = ", ".join(part for part in texts if part)
    else:
        text = str(value)
    text = "".join(char for char in text if char.isprintable()).strip()
    return text[:MAX_TEXT] or None


def _rational(value: TiffImagePlugin.IFDRational) -> str:
    try:
        number = float(value)
    except (ValueError, ZeroDivisionError):
        return ""
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _device_software(software: str | None) -> bool:
    if not software:
        return False
    lowered = software.lower()
    return not any(editor in lowered for editor in EDITORS)
