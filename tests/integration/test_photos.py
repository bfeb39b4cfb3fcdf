"""Acceptance: listing photos of real crawls of the demo sites.

`demo_data` (tests/conftest.py) is one `armswatch crawl` of the three demo sites on day 1:
every listing's images are downloaded through the crawl, hashed and stored once by content
under `<data>/photos/`, each image response is in the WARC evidence, actor-kraut's reused photo
matches across the forum and the classifieds site, and only its ads carry GPS. A second crawl
of the classifieds site limited to 6 pages still gets its 6 pages, photos aside.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from armswatch.demo import photos as demo_photos
from armswatch.demo.catalog import catalog
from armswatch.demo.server import DemoSites
from crawlers.evidence.ledger import read_lines
from crawlers.listing import Listing, Photo
from crawlers.photos.hashing import phash_distance
from index.selection import open_index
from tests.conftest import REPO, run_armswatch

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SITES = {"demo-market": "market", "demo-forum": "forum", "demo-classifieds": "classifieds"}
Ref = tuple[str, str, int]  # (site, offer_id, n)


@pytest.fixture(scope="module")
def listings(demo_data: Path) -> list[Listing]:
    index = open_index(f"sqlite:///{demo_data / 'armswatch.db'}")
    try:
        return list(index.scan_listings("*"))
    finally:
        index.close()


@pytest.fixture(scope="module")
def photos_by_ref(listings: list[Listing]) -> dict[Ref, Photo]:
    return {
        (SITES[listing.source], str(listing.site_listing_id), n): photo
        for listing in listings
        for n, photo in enumerate(listing.photos, start=1)
    }


def _stored_file(data_dir: Path, photo: Photo) -> Path:
    [path] = (data_dir / "photos" / photo.sha256[:2]).glob(f"{photo.sha256}.*")
    return path


def test_every_listing_image_became_a_photo_stored_under_its_sha256(
    demo_data: Path, listings: list[Listing]
) -> None:
    assert len(listings) > 1000
    for listing in listings:
        assert [photo.url for photo in listing.photos] == listing.images[:4], listing.url
        for photo in listing.photos:
            stored = _stored_file(demo_data, photo)
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256
            assert photo.phash and photo.media_type in ("image/png", "image/jpeg")


def test_identical_content_is_stored_once(demo_data: Path, listings: list[Listing]) -> None:
    shown = Counter(photo.sha256 for listing in listings for photo in listing.photos)
    assert max(shown.values()) >= 2, "no picture is shown twice (actor-kraut's ads reuse one)"
    stored = [path for path in (demo_data / "photos").rglob("*") if path.is_file()]
    assert sorted(path.stem for path in stored) == sorted(shown)


def test_the_planted_reused_photo_matches_across_the_two_sites(
    photos_by_ref: dict[Ref, Photo],
) -> None:
    reused = demo_photos.reused_pictures(catalog(1))
    assert reused
    for refs in reused.values():
        crawled = [photos_by_ref[ref] for ref in refs]
        assert {ref[0] for ref in refs} == {"forum", "classifieds"}
        assert len({photo.sha256 for photo in crawled}) == len({ref[0] for ref in refs})
        for first, second in itertools.combinations(crawled, 2):
            assert first.phash and second.phash
            assert phash_distance(first.phash, second.phash) <= 4


def test_gps_is_flagged_on_the_planted_photos_and_no_other(
    photos_by_ref: dict[Ref, Photo],
) -> None:
    flagged = {ref for ref, photo in photos_by_ref.items() if "gps" in photo.flags}
    planted = demo_photos.exif_pictures(catalog(1), "gps")
    assert flagged and flagged == planted
    for ref in flagged:
        assert photos_by_ref[ref].exif["GPSPosition"] == "48.370500, 8.217000"
    device_only = {ref for ref, photo in photos_by_ref.items() if photo.flags == ["device"]}
    assert device_only == demo_photos.exif_pictures(catalog(1), "device")


def test_each_image_response_is_in_the_warc_evidence(
    demo_data: Path, listings: list[Listing]
) -> None:
    evidence_dir = demo_data / "evidence"
    entries = [line.entry for line in read_lines(evidence_dir / "ledger.jsonl")]
    captured: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry and entry.get("record_type") in ("response", "revisit"):
            captured.setdefault(entry["uri"], []).append(entry)
    for listing in listings:
        for photo in listing.photos:
            kept = [e["payload_sha256"] for e in captured.get(photo.url, [])]
            assert photo.sha256 in kept, photo.url
    photo = next(p for listing in listings for p in listing.photos)
    entry = next(e for e in captured[photo.url] if e["record_type"] == "response")
    with (evidence_dir / entry["warc_file"]).open("rb") as stream:
        stream.seek(entry["offset"])
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == photo.url
        assert record.http_headers.get_header("Content-Type") == photo.media_type
        assert hashlib.sha256(record.content_stream().read()).hexdigest() == photo.sha256


def test_images_do_not_count_toward_max_pages(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    definition = yaml.safe_load((REPO / "sources" / "demo-classifieds.yaml").read_text())
    definition.update(name="six-pages")
    definition["limits"] = {**definition["limits"], "max_pages": 6}
    (sources / "six-pages.yaml").write_text(yaml.safe_dump(definition))
    data_dir = tmp_path / "data"
    with DemoSites(day=1):
        done = run_armswatch(
            "crawl",
            "six-pages",
            data_dir=data_dir,
            env={"ARMSWATCH_SOURCES": str(sources), "ARMSWATCH_EVIDENCE": "0"},
        )
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(data_dir / "runs.db") as connection:
        pages, raw = connection.execute("SELECT pages, stats FROM runs").fetchone()
    stats = json.loads(raw)
    assert stats["armswatch/photos/responses"] > 0
    assert pages == 6 == stats["response_received_count"] - stats["armswatch/photos/responses"]
