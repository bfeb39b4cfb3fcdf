"""Pattern reports on one crawl of the demo sites find what the demo plants or holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from armswatch.actors import resolve_actors
from armswatch.demo.catalog import catalog, vendor_by_handle
from armswatch.demo.generate import PLANTED_KIT
from armswatch.settings import AppSettings
from crawlers.listing import Listing
from index.selection import open_index
from intel.patterns import run_report
from intel.patterns.assembled_firearms import AssembledFirearmFinding
from intel.resolution import vendor_actors

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


def test_a_kit_split_across_two_markets_is_assembled_only_with_actors_resolved(
    demo_data: Path,
) -> None:
    app = AppSettings(
        data_dir=demo_data, index_url=f"sqlite:///{demo_data / 'armswatch.db'}", sources_dirs=()
    )
    index = open_index(app.index_url)
    try:
        actors = vendor_actors(resolve_actors(app, index))
        apart = run_report("assembled_firearms", index, "1y", datetime.now(UTC))
        joined = run_report("assembled_firearms", index, "1y", datetime.now(UTC), actors)
        listings = {listing.id: listing for listing in index.scan_listings("*")}
    finally:
        index.close()
    planted = {(site, offer_id) for site, offer_id in PLANTED_KIT}

    def kit(findings: list[Any]) -> list[Any]:
        return [
            finding
            for finding in findings
            if {
                (SITE_OF_SOURCE[listings[i].source], listings[i].site_listing_id)
                for i in finding.listing_ids
            }
            >= planted
        ]

    assert kit(apart) == []  # the frame on one market, slide and barrel on another
    [found] = kit(joined)
    assert found.model == "Glock 19"
    assert found.actor == actors["obsidian bazaar/nordicsteel"] == actors["iron board/nordic_steel"]
    assert (
        "Obsidian Bazaar:nordicsteel" in found.subject
        and "Iron Board:nordic_steel" in found.subject
    )
