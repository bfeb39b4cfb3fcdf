"""The photo pipeline in a real crawl (`tests.crawl_process --photos`) of a small local shop.

Listing 1 shows five images: a PNG, one that is missing (404), one that is no image, a copy of
the PNG under another URL and a JPEG past `max_per_listing`; listing 2 shows the PNG again. The
shop is crawled twice side by side: under `/on/` with photos on, under `/off/` with them off.
Four pages and `limits.max_pages: 4`: the images must not spend the page budget.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from crawlers.listing import Listing
from tests.conftest import REPO, armswatch_env


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (48, 32), (120, 60, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
NOT_AN_IMAGE = b"<html>a login page, not an image</html>"
PAGES = {
    "": '<a class="item" href="item/1">1</a> <a class="item" href="item/2">2</a>',
    "item/1": (
        '<h1>Listing one</h1><a class="vendor" href="../vendor/x">x</a>'
        + "".join(
            f'<img src="../p/{name}">'
            for name in ("a.png", "missing.png", "notimage.png", "a-copy.png", "b.png")
        )
    ),
    "item/2": '<h1>Listing two</h1><img src="../p/a.png">',
    "vendor/x": '<div class="about">a vendor</div>',
}
IMAGES = {"p/a.png": PNG, "p/a-copy.png": PNG, "p/b.png": PNG, "p/notimage.png": NOT_AN_IMAGE}


class Shop(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        _, prefix, rest = self.path.split("/", 2)
        if prefix in ("on", "off") and rest in PAGES:
            self._send(200, f"<html><body>{PAGES[rest]}</body></html>".encode(), "text/html")
        elif prefix in ("on", "off") and rest in IMAGES:
            self._send(200, IMAGES[rest], "image/png")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Crawl:
    data_dir: Path
    listings: dict[str, dict[str, Listing]]  # by source, by title
    stats: dict[str, dict[str, Any]]
    requests: list[str]
    events: list[dict[str, Any]]


def _source(directory: Path, name: str, url: str, download: bool) -> Path:
    definition = {
        "name": name,
        "kind": "shop",
        "start_urls": [url],
        "index": {"listing_links": {"css": "a.item", "attr": "href", "many": True}},
        "detail": {
            "title": "h1",
            "vendor": "a.vendor",
            "vendor_url": {"css": "a.vendor", "attr": "href"},
            "images": {"css": "img", "attr": "src", "many": True},
        },
        "vendor_page": {"about": "div.about"},
        "limits": {"max_pages": 4},
        "rate_limit": {"download_delay": 0, "autothrottle": False, "retries": 0},
        "photos": {"download": download, "max_per_listing": 4},
    }
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp_path = tmp_path_factory.mktemp("photo-crawl")
    requests: list[str] = []
    handler = type("RecordingShop", (Shop,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        sources = [
            _source(tmp_path, "photos-on", f"{base}/on/", download=True),
            _source(tmp_path, "photos-off", f"{base}/off/", download=False),
        ]
        data_dir, out = tmp_path / "data", tmp_path / "out"
        command = [sys.executable, "-m", "tests.crawl_process", "--photos", str(out)]
        done = subprocess.run(
            [*command, *map(str, sources)],
            cwd=REPO,
            env=armswatch_env(data_dir, {"ARMSWATCH_EVIDENCE": "0"}),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        server.shutdown()
        server.server_close()
    listings = {
        name: {
            listing.title: listing
            for listing in map(Listing.model_validate_json, (out / f"{name}.jsonl").open())
        }
        for name in ("photos-on", "photos-off")
    }
    stats = {
        name: json.loads((out / f"{name}.stats.json").read_text())
        for name in ("photos-on", "photos-off")
    }
    log = (data_dir / "logs" / "armswatch.jsonl").read_text().splitlines()
    yield Crawl(data_dir, listings, stats, requests, [json.loads(line) for line in log])


def test_the_images_that_downloaded_became_photos_in_order(crawl: Crawl) -> None:
    one = crawl.listings["photos-on"]["Listing one"]
    assert [photo.url.rsplit("/", 1)[1] for photo in one.photos] == [
        "a.png",
        "notimage.png",
        "a-copy.png",
    ]
    png, not_an_image, copy = one.photos
    assert png.sha256 == copy.sha256 == hashlib.sha256(PNG).hexdigest()
    assert png.phash and (png.width, png.height, png.media_type) == (48, 32, "image/png")
    assert not_an_image.sha256 == hashlib.sha256(NOT_AN_IMAGE).hexdigest()
    assert (not_an_image.phash, not_an_image.media_type) == (None, None)
    two = crawl.listings["photos-on"]["Listing two"]
    assert [photo.sha256 for photo in two.photos] == [png.sha256]


def test_each_content_is_stored_once_under_its_sha256(crawl: Crawl) -> None:
    stored = sorted(p for p in (crawl.data_dir / "photos").rglob("*") if p.is_file())
    png, other = hashlib.sha256(PNG).hexdigest(), hashlib.sha256(NOT_AN_IMAGE).hexdigest()
    assert [p.relative_to(crawl.data_dir / "photos").as_posix() for p in stored] == sorted(
        [f"{png[:2]}/{png}.png", f"{other[:2]}/{other}.bin"]
    )
    for path in stored:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem


def test_a_failed_image_is_logged_and_the_listing_kept(crawl: Crawl) -> None:
    failed = [e for e in crawl.events if e.get("event") == "photo_download_failed"]
    assert [e["url"].rsplit("/", 2)[1:] for e in failed] == [["p", "missing.png"]]
    one = crawl.listings["photos-on"]["Listing one"]
    assert failed[0]["listing_id"] == one.id and failed[0]["source"] == "photos-on"
    assert crawl.stats["photos-on"]["armswatch/photos/failed"] == 1
    undecodable = [e for e in crawl.events if e.get("event") == "photo_undecodable"]
    assert [e["url"].rsplit("/", 1)[1] for e in undecodable] == ["notimage.png"]


def test_max_per_listing_is_respected(crawl: Crawl) -> None:
    assert "/on/p/b.png" not in crawl.requests
    assert crawl.requests.count("/on/p/a.png") == 1  # one download per URL and crawl


def test_images_spend_nothing_of_the_page_budget(crawl: Crawl) -> None:
    stats = crawl.stats["photos-on"]
    photos = stats["armswatch/photos/responses"]
    assert photos == 4  # a.png, missing.png, notimage.png, a-copy.png
    assert stats["response_received_count"] - photos == 4  # every page: index, 2 items, vendor
    assert "armswatch/page_budget_refused" not in stats
    assert len(crawl.listings["photos-on"]) == 2
    assert stats["item_scraped_count"] == 3  # the vendor profile passed the pipeline too


def test_a_source_with_photos_off_downloads_none(crawl: Crawl) -> None:
    off = crawl.listings["photos-off"]
    assert len(off) == 2 and all(listing.photos == [] for listing in off.values())
    assert off["Listing one"].images  # still read from the page
    assert not [path for path in crawl.requests if path.startswith("/off/p/")]
