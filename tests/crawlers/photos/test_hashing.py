"""Photo hashing: SHA-256 of the bytes, a perceptual hash that survives re-encoding, and the
photo store that keeps each content once."""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from crawlers.photos.hashing import describe_photo, extension_of, phash_distance
from crawlers.photos.store import PhotoStore, photo_path


def _scene(seed: int) -> Image.Image:
    """A picture with some structure: stripes and a dark box, placed by `seed`."""
    image = Image.new("RGB", (240, 180), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    for stripe in range(0, 240, 30):
        shade = (stripe * 7 + seed * 53) % 200
        draw.rectangle((stripe, 0, stripe + 14, 180), fill=(shade, shade, 120))
    left = (seed * 37) % 150
    draw.rounded_rectangle((left, 60, left + 80, 100), radius=6, fill=(30, 30, 35))
    return image


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_a_png_is_described() -> None:
    body = _encode(_scene(1), "PNG")
    photo = describe_photo("http://127.0.0.1/a.png", body)
    assert photo.sha256 == hashlib.sha256(body).hexdigest()
    assert (photo.width, photo.height, photo.media_type) == (240, 180, "image/png")
    assert photo.phash is not None and len(photo.phash) == 16
    assert photo.exif == {} and photo.flags == []


def test_the_phash_survives_re_encoding_and_resizing_the_sha256_does_not() -> None:
    original = _scene(2)
    png = describe_photo("http://127.0.0.1/a.png", _encode(original, "PNG"))
    resized = original.resize((320, 240), Image.Resampling.LANCZOS)
    jpeg = describe_photo("http://127.0.0.1/b.jpg", _encode(resized, "JPEG", quality=70))
    assert png.sha256 != jpeg.sha256
    assert jpeg.media_type == "image/jpeg" and (jpeg.width, jpeg.height) == (320, 240)
    assert png.phash and jpeg.phash and phash_distance(png.phash, jpeg.phash) <= 4


def test_different_pictures_are_far_apart() -> None:
    first = describe_photo("http://127.0.0.1/1.png", _encode(_scene(3), "PNG"))
    second = describe_photo("http://127.0.0.1/2.png", _encode(_scene(4).rotate(90), "PNG"))
    assert first.phash and second.phash and phash_distance(first.phash, second.phash) > 10


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Not found</body></html>",
        b"",
        _encode(_scene(5), "JPEG")[:300],  # truncated
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a signature and nothing behind it
    ],
    ids=["html", "empty", "truncated-jpeg", "png-signature-only"],
)
def test_bytes_that_are_no_image_keep_their_sha256_only(
    body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    url = "http://127.0.0.1/img/broken.jpg"
    with caplog.at_level(logging.WARNING, logger="crawlers.photos.hashing"):
        photo = describe_photo(url, body)
    assert photo.sha256 == hashlib.sha256(body).hexdigest()
    assert (photo.phash, photo.width, photo.media_type, photo.exif) == (None, None, None, {})
    [record] = caplog.records
    assert record.levelno == logging.WARNING and url in record.getMessage()
    assert record.__dict__["event"] == "photo_undecodable" and record.__dict__["url"] == url


def test_a_decompression_bomb_is_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 240x180 is then over the limit
    photo = describe_photo("http://127.0.0.1/bomb.png", _encode(_scene(6), "PNG"))
    assert photo.phash is None and photo.sha256


def test_store_paths_are_named_by_content() -> None:
    body = _encode(_scene(7), "PNG")
    digest = hashlib.sha256(body).hexdigest()
    assert photo_path(body) == f"{digest[:2]}/{digest}.png"
    assert extension_of(_encode(_scene(7), "JPEG")) == ".jpg"
    assert extension_of(_encode(_scene(7), "GIF")) == ".gif"
    assert extension_of(_encode(_scene(7), "WEBP")) == ".webp"
    assert extension_of(b"<html>") == ".bin"


def test_the_store_keeps_each_content_once(tmp_path: Path) -> None:
    store = PhotoStore(str(tmp_path / "photos"))
    body = _encode(_scene(8), "PNG")
    path = photo_path(body)
    assert store.store_once(path, body) is True
    target = tmp_path / "photos" / path
    first_written = target.stat().st_mtime_ns
    assert store.store_once(path, body) is False
    assert target.stat().st_mtime_ns == first_written and target.read_bytes() == body
    other = _encode(_scene(9), "PNG")
    assert store.store_once(photo_path(other), other) is True
    files = sorted(p for p in (tmp_path / "photos").rglob("*") if p.is_file())
    assert [p.name for p in files] == sorted(Path(photo_path(b)).name for b in (body, other))
    assert not list((tmp_path / "photos").rglob(".*.part"))  # no temporary file is left
