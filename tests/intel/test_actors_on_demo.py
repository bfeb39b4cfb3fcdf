"""Vendor resolution on one crawl of the demo sites: the planted cross-market actors are found
with the evidence they were planted with, and no unrelated demo vendors are linked."""

from __future__ import annotations

from pathlib import Path

import pytest

from armswatch.demo.vendors import DemoVendor, PlantedLink, planted_links, vendors
from index.selection import open_index
from intel.identifiers import gather
from intel.resolution import Resolution, resolve
from intel.vendor_records import VendorKey, VendorRecord, find_vendor

SITE_SOURCES = {"market": "demo-market", "forum": "demo-forum", "classifieds": "demo-classifieds"}
SOURCE_SITES = {source: site for site, source in SITE_SOURCES.items()}


@pytest.fixture(scope="module")
def resolution(demo_data: Path) -> Resolution:
    index = open_index(f"sqlite:///{demo_data / 'armswatch.db'}")
    try:
        return resolve(gather(index), {})
    finally:
        index.close()


def demo_vendor(record: VendorRecord) -> DemoVendor:
    [source] = record.sources
    site = SOURCE_SITES[source]
    return next(v for v in vendors(site) if v.handle.casefold() == record.key.handle)


def keys_of(found: Resolution, link: PlantedLink) -> tuple[VendorKey, VendorKey]:
    every = dict(found.vendors)
    first, second = (find_vendor(f"{SITE_SOURCES[site]}:{handle}", every)
                     for site, handle in (link.first, link.second))  # fmt: skip
    return first, second


def shown_identifiers(vendor: DemoVendor) -> set[str]:
    addresses = (vendor.btc_address, vendor.btc_bech32.lower(), vendor.xmr_address)
    return {vendor.pgp_fingerprint.replace(" ", ""), *(f"{c}:{a}" for c, a in zip(
        ("btc", "btc", "xmr"), addresses, strict=True))}  # fmt: skip


@pytest.mark.parametrize("planted", [link for link in planted_links() if link.strong], ids=str)
def test_every_planted_actor_is_found_with_the_evidence_it_shares(
    resolution: Resolution, planted: PlantedLink
) -> None:
    first, second = keys_of(resolution, planted)
    actor = resolution.actor_of(first)
    assert actor is not None, f"{planted.actor_id} was not linked"
    assert actor.members == tuple(sorted((first, second)))
    [link] = actor.links
    assert {evidence.identifier.kind for evidence in link.evidence} == planted.evidence_kinds
    both = (demo_vendor(resolution.vendors[first]), demo_vendor(resolution.vendors[second]))
    for evidence in link.evidence:
        assert evidence.identifier.value in shown_identifiers(both[0]) & shown_identifiers(both[1])
        for key, sighting in ((link.first, evidence.first), (link.second, evidence.second)):
            assert sighting.listing_ids or sighting.profile_urls
            assert sighting.first_seen is not None and sighting.last_seen is not None
            assert sighting.first_seen <= sighting.last_seen
            shown = {listing.id for listing in resolution.vendors[key].listings}
            assert sighting.listing_ids <= shown  # the vendor's own listings show it


def test_classifieds_evidence_names_the_ads_that_print_the_wallet(
    resolution: Resolution, demo_data: Path
) -> None:
    balkan = next(link for link in planted_links() if link.actor_id == "actor-balkan")
    first, second = keys_of(resolution, balkan)
    actor = resolution.actor_of(first)
    assert actor is not None
    [evidence] = actor.links[0].evidence
    ads = evidence.first if actor.links[0].first == second else evidence.second
    assert ads.listing_ids and not ads.profile_urls
    index = open_index(f"sqlite:///{demo_data / 'armswatch.db'}")
    try:
        for listing in index.get_many(ads.listing_ids).values():
            assert evidence.identifier.value.removeprefix("btc:") in listing.description
    finally:
        index.close()


def test_no_strong_link_joins_vendors_of_different_demo_actors(resolution: Resolution) -> None:
    assert len(resolution.vendors) > 200
    for actor in resolution.actors:
        truth = {demo_vendor(resolution.vendors[key]).actor_id for key in actor.members}
        assert len(truth) == 1, f"{actor.id} joins {sorted(map(str, actor.members))}"
    assert len(resolution.actors) == sum(link.strong for link in planted_links())
    assert resolution.common == ()


def test_the_actor_sharing_nothing_is_only_suggested_with_a_confidence(
    resolution: Resolution,
) -> None:
    kraut = next(link for link in planted_links() if not link.strong)
    first, second = keys_of(resolution, kraut)
    assert resolution.actor_of(first) is None and resolution.actor_of(second) is None
    [suggestion] = [s for s in resolution.suggestions if {s.first, s.second} == {first, second}]
    assert [reason.kind for reason in suggestion.reasons] == ["photo", "handle"]
    photo = suggestion.reasons[0]
    theirs = {listing.id for key in (first, second) for listing in resolution.vendors[key].listings}
    assert len(photo.listings) >= 2 and set(photo.listings) <= theirs
    assert 0.5 <= suggestion.confidence < 1
    assert resolution.suggestions[0] == suggestion  # the most confident of all
    assert not any(r.kind == "photo" for s in resolution.suggestions[1:] for r in s.reasons)
