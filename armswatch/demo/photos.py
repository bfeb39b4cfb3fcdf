"""Synthetic product photos of the demo offers, and their ground truth.

Every picture is drawn from a key (`picture_spec`): a product silhouette on a soft, blotchy
cloth, with colours and shapes seeded by the key. Each offer's pictures have keys of their own,
except the planted photo reuse: the first picture of every offer of `REUSING_ACTOR` is keyed by
the actor and the product, so the same product shows the same photo on the forum (a PNG, no
metadata) and on the classifieds site (a larger JPEG whose EXIF holds a GPS position and the
camera). Their SHA-256 differ, their perceptual hashes match. A few unrelated private sellers
on the classifieds site upload phone photos whose EXIF names the phone (`device` only); every
other picture carries no EXIF.

Perceptual hashes are planted too: the luminance of a picture is built so that its
`imagehash.phash` is a random balanced 64-bit code drawn from its key (`designed_phash`),
whatever the silhouette (its low frequencies are compensated in the background), and the
colours only move chroma. Two different keys are then as far apart as two random codes
(32 bits on average; 10 or fewer in about one pair in 10^8), and a re-encoded or resized copy
keeps its code.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Literal

import numpy as np
from PIL import ExifTags, Image, ImageDraw

from armswatch.demo.model import DemoOffer
from armswatch.demo.vendors import vendor_by_handle

Exif = Literal["none", "device", "gps"]
PictureRef = tuple[str, str, int]  # (site, offer_id, n): the n-th picture (from 1) of an offer

SIZE = (240, 180)
REUSED_SIZE = (320, 240)  # the classifieds copy of a reused photo, larger and a JPEG
REUSING_ACTOR = "actor-kraut"
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
SITE_FORMATS = {"market": "JPEG", "forum": "PNG", "classifieds": "JPEG"}
DEVICE_SITE, DEVICE_SHARE = "classifieds", 16  # one private seller in 16 shows the phone
# synthetic metadata: a clearing in the Black Forest and a camera that does not exist
GPS_POSITION = ((48.0, 22.0, 13.8), (8.0, 13.0, 1.2))  # 48.370500 N, 8.217000 E
CAMERA = ("Demo Camera Co.", "DC-7 Field")
PHONES = ("DP-5", "DP-6 Pro", "DP-7 Lite")

_N, _K = 32, 8  # imagehash.phash: a 32x32 grey image, the 8x8 lowest DCT frequencies
_BASIS = np.cos(np.pi * np.outer(np.arange(_K), 2 * np.arange(_N) + 1) / (2 * _N))
_NORMS = np.outer((_BASIS**2).sum(axis=1), (_BASIS**2).sum(axis=1))
_AMPLITUDE = 5.0


@dataclass(frozen=True)
class PictureSpec:
    key: str  # what is drawn: the same key, the same picture
    format: str  # PNG / JPEG
    size: tuple[int, int]
    exif: Exif = "none"
    phone: str = ""  # the phone model of `device` EXIF

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def actor_of(offer: DemoOffer) -> str:
    """The real-world actor behind an offer's vendor (ground truth of the demo)."""
    vendor = vendor_by_handle(offer.site).get(offer.vendor)
    return vendor.actor_id if vendor else f"{offer.site}:{offer.vendor}"


def picture_spec(offer: DemoOffer, n: int) -> PictureSpec:
    """How the `n`-th picture (from 1) of `offer` is drawn and served."""
    site_format = SITE_FORMATS[offer.site]
    if n == 1 and actor_of(offer) == REUSING_ACTOR:
        key = f"{REUSING_ACTOR}:{offer.product}"
        if offer.site == "classifieds":
            return PictureSpec(key, "JPEG", REUSED_SIZE, "gps")
        return PictureSpec(key, site_format, SIZE)
    key = f"{offer.site}:{offer.offer_id}:{n}"
    if _shows_phone(offer):
        return PictureSpec(key, site_format, SIZE, "device", _phone(offer.vendor))
    return PictureSpec(key, site_format, SIZE)


def picture(offer: DemoOffer, n: int) -> tuple[bytes, str]:
    """The bytes and media type of the `n`-th picture of `offer`."""
    spec = picture_spec(offer, n)
    return encoded_picture(spec), spec.media_type


@lru_cache(maxsize=4096)
def encoded_picture(spec: PictureSpec) -> bytes:
    image = drawn_picture(spec.key)
    if image.size != spec.size:
        image = image.resize(spec.size, Image.Resampling.LANCZOS)
    buffer = BytesIO()
    exif = _exif(spec)
    if spec.format == "JPEG":
        image.save(buffer, format="JPEG", quality=85, exif=exif)
    else:
        image.save(buffer, format="PNG", compress_level=3, exif=exif)
    return buffer.getvalue()


def designed_phash(key: str) -> str:
    """The perceptual hash (16 hex digits) the picture of `key` is built to have."""
    bits = _code(random.Random(f"demo-photo:{key}"))[0] > 0
    bits[0, 0] = True
    return f"{int(''.join('1' if bit else '0' for bit in bits.ravel()), 2):016x}"


