"""Pattern reports on one crawl of the demo sites find what the demo plants or holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from armswatch.demo.catalog import catalog, vendor_by_handle
from crawlers.listing import Listing
from index.selection import open_index
from intel.patterns import run_report
from intel.patterns.assembled_firearms import AssembledFirearmFinding

SITE_OF_SOURCE = {"demo-market": "market", "demo-forum": "forum", "demo-classifieds": "classifieds"}


def findings_of(data_dir: Path, name: str) -> list[tuple[Any, list[Listing]]]:
    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    try:
        listings = {listing.id: listing for listing in index.scan_listings("*")}
        findings = run_report(name, index, "1y", datetime.now(UTC))
    finally:
        index.close()
    return [(finding, [listings[i] for i in finding.listing_ids]) for finding in findings]


def test_separate_parcels_finds_exactly_the_planted_component_offers(demo_data: Path) -> None:
    found = findings_of(demo_data, "separate_parcels")
    flagged = {
        (SITE_OF_SOURCE[listing.source], listing.site_listing_id or "")
        for _, listings in found
        for listing in listings
    }
    offers = {offer.key: offer for offer in catalog(1)}
    planted = {
        key
        for key in flagged
        if vendor_by_handle(key[0])[offers[key].vendor].planted
        and offers[key].truth_category == "essential_component"
    }
    assert planted == flagged  # only the planted component offers ship in separate parcels
    assert len(planted) >= 5
    subjects = {finding.subject for finding, _ in found}
    assert "Obsidian Bazaar/IronCurtain" in subjects
    assert all("post" in finding.methods for finding, _ in found)


def test_assembled_firearms_finds_an_ar15_from_lower_and_upper(demo_data: Path) -> None:
    found = findings_of(demo_data, "assembled_firearms")
    assert found
    for finding, listings in found:
        assert isinstance(finding, AssembledFirearmFinding)
        handles = {(listing.market, listing.vendor.handle) for listing in listings}  # type: ignore[union-attr]
        assert len(handles) == 1 and len(listings) >= 2
        categories = {listing.annotations.category for listing in listings if listing.annotations}
        assert categories == {"essential_component"}
        assert all(finding.model.lower() in listing.title.lower() for listing in listings)
    assert ("Obsidian Bazaar/CobaltLab", "AR-15") in {(f.actor, f.model) for f, _ in found}
