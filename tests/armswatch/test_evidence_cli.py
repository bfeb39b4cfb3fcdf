"""`armswatch evidence verify|show` on the evidence of a real demo crawl: a clean store
verifies; one flipped byte fails verification naming its record; `show` writes the captured
page whose SHA-256 is the listing's evidence hash, and a record warcio reads."""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawlers.evidence.ledger import entry_hash, read_lines
from crawlers.evidence.reading import ledger_entries
from crawlers.evidence.verify import verify_evidence
from crawlers.listing import Listing
from index.selection import open_index
from tests.conftest import run_armswatch


def _copy(demo_data: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data, data_dir)
    return data_dir


def _a_listing(data_dir: Path, market: str = "demo-market") -> Listing:
    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    try:
        return next(
            listing for listing in index.scan_listings(f"source:{market}") if listing.evidence
        )
    finally:
        index.close()


def test_a_clean_store_verifies_and_a_flipped_byte_is_named(
    demo_data: Path, tmp_path: Path
) -> None:
    data_dir = _copy(demo_data, tmp_path)
    clean = run_armswatch("evidence", "verify", "--json", data_dir=data_dir)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    report = json.loads(clean.stdout)
    assert report["ok"] and report["records_checked"] > 1000 and not report["faults"]

    listing = _a_listing(data_dir)
    assert listing.evidence is not None and listing.evidence.warc_record_id
    ledger = data_dir / "evidence" / "ledger.jsonl"
    entry = ledger_entries(ledger, [listing.evidence.warc_record_id])[
        listing.evidence.warc_record_id
    ]
    warc = data_dir / "evidence" / entry["warc_file"]
    data = bytearray(warc.read_bytes())
    data[entry["offset"] + entry["length"] // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    broken = run_armswatch("evidence", "verify", data_dir=data_dir)
    assert broken.returncode == 1
    assert "changed_record" in broken.stdout and listing.evidence.warc_record_id in broken.stdout


def test_show_writes_the_captured_page_and_its_record(demo_data: Path, tmp_path: Path) -> None:
    data_dir = _copy(demo_data, tmp_path)
    listing = _a_listing(data_dir)
    assert listing.evidence is not None
    shown = run_armswatch(
        "evidence", "show", listing.id, "--out", str(tmp_path / "view"), data_dir=data_dir
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    (folder,) = (tmp_path / "view").iterdir()
    page = (folder / "page.html").read_bytes()
    assert hashlib.sha256(page).hexdigest() == listing.evidence.sha256
    assert listing.title in html.unescape(page.decode("utf-8"))
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["record_id"] == listing.evidence.warc_record_id
    raw = next(folder.glob("*.warc.gz"))
    with raw.open("rb") as file:
        (record,) = list(ArchiveIterator(file))
    assert record.rec_headers.get_header("WARC-Target-URI") == listing.url
    missing = run_armswatch("evidence", "show", "no-such-listing", data_dir=data_dir)
    assert missing.returncode == 3 and "no listing" in missing.stderr


def test_a_case_package_verifies_with_sha256sum_and_reads_with_warcio(
    demo_data: Path, tmp_path: Path
) -> None:
    data_dir = _copy(demo_data, tmp_path)
    listing = _a_listing(data_dir)
    other = _a_listing(data_dir, market="demo-forum")
    package = tmp_path / "case.zip"
    exported = run_armswatch(
        "evidence", "export", "--case", "CASE-7", "--who", "analyst-1", "--out", str(package),
        listing.id, other.id, data_dir=data_dir,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stdout + exported.stderr
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(unpacked)
    checked = subprocess.run(
        ["sha256sum", "-c", "manifest-sha256.txt"], cwd=unpacked, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(
        (unpacked / "manifest-sha256.txt").read_text().splitlines()
    )
    with (unpacked / "warc" / "CASE-7.warc.gz").open("rb") as file:
        records = {
            r.rec_headers.get_header("WARC-Record-ID"): r.rec_type for r in ArchiveIterator(file)
        }
    assert {listing.evidence.warc_record_id, other.evidence.warc_record_id} <= set(records)  # type: ignore[union-attr]
    assert "warcinfo" in records.values()
    chain = [json.loads(line) for line in (unpacked / "ledger.jsonl").read_text().splitlines()]
    assert all(entry_hash(entry) == entry["hash"] for entry in chain)
    assert all(later["prev"] == earlier["hash"] for earlier, later in itertools.pairwise(chain))
    exports = [
        line.entry for line in read_lines(data_dir / "evidence" / "ledger.jsonl")
        if line.entry and line.entry.get("kind") == "export"
    ]  # fmt: skip
    assert [(e["case"], e["who"], sorted(e["listings"])) for e in exports] == [
        ("CASE-7", "analyst-1", sorted([listing.id, other.id]))
    ]
    assert verify_evidence(data_dir / "evidence", data_dir / "evidence" / "ledger.jsonl").ok
