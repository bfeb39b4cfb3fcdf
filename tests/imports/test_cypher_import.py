"""Acceptance: `armswatch import cypher --from <saved Cypher pages>` indexes their listings,
compared with the third-party extraction `expected.csv` by listing URL.

The pages are real (../shared/data/markets/cypher-2020-09-17, see its README): 191 category
pages of listing cards, saved in 2020. Rows are found by URL; title (whitespace normalised),
vendor, category and price are compared on the rows found. The figures are printed.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_armswatch

CYPHER = (REPO / ".." / "shared" / "data" / "markets" / "cypher-2020-09-17").resolve()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CYPHER.exists(), reason="../shared/data not present"),
]
CAPTURED = "2020-09-17T14:55:45Z"  # expected.csv's "Date Time Recorded" of the first rows
MIN_SHARE = 0.98


def _indexed(data_dir: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(data_dir / "armswatch.db") as db:
        rows = db.execute("SELECT document FROM listings").fetchall()
    documents = [json.loads(document) for (document,) in rows]
    return {document["url"]: document for document in documents}


def _agrees(row: dict[str, str], listing: dict[str, Any]) -> dict[str, bool]:
    price = listing.get("price") or {}
    vendor = listing.get("vendor") or {}
    category = listing.get("category_path") or [""]
    expected_price = float(row["Price in AUD"]) if row["Price in AUD"] else None
    return {
        "title": listing["title"] == " ".join(row["Product"].split()),
        "vendor": vendor.get("handle", "") == row["Vendor"].strip(),
        "category": category[0] == row["Category"].strip(),
        "price": price.get("amount") == expected_price,
    }


def test_the_saved_cypher_pages_import_as_expected(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    done = run_armswatch(
        "import", "cypher", "--from", str(CYPHER / "pages"), "--captured-at", CAPTURED,
        data_dir=data_dir, env={"ARMSWATCH_RULES": str(tmp_path / "no-rules")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    indexed = _indexed(data_dir)
    with (CYPHER / "expected.csv").open(newline="", encoding="utf-8") as csv_file:
        rows = list(csv.DictReader(csv_file))
    found = [(row, indexed[row["Product URL"]]) for row in rows if row["Product URL"] in indexed]
    agreed = {field: 0 for field in ("title", "vendor", "category", "price")}
    for row, listing in found:
        for field, same in _agrees(row, listing).items():
            agreed[field] += same
    share_found = len(found) / len(rows)
    print(
        f"\ncypher import: {len(indexed)} listings indexed; {len(found)} of {len(rows)} "
        f"expected rows found ({share_found:.2%}); agreeing on the rows found: "
        + ", ".join(f"{field} {count / len(found):.2%}" for field, count in agreed.items())
    )
    assert share_found >= MIN_SHARE
    for field, count in agreed.items():
        assert count / len(found) >= MIN_SHARE, field
    listing = next(iter(indexed.values()))
    assert listing["captured_at"].startswith("2020-09-17T14:55:45")
    evidence = listing["evidence"]
    assert (
        evidence["saved_file"].startswith(str(CYPHER / "pages")) and len(evidence["sha256"]) == 64
    )
