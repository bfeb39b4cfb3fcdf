"""Acceptance: every listing a crawl indexes points at the WARC record of its page.

The demo market (small limits) and a copy of it rendered in Chromium are crawled side by side
by `armswatch crawl` into a temporary data directory, twice, on the same unchanged demo day.
After the first crawl every indexed listing's evidence names a record whose payload has the
listing's SHA-256 (read with warcio at the offset the ledger gives); a browser page adds its
rendered view and screenshot. After both, the ledger has one entry per record and verifies,
`warcio check` passes on every file, and the second crawl stored no payload twice: what it saw
again it wrote as revisit records of the first crawl's.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from armswatch.demo.server import DemoSites
from crawlers.browser.screenshots import PNG_SIGNATURE
from crawlers.evidence.ledger import read_lines
from crawlers.evidence.verify import verify_evidence
from crawlers.listing import Listing
from index.selection import open_index
from tests.conftest import REPO, run_armswatch

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

STATIC, BROWSER = "evidence-market", "evidence-browser"
LIMITS = {STATIC: {"max_pages": 40, "max_listings": 10}, BROWSER: {"max_pages": 8}}
WARCIO = Path(sys.executable).with_name("warcio")


@dataclass
class Crawled:
    data_dir: Path
    first_listings: dict[str, list[Listing]]  # by source, as indexed after the first crawl
    first_files: set[Path]  # the WARC files of the first crawl

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    def ledger(self) -> dict[str, dict[str, Any]]:
        """The ledger's capture entries by record id."""
        entries = (line.entry for line in read_lines(self.evidence_dir / "ledger.jsonl"))
        return {e["record_id"]: e for e in entries if e and e.get("kind") == "capture"}

    def warc_files(self) -> list[Path]:
        return sorted((self.evidence_dir / "warc").glob("*/*.warc.gz"))


def write_sources(directory: Path, market_url: str) -> None:
    definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
    for name, render in ((STATIC, "static"), (BROWSER, "browser")):
        copy = {**definition, "name": name, "render": render, "start_urls": [market_url + "/"]}
        copy["limits"] = {**definition["limits"], **LIMITS[name]}
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(copy, sort_keys=False))


def indexed(data_dir: Path) -> dict[str, list[Listing]]:
    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    try:
        return {
            source: [hit.listing for hit in index.search(f"source:{source}", limit=500).hits]
            for source in (STATIC, BROWSER)
        }
    finally:
        index.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp("evidence")
    (root / "sources").mkdir()
    (root / "rules").mkdir()  # no alert rules: this is about evidence
    env = {"ARMSWATCH_SOURCES": str(root / "sources"), "ARMSWATCH_RULES": str(root / "rules")}
    data_dir = root / "data"
    with DemoSites(day=1, ports={"market": 0, "forum": 0, "classifieds": 0}) as demo:
        write_sources(root / "sources", demo.base_urls["market"])
        first = run_armswatch("crawl", STATIC, BROWSER, data_dir=data_dir, env=env)
        assert first.returncode == 0, first.stdout + first.stderr
        crawled = Crawled(data_dir, indexed(data_dir), set())
        crawled.first_files = set(crawled.warc_files())
        second = run_armswatch("crawl", STATIC, BROWSER, data_dir=data_dir, env=env)
        assert second.returncode == 0, second.stdout + second.stderr
    yield crawled


def read_record(evidence_dir: Path, entry: dict[str, Any]) -> tuple[Any, bytes]:
    """The record a ledger entry names, read at its offset, and its payload."""
    with (evidence_dir / entry["warc_file"]).open("rb") as stream:
        stream.seek(entry["offset"])
        record = next(iter(ArchiveIterator(stream)))
        return record, record.content_stream().read()