@lru_cache(maxsize=512)
def drawn_picture(key: str) -> Image.Image:
    """The picture of `key` at `SIZE`: its luminance has the phash `designed_phash(key)`."""
    rng = random.Random(f"demo-photo:{key}")
    target, brightness = _code(rng)
    product, cb, cr = _product_layers(rng)
    product_grid = np.asarray(product.resize((_N, _N), Image.Resampling.LANCZOS), dtype=float)
    background = target - (_BASIS @ product_grid @ _BASIS.T) / _NORMS
    background[0, 0] += brightness
    grid = (_BASIS.T @ background @ _BASIS).astype(np.float32)
    smooth = Image.fromarray(grid, "F").resize(SIZE, Image.Resampling.BICUBIC)
    luminance = np.clip(np.asarray(smooth) + np.asarray(product), 0, 255).astype(np.uint8)
    return Image.merge("YCbCr", (Image.fromarray(luminance, "L"), cb, cr)).convert("RGB")


def _code(rng: random.Random) -> tuple[np.ndarray, float]:
    """8x8 DCT coefficients with 31 of the 63 non-constant ones positive, and the brightness."""
    positive = set(rng.sample(range(1, _K * _K), 31))
    signs = [0.0] + [
        (1.0 if index in positive else -1.0) * rng.uniform(0.55, 1.0) for index in range(1, _K * _K)
    ]
    return np.array(signs).reshape(_K, _K) * _AMPLITUDE, rng.uniform(115, 145)


def _product_layers(rng: random.Random) -> tuple[Image.Image, Image.Image, Image.Image]:
    """The silhouette as a luminance offset (mode F) and the chroma planes of the picture."""
    width, height = SIZE
    product = Image.new("F", SIZE, 0.0)
    cb = Image.new("L", SIZE, 128 + rng.randrange(-20, 21))
    cr = Image.new("L", SIZE, 128 + rng.randrange(-20, 21))
    shade = -rng.uniform(35, 60)
    colour = (128 + rng.randrange(-12, 13), 128 + rng.randrange(-12, 13))
    left, top = rng.randrange(15, 80), rng.randrange(30, 90)
    right, thickness = min(left + rng.randrange(90, 150), width - 12), rng.randrange(18, 34)
    grip = rng.randrange(left + 10, right - 30)
    boxes = [
        (left, top, right, top + thickness),
        (grip, top + thickness - 4, grip + rng.randrange(18, 30), top + thickness + 50),
    ]
    if rng.random() < 0.6:  # a magazine, a scope, a box: something else on the cloth
        x, y = rng.randrange(10, width - 60), rng.randrange(10, height - 40)
        boxes.append((x, y, x + rng.randrange(20, 50), y + rng.randrange(12, 30)))
    for plane, fill in ((product, shade), (cb, colour[0]), (cr, colour[1])):
        draw = ImageDraw.Draw(plane)
        for box in boxes:
            draw.rounded_rectangle(box, radius=5, fill=fill)
    return product, cb, cr


def _exif(spec: PictureSpec) -> bytes:
    exif = Image.Exif()
    if spec.exif == "gps":
        exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = CAMERA
        latitude, longitude = GPS_POSITION
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: latitude,
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: longitude,
        }
    elif spec.exif == "device":
        exif[ExifTags.Base.Make] = "Demo Phone Co."
        exif[ExifTags.Base.Model] = spec.phone
        exif[ExifTags.Base.Software] = "DemoOS 4.2"
    return exif.tobytes() if len(exif) else b""


def _shows_phone(offer: DemoOffer) -> bool:
    if offer.site != DEVICE_SITE or actor_of(offer).startswith("actor-"):
        return False
    return _handle_hash(offer.vendor) % DEVICE_SHARE == 0


def _phone(handle: str) -> str:
    return PHONES[_handle_hash(handle) // DEVICE_SHARE % len(PHONES)]


def _handle_hash(handle: str) -> int:
    return int.from_bytes(hashlib.sha256(f"demo-phone:{handle}".encode()).digest()[:8], "big")


# ground truth for the tests


def pictures(offers: Iterable[DemoOffer]) -> dict[PictureRef, PictureSpec]:
    """Every picture the offers show, by (site, offer_id, n)."""
    return {
        (offer.site, offer.offer_id, n): picture_spec(offer, n)
        for offer in offers
        for n in range(1, len(offer.images) + 1)
    }


def reused_pictures(offers: Iterable[DemoOffer]) -> dict[str, list[PictureRef]]:
    """Keys of pictures shown on more than one site, with where each is shown."""
    shown: dict[str, list[PictureRef]] = defaultdict(list)
    for ref, spec in pictures(offers).items():
        shown[spec.key].append(ref)
    return {key: refs for key, refs in shown.items() if len({site for site, _, _ in refs}) > 1}


def exif_pictures(offers: Iterable[DemoOffer], kind: Exif) -> set[PictureRef]:
    """The pictures whose EXIF is `kind` (`gps`: position and camera; `device`: phone only)."""
    return {ref for ref, spec in pictures(offers).items() if spec.exif == kind}
