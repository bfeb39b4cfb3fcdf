"""A crawl of a card market on 127.0.0.1 with detail pages: each card's page completes it, and
a card whose page is gone (404) or unreadable is indexed as the card read it."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_armswatch

CARDS = REPO / "tests" / "crawlers" / "fixtures" / "cards"
DETAIL = b"<html><h1>Glock 19 slide, complete, OEM</h1><div class='description'>Unfired.</div>"
ONION = "http://bazaarxyzabcdefghij.onion"


class _Market(BaseHTTPRequestHandler):
    pages: dict[str, bytes]

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body or b"gone")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def market() -> Iterator[str]:
    """The card fixture served with its links pointing here; aa11's page is whole, bb22's is
    gone, cc33's has no title."""
    handler = type("Handler", (_Market,), {"pages": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    category = (CARDS / "category.html").read_text().replace(ONION, base)
    handler.pages.update(
        {
            "/category/parts": category.encode(),
            "/product/aa11": DETAIL,
            "/product/cc33": b"<html><p>under maintenance</p></html>",
        }
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()
    server.server_close()


def test_cards_with_detail_pages_are_completed_or_kept(tmp_path: Path, market: str) -> None:
    definition = yaml.safe_load((CARDS / "bazaar.yaml").read_text())
    definition.update(
        network="clearnet",
        start_urls=[f"{market}/category/parts"],
        detail={"title": "h1", "description": "div.description"},
        rate_limit={"download_delay": 0, "autothrottle": False, "retries": 0},
    )
    source = tmp_path / "cards-bazaar.yaml"
    source.write_text(yaml.safe_dump(definition))
    done = run_armswatch(
        "crawl", str(source), data_dir=tmp_path / "data",
        env={"ARMSWATCH_RULES": str(tmp_path / "no-rules")},
    )  # fmt: skip
    with sqlite3.connect(tmp_path / "data" / "armswatch.db") as db:
        rows = db.execute("SELECT document FROM listings").fetchall()
    listings = {doc["site_listing_id"]: doc for doc in (json.loads(row) for (row,) in rows)}
    assert set(listings) == {"aa11", "bb22", "cc33"}, done.stderr[-3000:]
    completed = listings["aa11"]
    assert completed["title"] == "Glock 19 slide, complete, OEM"
    assert completed["description"] == "Unfired." and completed["price"]["amount"] == 410
    assert completed["vendor"]["handle"] == "slidesmith"  # from the card
    assert listings["bb22"]["title"] == "AR-15 lower receiver 80% (Clone)"  # its page: 404
    assert listings["cc33"]["title"] == "Auto sear drop-in"  # its page has no title
