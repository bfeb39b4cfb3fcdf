"""`armswatch routes` on one crawl of the demo sites matches the routes the catalog implies.

Category source: the routes filter reads the classifier's `annotations.category`. On day 1 the
classifier puts 98 of the 103 true essential components there and nothing else (the five
misses are "6-shot cylinder .38" offers read as ammunition), so the exact comparison is with
the catalog's truth over the offers the classifier agrees on; the planted flow (planted
actors sending components to DE and AT by registered mail, in separate parcels) is checked
on its own as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from armswatch.demo.catalog import DemoOffer, catalog, vendor_by_handle
from armswatch.demo.generate import SEPARATE_PARCELS
from armswatch.demo.routes_truth import expected_routes, route_sort_key
from crawlers.listing import Listing
from index.selection import open_index
from tests.conftest import run_armswatch

SITE_OF_SOURCE = {"demo-market": "market", "demo-forum": "forum", "demo-classifieds": "classifieds"}
CATEGORY = "essential_component"


def crawled(data_dir: Path) -> list[Listing]:
    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    try:
        return list(index.scan_listings("*"))
    finally:
        index.close()


def classified_offers(data_dir: Path) -> tuple[list[DemoOffer], list[DemoOffer]]:
    """(offers the classifier put in CATEGORY, offers truly in it)."""
    offers = {offer.key: offer for offer in catalog(1)}
    chosen = [
        offers[(SITE_OF_SOURCE[listing.source], listing.site_listing_id or "")]
        for listing in crawled(data_dir)
        if listing.annotations is not None and listing.annotations.category == CATEGORY
    ]
    return chosen, [offer for offer in offers.values() if offer.truth_category == CATEGORY]


def routes_json(data_dir: Path, *args: str) -> dict[str, Any]:
    done = run_armswatch("routes", "--category", CATEGORY, "--format", "json", *args,
                         data_dir=data_dir)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_routes_match_the_catalog_exactly(demo_data: Path) -> None:
    chosen, truth = classified_offers(demo_data)
    assert {offer.key for offer in chosen} <= {offer.key for offer in truth}  # no false hits
    assert len(chosen) >= 0.95 * len(truth)
    document = routes_json(demo_data)
    rows = sorted(document["routes"], key=route_sort_key)
    assert rows == expected_routes(1, CATEGORY, chosen)
    header = document["header"]
    assert header["aggregates_only"] is True and header["listings"] == len(chosen)
    assert "vendor_handles" not in json.dumps(document)


def test_the_planted_flow_of_components_to_germany_and_austria(demo_data: Path) -> None:
    parcels = {phrase.lower() for phrase in SEPARATE_PARCELS.values()}
    rows = routes_json(demo_data)["routes"]
    planted = {
        (row["origin"], row["destination"], row["method"]): row["listings"]
        for row in rows
        if row["method"] in parcels
    }
    chosen, _ = classified_offers(demo_data)
    expected: dict[tuple[str, str, str], int] = {}
    for offer in chosen:
        vendor = vendor_by_handle(offer.site)[offer.vendor]
        if vendor.planted:
            for destination in ("DE", "AT"):
                key = (vendor.country, destination, SEPARATE_PARCELS[offer.language].lower())
                expected[key] = expected.get(key, 0) + 1
    assert planted == expected
    assert planted[("RS", "DE", "parts in separate parcels")] >= 1  # a cross-border flow
