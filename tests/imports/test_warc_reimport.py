"""Acceptance: the WARC files armswatch's own evidence capture wrote import again into the same
listings, each naming the very record (and SHA-256) the crawl named.

A small crawl of the demo market (on a free loopback port) captures its evidence; `armswatch
import` of the evidence folder into a fresh data directory must give the same listing ids,
titles and prices. Index pages and vendor pages in the WARC give no listing.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from armswatch.demo.server import DemoSites
from tests.conftest import REPO, run_armswatch

pytestmark = pytest.mark.slow
MAX_PARSE_DELAY = 30.0  # seconds


def _listings(data_dir: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(data_dir / "armswatch.db") as db:
        rows = db.execute("SELECT document FROM listings").fetchall()
    return {document["id"]: document for document in (json.loads(row) for (row,) in rows)}


def test_a_crawls_own_warc_files_import_into_the_same_listings(tmp_path: Path) -> None:
    sources, rules = tmp_path / "sources", tmp_path / "rules"
    sources.mkdir()
    rules.mkdir()
    env = {"ARMSWATCH_SOURCES": str(sources), "ARMSWATCH_RULES": str(rules)}
    with DemoSites(day=1, ports={"market": 0}, sites=("market",)) as demo:
        definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
        definition["start_urls"] = [demo.base_urls["market"] + "/"]
        definition["limits"] = {**definition["limits"], "max_pages": 60}
        (sources / "demo-market.yaml").write_text(yaml.safe_dump(definition))
        crawled = run_armswatch("crawl", "demo-market", data_dir=tmp_path / "crawl", env=env)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    evidence = tmp_path / "crawl" / "evidence"
    assert list(evidence.rglob("*.warc.gz"))
    imported = run_armswatch(
        "import", "demo-market", "--from", str(evidence), data_dir=tmp_path / "import", env=env
    )
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-3000:]

    before, after = _listings(tmp_path / "crawl"), _listings(tmp_path / "import")
    assert before and set(after) == set(before)
    for listing_id, listing in before.items():
        again = after[listing_id]
        assert (again["title"], again["price"]["amount"]) == (
            listing["title"],
            listing["price"]["amount"],
        )
        # the WARC record's date: when the page was fetched, not when it was parsed
        fetched = datetime.fromisoformat(again["captured_at"])
        parsed = datetime.fromisoformat(listing["captured_at"])
        assert abs((parsed - fetched).total_seconds()) < MAX_PARSE_DELAY
        was, now = listing["evidence"], again["evidence"]
        assert (now["warc_record_id"], now["sha256"]) == (was["warc_record_id"], was["sha256"])
        assert now["warc_file"].endswith(was["warc_file"])
