"""Re-post detection: MinHash over word shingles, same vendor and source, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from armswatch.demo.catalog import DemoOffer, catalog, changes
from crawlers.listing import Listing, Vendor
from index.backend import IndexBackend, UpsertReport
from index.history_store import HistoryStore
from index.reposts import (
    SIMILARITY_THRESHOLD,
    RepostFinder,
    shingles,
    signature,
    similarity,
)
from index.selection import open_index
from tests.index.conftest import build_listing
from tests.index.contract.conftest import BACKENDS, opened_backend
from tests.index.test_removals import _extension, _source, _SourceSpider

CAPTURED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LINKED = CAPTURED + timedelta(days=2)
TEXT = (
    "Glock 19 Gen5 in 9x19, bought new last spring and fired fewer than two hundred rounds. "
    "Comes with three magazines, the original case and a spare recoil spring. Ships from "
    "Germany in discreet packaging, tracked, within two days of payment. Escrow only."
)


def offer(
    listing_id: str, text: str = TEXT, vendor: str | None = "IronMike", **changes: object
) -> Listing:
    return build_listing(
        listing_id,
        source=str(changes.pop("source", "demo-market")),
        title="Glock 19 Gen5, like new",
        description=text,
        vendor=Vendor(handle=vendor) if vendor else None,
        **changes,
    )


def score(first: Listing, second: Listing) -> float:
    return similarity(signature(first), signature(second))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    with opened_backend(request.param, tmp_path) as opened:
        yield opened


# --- shingles and similarity ------------------------------------------------------------------


def test_shingles_are_three_lowercase_words_in_a_row() -> None:
    listing = build_listing("a", title="Glock 19", description="Gen5, NEW!")
    assert shingles(listing) == {"glock 19 gen5", "19 gen5 new"}
    assert shingles(build_listing("b", title="Glock", description="")) == {"glock"}
    assert shingles(build_listing("c", title="", description="")) == set()


def test_the_same_text_is_one_and_a_word_more_stays_above_the_threshold() -> None:
    assert score(offer("a"), offer("b")) == 1.0
    assert score(offer("a"), offer("b", TEXT + " Relisted.")) >= SIMILARITY_THRESHOLD
    other = "Sig Sauer P320 compact, a lot of holster wear, no box, two magazines, cash only."
    assert score(offer("a"), offer("b", other)) < 0.3


def test_the_estimate_is_the_same_every_time() -> None:
    first, second = offer("a"), offer("b", TEXT.replace("spring", "summer"))
    assert score(first, second) == score(first, second)
    assert list(signature(first).hashvalues) == list(signature(first).hashvalues)


def _as_listing(demo: DemoOffer) -> Listing:
    return build_listing(
        f"{demo.site}-{demo.offer_id}",
        source=demo.site,
        title=demo.title,
        description=demo.description,
        vendor=Vendor(handle=demo.vendor),
    )


def test_the_threshold_links_the_demo_reposts_and_nothing_else_the_demo_adds() -> None:
    """Over demo days 2 to 4, every offer a vendor re-posts reaches the threshold against its
    old offer, and no other new offer reaches it against any earlier offer of its vendor."""
    earlier: dict[tuple[str, str], DemoOffer] = {offer.key: offer for offer in catalog(1)}
    for day in (2, 3, 4):
        today = {offer.key: offer for offer in catalog(day)}
        reposted = dict(changes(day).reposted)
        for key in sorted(changes(day).added):
            new = _as_listing(today[key])
            same_vendor = [
                old
                for old in earlier.values()
                if old.site == key[0] and old.vendor == today[key].vendor
            ]
            scores = {old.key: score(new, _as_listing(old)) for old in same_vendor}
            linked = {k for k, value in scores.items() if value >= SIMILARITY_THRESHOLD}
            assert linked == ({reposted[key]} if key in reposted else set()), (day, key)
        earlier.update(today)


# --- linking on every backend -------------------------------------------------------------------


def test_a_new_listing_is_linked_to_its_vendors_earlier_near_duplicate(
    backend: IndexBackend,
) -> None:
    backend.upsert(
        [
            offer("old"),
            offer("other-vendor", vendor="GunRunner"),
            offer("other-source", source="demo-forum"),
            offer("unrelated", "Ammunition 9x19 FMJ, 1000 rounds, sealed cans, pickup only."),
        ]
    )
    backend.upsert(
        [
            offer("new", TEXT + " Relisted.", first_seen=LINKED),
            offer("copycat", TEXT, vendor="GunRunner2"),
            offer("anonymous", TEXT, vendor=None),
        ]
    )
    backend.refresh()
    new_ids = ["new", "copycat", "anonymous"]
    links = RepostFinder(backend).links(new_ids, set(new_ids), LINKED)
    assert [(link.new_id, link.old_id, link.source, link.vendor) for link in links] == [
        ("new", "old", "demo-market", "IronMike")
    ]
    assert links[0].similarity >= SIMILARITY_THRESHOLD and links[0].linked_at == LINKED


def test_listings_new_in_the_same_crawl_are_not_reposts_of_each_other(
    backend: IndexBackend,
) -> None:
    backend.upsert([offer("first"), offer("second")])
    backend.refresh()
    assert RepostFinder(backend).links(["first", "second"], {"first", "second"}, LINKED) == []


def test_the_most_similar_earlier_listing_is_the_one_linked(backend: IndexBackend) -> None:
    backend.upsert([offer("close", TEXT + " Relisted."), offer("exact", TEXT)])
    backend.upsert([offer("new", TEXT)])
    backend.refresh()
    links = RepostFinder(backend).links(["new"], {"new"}, LINKED)
    assert [(link.new_id, link.old_id, link.similarity) for link in links] == [
        ("new", "exact", 1.0)
    ]


def test_the_vendor_matches_in_any_letter_case(backend: IndexBackend) -> None:
    backend.upsert([offer("old", vendor="IronMike"), offer("new", vendor="ironmike")])
    backend.refresh()
    links = RepostFinder(backend).links(["new"], {"new"}, LINKED)
    assert [link.old_id for link in links] == ["old"]


# --- stored links and the extension -------------------------------------------------------------


def test_links_are_stored_once_and_read_from_both_ends(tmp_path: Path) -> None:
    backend = open_index(f"sqlite:///{tmp_path}/armswatch.db")
    try:
        backend.upsert([offer("old")])
        backend.upsert([offer("new")])
        links = RepostFinder(backend).links(["new"], {"new"}, LINKED)
    finally:
        backend.close()
    with HistoryStore(tmp_path / "history.db") as store:
        assert store.add_links(links) == 1
        assert store.add_links(links) == 0
        assert store.links_of("new") == links == store.links_of("old")
        assert store.links("demo-market") == links and store.links("elsewhere") == []


def _write(url: str, listing: Listing) -> None:
    backend = open_index(url)
    try:
        backend.upsert([listing])
    finally:
        backend.close()


def test_the_extension_links_each_batchs_new_listings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/armswatch.db"
    extension, crawler = _extension(tmp_path, url)
    _write(url, offer("old", source="demo-forum"))  # an earlier crawl
    _write(url, offer("new", source="demo-forum"))  # this crawl's first batch
    extension.on_indexed(UpsertReport(new=("new",)))
    _write(url, offer("twin", source="demo-forum"))  # its second batch
    extension.on_indexed(UpsertReport(new=("twin",)))  # "new" is new in this crawl too
    extension.on_closed(_SourceSpider(_source()), "closespider_timeout")
    assert crawler.stats is not None
    assert crawler.stats.get_value("armswatch/listings_reposted") == 2
    with HistoryStore(tmp_path / "history.db") as store:
        assert {(link.new_id, link.old_id) for link in store.links()} == {
            ("new", "old"),
            ("twin", "old"),
        }


def test_a_finder_reads_each_vendors_earlier_listings_once_per_crawl(backend: Any) -> None:
    backend.upsert([offer("old"), offer("unrelated", "Ammunition 9x19 FMJ, 1000 rounds.")])
    backend.refresh()
    scans: list[str] = []
    original = backend.scan_listings

    def counting_scan(query: str = "*", **options: Any) -> Any:
        scans.append(query)
        return original(query, **options)

    backend.scan_listings = counting_scan
    finder = RepostFinder(backend)
    new_this_crawl: set[str] = set()
    for batch in (["new-1"], ["new-2"]):  # two batches of one crawl, the same vendor
        backend.upsert([offer(batch[0], TEXT + " Relisted.", first_seen=LINKED)])
        backend.refresh()
        new_this_crawl.update(batch)
        links = finder.links(batch, new_this_crawl, LINKED)
        # each re-posts "old"; a listing new in the crawl ("new-1") never becomes a candidate
        assert [(link.new_id, link.old_id) for link in links] == [(batch[0], "old")]
    assert len(scans) == 1, scans