def test_every_listing_points_at_its_page_whose_payload_has_its_sha256(crawled: Crawled) -> None:
    ledger = crawled.ledger()
    for source, listings in crawled.first_listings.items():
        assert listings, f"{source}: the first crawl indexed no listing"
        for listing in listings:
            evidence = listing.evidence
            assert evidence is not None and evidence.warc_record_id, listing.url
            entry = ledger[evidence.warc_record_id]
            assert entry["warc_file"] == evidence.warc_file and entry["source"] == source
            record, payload = read_record(crawled.evidence_dir, entry)
            assert record.rec_headers.get_header("WARC-Record-ID") == evidence.warc_record_id
            assert hashlib.sha256(payload).hexdigest() == evidence.sha256, listing.url
            assert f">{listing.site_listing_id}<".encode() in payload  # the listing's own page
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if source == BROWSER:  # what the spider parsed: the DOM as Chromium rendered it
                assert (record.rec_type, uri[:9]) == ("resource", "urn:view:")
            else:
                assert record.rec_type == "response" and uri.startswith("http://127.0.0.1:")


def test_a_browser_page_keeps_its_rendered_view_and_screenshot(crawled: Crawled) -> None:
    ledger = crawled.ledger()
    for listing in crawled.first_listings[BROWSER]:
        assert listing.evidence is not None and listing.evidence.screenshot
        page_url = ledger[str(listing.evidence.warc_record_id)]["uri"].removeprefix("urn:view:")
        by_uri = {
            entry["uri"]: entry
            for entry in ledger.values()
            if entry["warc_file"] == listing.evidence.warc_file
        }
        shot, png = read_record(crawled.evidence_dir, by_uri[f"urn:screenshot:{page_url}"])
        assert shot.rec_type == "resource"
        assert shot.rec_headers.get_header("Content-Type") == "image/png"
        assert png.startswith(PNG_SIGNATURE)
        assert png == Path(listing.evidence.screenshot).read_bytes()
        response, _ = read_record(crawled.evidence_dir, by_uri[page_url])
        assert response.rec_type in ("response", "revisit")
        assert response.http_headers.get_statuscode() == "200"


def test_the_ledger_has_one_entry_per_record_and_verifies(crawled: Crawled) -> None:
    records = []
    for path in crawled.warc_files():
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                file = path.relative_to(crawled.evidence_dir).as_posix()
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                records.append((file, iterator.get_record_offset(), record_id))
    entries = [(e["warc_file"], e["offset"], e["record_id"]) for e in crawled.ledger().values()]
    lines = sum(1 for _ in read_lines(crawled.evidence_dir / "ledger.jsonl"))
    assert sorted(entries) == sorted(records) and lines == len(records)
    report = verify_evidence(crawled.evidence_dir, crawled.evidence_dir / "ledger.jsonl")
    assert report.ok, [str(fault) for fault in report.faults]
    assert report.records_checked == len(records)


def test_warcio_check_passes_on_every_file(crawled: Crawled) -> None:
    files = [str(path) for path in crawled.warc_files()]
    assert len(files) == 4  # one per source and crawl
    done = subprocess.run([str(WARCIO), "check", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_second_crawl_of_the_same_day_stores_no_payload_twice(crawled: Crawled) -> None:
    ledger = crawled.ledger()
    first = {
        e["record_id"]
        for e in ledger.values()
        if crawled.evidence_dir / e["warc_file"] in crawled.first_files
    }
    seen = {(e["source"], e["uri"]) for e in ledger.values() if e["record_id"] in first}
    second = [e for e in ledger.values() if e["record_id"] not in first]
    revisits = [e for e in second if e["record_type"] == "revisit"]
    assert {e["source"] for e in revisits} == {STATIC, BROWSER}
    for entry in second:
        if entry["record_type"] in ("response", "resource"):
            assert (entry["source"], entry["uri"]) not in seen, "stored again, not revisited"
    for entry in revisits:
        record, _ = read_record(crawled.evidence_dir, entry)
        original = ledger[record.rec_headers.get_header("WARC-Refers-To")]
        assert original["record_id"] in first and original["uri"] == entry["uri"]
        assert original["source"] == entry["source"]
        assert original["payload_sha256"] == entry["payload_sha256"]
        _, payload = read_record(crawled.evidence_dir, original)
        assert hashlib.sha256(payload).hexdigest() == entry["payload_sha256"]
    with sqlite3.connect(crawled.data_dir / "runs.db") as db:
        rows = db.execute("SELECT source, stats FROM runs ORDER BY id").fetchall()
    last = {source: json.loads(stats) for source, stats in rows}
    for source in (STATIC, BROWSER):
        assert last[source]["armswatch/evidence_revisits"] > 0
        assert last[source].get("armswatch/evidence_errors", 0) == 0
