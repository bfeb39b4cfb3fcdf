"""Acceptance: the WARC files armswatch's own evidence capture wrote import again into the same
listings, each naming the very record (and SHA-256) the crawl named.

A small crawl of the demo market (on a free loopback port) captures its evidence; `armswatch
import` of the evidence folder into a fresh data directory must give the same listing ids,
titles and prices. Index pages and vendor pages in the WARC give no listing. A second crawl of
the unchanged market writes revisit records; imported, they see the listings again, as the
crawl did.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from armswatch.demo.server import DemoSites
from armswatch.runs import RunStore
from tests.conftest import REPO, run_armswatch

pytestmark = pytest.mark.slow
MAX_PARSE_DELAY = 30.0  # seconds
MARKET = 40  # offers


def _listings(data_dir: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(data_dir / "armswatch.db") as db:
        rows = db.execute("SELECT document FROM listings").fetchall()
    return {document["id"]: document for document in (json.loads(row) for (row,) in rows)}


def _crawl_and_import(tmp_path: Path, crawls: int) -> None:
    """Crawl the demo market `crawls` times into `crawl/`, then import its evidence into
    `import/`."""
    sources, rules = tmp_path / "sources", tmp_path / "rules"
    sources.mkdir()
    rules.mkdir()
    env = {"ARMSWATCH_SOURCES": str(sources), "ARMSWATCH_RULES": str(rules)}
    # a small market crawled to the end: each crawl is complete, so the second starts afresh
    with DemoSites(ports={"market": 0}, sites=("market",), sizes={"market": MARKET}) as demo:
        definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
        definition["start_urls"] = [demo.base_urls["market"] + "/"]
        (sources / "demo-market.yaml").write_text(yaml.safe_dump(definition))
        for _ in range(crawls):
            crawled = run_armswatch("crawl", "demo-market", data_dir=tmp_path / "crawl", env=env)
            assert crawled.returncode == 0, crawled.stderr[-3000:]
    store = RunStore(tmp_path / "crawl" / "runs.db")
    try:
        reasons = [run.finish_reason for run in store.recent("demo-market", limit=10)]
    finally:
        store.close()
    assert reasons == ["finished"] * crawls  # complete: a second crawl starts afresh
    evidence = tmp_path / "crawl" / "evidence"
    assert list(evidence.rglob("*.warc.gz"))
    imported = run_armswatch(
        "import", "demo-market", "--from", str(evidence), data_dir=tmp_path / "import", env=env
    )
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-3000:]


def _seconds_apart(first: str, second: str) -> float:
    return abs((datetime.fromisoformat(first) - datetime.fromisoformat(second)).total_seconds())


def test_a_crawls_own_warc_files_import_into_the_same_listings(tmp_path: Path) -> None:
    _crawl_and_import(tmp_path, crawls=1)
    before, after = _listings(tmp_path / "crawl"), _listings(tmp_path / "import")
    assert before and set(after) == set(before)
    for listing_id, listing in before.items():
        again = after[listing_id]
        assert (again["title"], again["price"]["amount"]) == (
            listing["title"],
            listing["price"]["amount"],
        )
        # the WARC record's date: when the page was fetched, not when it was parsed
        assert _seconds_apart(again["captured_at"], listing["captured_at"]) < MAX_PARSE_DELAY
        was, now = listing["evidence"], again["evidence"]
        assert (now["warc_record_id"], now["sha256"]) == (was["warc_record_id"], was["sha256"])
        assert now["warc_file"].endswith(was["warc_file"])


def _revisit_records(folder: Path) -> int:
    count = 0
    for warc in folder.rglob("*.warc.gz"):
        with warc.open("rb") as stream:
            count += sum(1 for record in ArchiveIterator(stream) if record.rec_type == "revisit")
    return count


def _seen_again(listings: dict[str, dict[str, Any]]) -> set[str]:
    """The listings whose last sighting came after their first (by more than a crawl's start)."""
    return {
        listing_id
        for listing_id, row in listings.items()
        if _seconds_apart(row["last_seen"], row["first_seen"]) > 1
    }


def test_revisit_records_of_a_second_crawl_see_the_listings_again(tmp_path: Path) -> None:
    _crawl_and_import(tmp_path, crawls=2)
    assert _revisit_records(tmp_path / "crawl" / "evidence") > 0  # the unchanged pages
    before, after = _listings(tmp_path / "crawl"), _listings(tmp_path / "import")
    assert before and set(after) == set(before)
    for listing_id, listing in before.items():
        again = after[listing_id]
        assert again["version"] == listing["version"] == 1  # unchanged: no new version
        assert _seconds_apart(again["first_seen"], listing["first_seen"]) < MAX_PARSE_DELAY
        assert _seconds_apart(again["last_seen"], listing["last_seen"]) < MAX_PARSE_DELAY
    assert _seen_again(before) and _seen_again(after) == _seen_again(before)
