"""What a downloaded listing image is: its SHA-256, perceptual hash, size, type and EXIF.

`describe_photo(url, body)` never raises: a body that is not an image Pillow can decode gives a
`Photo` with only its SHA-256 (logged as a warning with the URL, event `photo_undecodable`).

The perceptual hash is `imagehash.phash` (64 bits, 16 hex digits): re-encoding, resizing or
recompressing a picture changes its SHA-256 but moves its phash by a few bits at most, so
`phash_distance(a, b) <= 4` finds the same picture posted twice.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from io import BytesIO

import imagehash
from PIL import Image

from crawlers.listing import Photo
from crawlers.photos.exif import read_exif

logger = logging.getLogger(__name__)

# file name extensions of the photo store, by the first bytes of a file
SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
    (b"BM", ".bmp"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
)


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def extension_of(body: bytes) -> str:
    """The file name extension of an image body by its signature; `.bin` when unknown."""
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return ".webp"
    for signature, extension in SIGNATURES:
        if body.startswith(signature):
            return extension
    return ".bin"


def describe_photo(url: str, body: bytes) -> Photo:
    """The `Photo` of an image downloaded from `url`."""
    digest = sha256_hex(body)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a corrupt EXIF tag, skipped
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(body)) as image:
                image.load()
                exif, flags = read_exif(image)
                return Photo(
                    url=url,
                    sha256=digest,
                    phash=str(imagehash.phash(image)),
                    width=image.width,
                    height=image.height,
                    media_type=Image.MIME.get(image.format or ""),
                    exif=exif,
                    flags=flags,
                )
    except Exception as error:  # not an image, truncated, a decompression bomb...
        logger.warning(
            "the image %s cannot be decoded (%s: %s): kept with its SHA-256 only",
            url,
            type(error).__name__,
            error,
            extra={"event": "photo_undecodable", "url": url, "sha256": digest},
        )
        return Photo(url=url, sha256=digest)


def phash_distance(first: str, second: str) -> int:
    """The Hamming distance of two perceptual hashes (hex), in bits."""
    return int(imagehash.hex_to_hash(first) - imagehash.hex_to_hash(second))
