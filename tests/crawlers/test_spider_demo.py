"""The config-driven spider against each demo site: field-by-field checks, pagination and limits.

Ground truth is the demo catalog (`armswatch.demo.catalog`), from which the sites are rendered.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from armswatch.demo.catalog import offers_by_site
from armswatch.demo.model import DemoOffer
from armswatch.runs import RunStore
from crawlers.listing import Listing, listing_id
from crawlers.normalize import to_country_codes
from index.selection import open_index
from index.sqlite.sqlite_index import SqliteIndex
from tests.conftest import REPO, run_armswatch

SOURCES = {"market": "demo-market", "forum": "demo-forum", "classifieds": "demo-classifieds"}
SAMPLE_SIZE = 40


def _open(data_dir: Path) -> SqliteIndex:
    index = open_index(f"sqlite:///{data_dir / 'armswatch.db'}")
    assert isinstance(index, SqliteIndex)
    return index


def _all_listings(index: SqliteIndex, query: str) -> Iterator[Listing]:
    offset = 0
    while True:
        page = index.search(query, limit=500, offset=offset, sort="newest", highlight=False)
        yield from (hit.listing for hit in page.hits)
        offset += len(page.hits)
        if not page.hits or offset >= page.total:
            return


@pytest.fixture(scope="module")
def demo_index(demo_data: Path) -> Iterator[SqliteIndex]:
    index = _open(demo_data)
    yield index
    index.close()


@pytest.mark.parametrize("site", list(SOURCES))
def test_every_offer_of_the_site_is_crawled_once(site: str, demo_index: SqliteIndex) -> None:
    offers = offers_by_site(1)[site]
    crawled = list(_all_listings(demo_index, f"source:{SOURCES[site]}"))
    assert len(crawled) == len(offers)
    assert {listing.site_listing_id for listing in crawled} == {o.offer_id for o in offers}


def _assert_listing_matches_offer(listing: Listing, offer: DemoOffer) -> None:
    where = f"{offer.site} offer {offer.offer_id}"
    assert listing.title == offer.title, where
    assert listing.description == offer.description, where
    assert listing.language == offer.language, where
    assert listing.category_path == list(offer.category_path), where
    assert listing.price is not None, where
    assert listing.price.currency == offer.currency, where
    assert listing.price.amount == pytest.approx(offer.price_amount), where
    assert listing.price.amount_usd == pytest.approx(offer.price_usd, rel=0.02), where
    assert listing.vendor is not None and listing.vendor.handle == offer.vendor, where
    assert listing.ships_to == list(offer.ships_to_codes), where
    assert listing.ships_from == to_country_codes(offer.ships_from), where
    assert len(listing.images) == len(offer.images), where
    assert all(image.startswith("http://127.0.0.1:") for image in listing.images), where
    if offer.posted_on is not None:
        assert listing.posted_at is not None and listing.posted_at.date() == offer.posted_on
    assert listing.status == "active" and listing.version == 1, where


@pytest.mark.parametrize("site", list(SOURCES))
def test_sampled_listings_match_the_catalog_field_by_field(
    site: str, demo_index: SqliteIndex
) -> None:
    offers = offers_by_site(1)[site]
    sample = random.Random(f"spider-{site}").sample(offers, SAMPLE_SIZE)
    sample += [o for o in offers if o.obfuscated or o.confounder][:10]
    for offer in sample:
        source = SOURCES[site]
        found = demo_index.get(listing_id(source, offer.offer_id, ""))
        assert found is not None, f"{source}: offer {offer.offer_id} was not crawled"
        _assert_listing_matches_offer(found, offer)
        assert found.source == source and found.site_listing_id == offer.offer_id


def test_market_vendor_pages_are_crawled(demo_index: SqliteIndex) -> None:
    offer = offers_by_site(1)["market"][0]
    profile = demo_index.get_vendor("demo-market", offer.vendor)
    assert profile is not None
    assert profile.pgp_key and profile.pgp_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert profile.crypto_addresses


def test_crawl_statistics_are_recorded_per_run(demo_data: Path) -> None:
    store = RunStore(demo_data / "runs.db")
    try:
        runs = {run.source: run for run in store.recent()}
    finally:
        store.close()
    for site, source in SOURCES.items():
        run = runs[source]
        assert run.finish_reason == "finished"
        assert run.new == len(offers_by_site(1)[site]) and run.changed == 0
        assert run.errors == 0 and run.pages > run.listings > 0
        assert run.bytes > 0 and run.duration > 0


def _limited_copy(tmp_path: Path, name: str, limits: dict[str, int]) -> Path:
    definition = yaml.safe_load((REPO / "sources" / f"{name}.yaml").read_text())
    definition["limits"].update(limits)
    path = tmp_path / "sources" / f"{name}.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(definition))
    return path


def _crawl_counts(data_dir: Path, source: str) -> tuple[int, int]:
    store = RunStore(data_dir / "runs.db")
    try:
        run = next(run for run in store.recent() if run.source == source)
    finally:
        store.close()
    return run.pages, run.listings


@pytest.fixture
def demo_sites() -> Iterator[None]:
    from armswatch.demo.server import DemoSites

    with DemoSites(day=1):
        yield


def test_max_listings_stops_the_crawl(tmp_path: Path, demo_sites: None) -> None:
    path = _limited_copy(tmp_path, "demo-forum", {"max_listings": 30})
    done = run_armswatch("crawl", str(path), data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stdout + done.stderr
    _, listings = _crawl_counts(tmp_path / "data", "demo-forum")
    assert listings == 30
    with _open(tmp_path / "data") as index:
        assert index.count("*") == listings


def test_max_pages_stops_the_crawl(tmp_path: Path, demo_sites: None) -> None:
    path = _limited_copy(tmp_path, "demo-classifieds", {"max_pages": 12})
    done = run_armswatch("crawl", str(path), data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stdout + done.stderr
    pages, _ = _crawl_counts(tmp_path / "data", "demo-classifieds")
    assert pages == 12


def test_pagination_follows_every_index_page(demo_index: SqliteIndex) -> None:
    """The forum lists its threads over many pages; the last page's threads are crawled too."""
    offers = sorted(offers_by_site(1)["forum"], key=lambda offer: offer.sort_key)
    for offer in (offers[0], offers[len(offers) // 2], offers[-1]):
        assert demo_index.get(listing_id("demo-forum", offer.offer_id, "")) is not None
