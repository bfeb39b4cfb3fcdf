"""The evidence view: a capture's metadata and state (verified, or changed once a byte of its
WARC record is flipped), the captured page served sandboxed, the raw record, the screenshot.

Tests that change evidence work on a copy of the demo's data directory, never on it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from parsel import Selector
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from crawlers.browser.screenshots import save_screenshot, with_screenshot
from crawlers.evidence.ledger import LEDGER_FILE
from crawlers.evidence.reading import ledger_entries
from crawlers.listing import Evidence, Listing
from dashboards.audit import AuditLog
from dashboards.roles import Role
from index.selection import open_index
from tests.dashboards.conftest import LoggedIn, copy_demo_data, log_in, make_app

SANDBOX = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@pytest.fixture(scope="module")
def analyst(demo_app: FastAPI) -> LoggedIn:
    return log_in(demo_app, Role.analyst)


@pytest.fixture
def data_copy(demo_data: Path, tmp_path: Path) -> Path:
    """A copy of the demo's data directory, for tests that change it."""
    return copy_demo_data(demo_data, tmp_path / "data")


def _captured(data_dir: Path, query: str = "glock") -> Listing:
    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    try:
        hits = index.search(query, limit=20, highlight=False).hits
    finally:
        index.close()
    for hit in hits:
        if hit.listing.evidence and hit.listing.evidence.warc_record_id:
            return hit.listing
    raise AssertionError(f"no listing for {query!r} has captured evidence")


def _entry(data_dir: Path, listing: Listing) -> dict[str, object]:
    assert listing.evidence is not None and listing.evidence.warc_record_id
    record_id = listing.evidence.warc_record_id
    return ledger_entries(data_dir / "evidence" / LEDGER_FILE, [record_id])[record_id]


def _state(page_text: str) -> str | None:
    return Selector(page_text).css(".evidence-state::attr(class)").get("").split()[-1]


def test_a_clean_capture_is_verified_on_the_listing_and_evidence_pages(
    analyst: LoggedIn, demo_data: Path
) -> None:
    listing = _captured(demo_data)
    assert listing.evidence is not None
    page = analyst.client.get(f"/listings/{listing.id}")
    assert _state(page.text) == "verified"
    assert listing.evidence.sha256 in page.text
    assert f'href="/evidence/{listing.id}"' in page.text
    evidence = analyst.client.get(f"/evidence/{listing.id}")
    assert evidence.status_code == 200
    assert _state(evidence.text) == "verified"
    html = Selector(evidence.text)
    shown = " ".join(html.css("dl.fields dd ::text").getall())
    entry = _entry(demo_data, listing)
    for value in (entry["record_id"], entry["sha256"], entry["uri"], entry["warc_file"]):
        assert str(value) in shown
    assert "demo-" in " ".join(html.css("section dl.fields")[-1].css("dd ::text").getall())


def test_a_flipped_byte_in_the_record_shows_as_changed(data_copy: Path) -> None:
    listing = _captured(data_copy)
    entry = _entry(data_copy, listing)
    warc = data_copy / "evidence" / str(entry["warc_file"])
    data = bytearray(warc.read_bytes())
    at = int(str(entry["offset"])) + int(str(entry["length"])) // 2
    data[at] ^= 0xFF
    warc.write_bytes(bytes(data))
    client = log_in(make_app(data_copy), Role.analyst).client
    assert _state(client.get(f"/listings/{listing.id}").text) == "changed"
    evidence = client.get(f"/evidence/{listing.id}")
    assert evidence.status_code == 200
    assert _state(evidence.text) == "changed"
    assert str(entry["sha256"]) in evidence.text  # what the ledger says it was


def test_an_edited_ledger_entry_shows_as_altered(data_copy: Path) -> None:
    listing = _captured(data_copy)
    entry = _entry(data_copy, listing)
    ledger = data_copy / "evidence" / LEDGER_FILE
    lines = ledger.read_text().splitlines(keepends=True)
    number = int(str(entry["line"])) - 1
    lines[number] = lines[number].replace('"source": "', '"source": "x', 1)
    ledger.write_text("".join(lines))
    client = log_in(make_app(data_copy), Role.analyst).client
    assert _state(client.get(f"/listings/{listing.id}").text) == "altered_entry"


def test_the_captured_page_is_served_sandboxed(analyst: LoggedIn, demo_data: Path) -> None:
    listing = _captured(demo_data)
    page = analyst.client.get(f"/evidence/{listing.id}/page")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == SANDBOX
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-type"].startswith("text/html")
    assert hashlib.sha256(page.content).hexdigest() == _entry(demo_data, listing)["payload_sha256"]
    # our own pages never inline it
    evidence = analyst.client.get(f"/evidence/{listing.id}")
    assert page.text not in evidence.text
    assert "<iframe" not in evidence.text


def test_the_raw_record_is_one_warc_record_as_the_ledger_hashed_it(
    analyst: LoggedIn, demo_data: Path
) -> None:
    listing = _captured(demo_data)
    download = analyst.client.get(f"/evidence/{listing.id}/record.warc.gz")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    entry = _entry(demo_data, listing)
    assert hashlib.sha256(download.content).hexdigest() == entry["sha256"]
    records = list(ArchiveIterator(io.BytesIO(download.content)))
    assert [record.rec_headers.get_header("WARC-Record-ID") for record in records] == [
        entry["record_id"]
    ]


def test_the_screenshot_is_served_from_the_store_and_only_from_it(data_copy: Path) -> None:
    listing = _captured(data_copy)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(png, format="PNG")
    # stored under the demo data directory's own path: found in the copy's store
    path = save_screenshot(png.getvalue(), data_copy / "screenshots", listing.source)
    elsewhere = listing.model_copy(update={"id": "elsewhere"})
    evidence = (listing.evidence or Evidence()).model_copy(update={"screenshot": "/etc/passwd"})
    index = open_index(f"sqlite:///{data_copy / 'armswatch.db'}")
    index.upsert(
        [with_screenshot(listing, path), elsewhere.model_copy(update={"evidence": evidence})]
    )
    index.close()
    client = log_in(make_app(data_copy), Role.analyst).client
    shot = client.get(f"/evidence/{listing.id}/screenshot.png")
    assert shot.status_code == 200
    assert shot.headers["content-type"] == "image/png"
    assert shot.content == png.getvalue()
    page = Selector(client.get(f"/listings/{listing.id}").text)
    assert page.css("img.screenshot::attr(src)").get() == f"/evidence/{listing.id}/screenshot.png"
    assert client.get("/evidence/elsewhere/screenshot.png").status_code == 404


def test_unknown_listings_and_missing_screenshots_are_404(
    analyst: LoggedIn, demo_data: Path
) -> None:
    for path in ("/evidence/nope", "/evidence/nope/page", "/evidence/nope/record.warc.gz"):
        assert analyst.client.get(path).status_code == 404
    listing = _captured(demo_data)
    assert analyst.client.get(f"/evidence/{listing.id}/screenshot.png").status_code == 404


def test_evidence_views_are_audited(analyst: LoggedIn, demo_data: Path) -> None:
    listing = _captured(demo_data, "rifle")
    analyst.client.get(f"/evidence/{listing.id}")
    analyst.client.get(f"/evidence/{listing.id}/page")
    viewed = [
        entry.detail.get("part")
        for entry in AuditLog(demo_data / "audit.db").entries()
        if entry.action == "evidence.view" and entry.target == listing.id
    ]
    assert {"metadata", "page"} <= set(viewed)
