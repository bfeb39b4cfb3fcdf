"""The demo marketplaces: a deterministic catalog, three live sites, and their source files."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector

from armswatch.demo import crypto
from armswatch.demo.catalog import (
    DemoOffer,
    build_catalog,
    catalog,
    changes,
    expected_listing,
    offers_by_site,
    vendors,
)
from armswatch.demo.server import DemoSites
from armswatch.demo.truth import first_searches
from armswatch.demo.vendors import PLANTED
from crawlers.normalize import parse_price, to_country_codes
from crawlers.source import Source
from crawlers.source_loader import load_source, validate_files

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    site: ROOT / "sources" / f"demo-{site}.yaml" for site in ("market", "forum", "classifieds")
}
DETAIL_PATHS = {"market": "/listing/{}", "forum": "/thread/{}", "classifieds": "/ad/{}"}
TRUTH = (
    "firearm", "essential_component", "accessory", "conversion_device", "ammunition",
    "3d_printed", "manual", "other_weapon", "none",
)  # fmt: skip
GLOCK = re.compile(r"\bglock\b", re.IGNORECASE)
# country names the demo sites write that crawlers.normalize.countries does not resolve yet
FOREIGN_COUNTRY_NAMES = ("Russland", "Rusia", "Russie", "Großbritannien", "Великобритания")


def _digest(offers: list[DemoOffer]) -> str:
    return hashlib.sha256(repr(offers).encode()).hexdigest()


# --- catalog ---------------------------------------------------------------------------------


def test_catalog_is_deterministic_within_and_across_processes() -> None:
    assert build_catalog(1) == build_catalog(1) == catalog(1)
    assert build_catalog(2) == catalog(2)
    script = (
        "import hashlib; from armswatch.demo.catalog import catalog; "
        "print(hashlib.sha256(repr(catalog(2)).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == _digest(catalog(2))


def test_catalog_size_languages_and_ids() -> None:
    by_site = offers_by_site(1)
    assert len(catalog(1)) >= 1600
    assert {site: len(offers) for site, offers in by_site.items()} == {
        "market": 900,
        "forum": 300,
        "classifieds": 400,
    }
    for site, offers in by_site.items():
        assert {offer.language for offer in offers} == {"en", "de", "es", "fr", "ru"}, site
        assert len({offer.offer_id for offer in offers}) == len(offers)
        assert [int(o.offer_id) for o in offers] == sorted(int(o.offer_id) for o in offers)
    market_languages = Counter(offer.language for offer in by_site["market"])
    assert market_languages.most_common(1)[0][0] == "en"
    assert {o.currency for o in by_site["market"]} == {"BTC", "XMR"}
    assert {o.currency for o in by_site["forum"]} == {"USD", "EUR", "BTC"}
    assert Counter(o.currency for o in by_site["classifieds"]).most_common(1)[0][0] == "EUR"


def test_every_category_is_present_and_firearms_are_a_minority_on_the_market() -> None:
    offers = catalog(1)
    assert {offer.truth_category for offer in offers} == set(TRUTH)
    for site, site_offers in offers_by_site(1).items():
        categories = {offer.truth_category for offer in site_offers}
        assert {"firearm", "conversion_device", "ammunition", "none"} <= categories, site
    market = offers_by_site(1)["market"]
    assert sum(o.truth_firearm_related for o in market) < len(market) / 2
    for offer in offers:
        assert offer.truth_firearm_related == (offer.truth_category not in ("other_weapon", "none"))


def test_confounders_and_obfuscated_spellings_are_planted() -> None:
    offers = catalog(1)
    confounders = {offer.product for offer in offers if offer.confounder}
    expected = {"ak47-strain", "glock-strain", "mdma80", "silver-bullet", "shooting-mag"}
    assert expected | {"airsoft-glock", "knife"} <= confounders
    assert all(not o.truth_firearm_related for o in offers if o.confounder)
    glockmaster = [o for o in offers if o.vendor == "GlockMaster"]
    assert glockmaster and all(o.truth_category == "none" for o in glockmaster)
    titles = " | ".join(o.title for o in offers if o.obfuscated)
    for spelling in ("GL0CK 19", "G.lock 19", "g l o c k", "s1g p3", "AK 47 ruskie", "switchy"):
        assert spelling in titles
    assert all(o.truth_firearm_related for o in offers if o.obfuscated)


def test_glock_offers_shipping_to_germany_and_lower_receivers_are_findable() -> None:
    offers = catalog(1)
    glock_de = [
        o for o in offers if GLOCK.search(f"{o.title} {o.description}") and "DE" in o.ships_to_codes
    ]
    explicit = [o for o in glock_de if re.search(r"Germany|Deutschland", o.ships_to)]
    assert len([o for o in explicit if o.truth_firearm_related]) >= 5
    assert {o.site for o in explicit} >= {"market", "forum"}
    lower = [o for o in offers if "lower receiver" in f"{o.title} {o.description}".lower()]
    assert len([o for o in lower if o.language == "en"]) >= 3


def test_country_texts_normalise_to_the_ground_truth() -> None:
    for offer in catalog(1):
        assert to_country_codes(offer.ships_to) == list(offer.ships_to_codes), offer.ships_to
        assert len(to_country_codes(offer.ships_from)) == 1, offer.ships_from


def test_foreign_country_names_normalise() -> None:
    assert [to_country_codes(name) for name in FOREIGN_COUNTRY_NAMES] == [
        ["RU"],
        ["RU"],
        ["RU"],
        ["GB"],
        ["GB"],
    ]


def test_vendor_keys_and_addresses_are_valid_and_planted_actors_share_what_they_plant() -> None:
    all_vendors = [
        vendor for site in ("market", "forum", "classifieds") for vendor in vendors(site)
    ]
    for vendor in all_vendors:
        assert crypto.base58check_decode(vendor.btc_address)[0] == 0
        assert crypto.bech32_verify(vendor.btc_bech32)
        assert len(vendor.xmr_address) == 95 and vendor.xmr_address.startswith("4")
        assert re.fullmatch(r"0x[0-9a-f]{40}", vendor.eth_address)
        assert vendor.pgp_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    actors: dict[str, list[tuple[str, str, str, str]]] = {}
    for vendor in all_vendors:
        entry = (vendor.site, vendor.handle, vendor.pgp_key, vendor.btc_address)
        actors.setdefault(vendor.actor_id, []).append(entry)
    shared = {actor: found for actor, found in actors.items() if len(found) > 1}
    assert len(shared) >= 3
    for found in shared.values():
        assert len({site for site, *_ in found}) == 2
        assert len({handle for _, handle, *_ in found}) == 2
    planted = {p.actor_id: p.shares for p in PLANTED}
    for actor, found in shared.items():
        assert len({key for *_, key, _ in found}) == (1 if "pgp" in planted[actor] else 2)
        assert len({btc for *_, btc in found}) == (1 if "wallets" in planted[actor] else 2)
    everyone = [(v.pgp_key, v.btc_address) for v in all_vendors if not v.planted]
    assert len({key for key, _ in everyone}) == len({btc for _, btc in everyone}) == len(everyone)
    vendor_handles = {offer.vendor for offer in catalog(1)}
    assert all(handle in vendor_handles for found in shared.values() for _, handle, *_ in found)


def test_day_two_removes_adds_and_reprices() -> None:
    day1 = {offer.key: offer for offer in catalog(1)}
    day2 = {offer.key: offer for offer in catalog(2)}
    step = changes(2)
    assert step.removed and step.added and step.repriced
    assert set(day1) - set(day2) == step.removed
    assert set(day2) - set(day1) == step.added
    assert 0.02 * len(day1) <= len(step.removed) <= 0.04 * len(day1)
    assert 0.04 * len(day1) <= len(step.repriced) <= 0.06 * len(day1)
    for key in set(day1) & set(day2):
        before, after = day1[key], day2[key]
        assert (before.title, before.vendor, before.category_path) == (
            after.title,
            after.vendor,
            after.category_path,
        )
        assert (before.price_amount != after.price_amount) == (key in step.repriced)
    assert all(day2[key].first_day == 2 for key in step.added)
    assert all(expected_listing(site, offer_id, 2) is None for site, offer_id in step.removed)
    day3 = {offer.key for offer in catalog(3)}
    assert changes(3).removed <= set(day2) and not changes(3).added & set(day1)
    assert len(day3) == len(day2)


# --- live sites ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sites() -> Iterator[DemoSites]:
    with DemoSites(ports={"market": 0, "forum": 0, "classifieds": 0}) as demo:
        yield demo


def _fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _get(url: str) -> tuple[int, dict[str, str], str]:
    status, headers, body = _fetch(url)
    return status, headers, body.decode("utf-8")


def _local(source: Source, sites: DemoSites, site: str) -> str:
    """The source's start URL, moved to the port the test server got."""
    start = str(source.start_urls[0])
    return re.sub(r"^http://127\.0\.0\.1:\d+", sites.base_urls[site], start)


@pytest.mark.parametrize("site", ["market", "forum", "classifieds"])
def test_each_site_serves_utf8_html_and_404s(sites: DemoSites, site: str) -> None:
    assert sites.base_urls[site].startswith("http://127.0.0.1:")
    status, headers, body = _get(sites.url(site, "/"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body.encode("utf-8"))
    assert '<meta charset="utf-8">' in body and re.search(r'<html lang="[a-z]{2}">', body)
    assert _get(sites.url(site, "/no/such/page"))[0] == 404
    offer = next(offer for offer in offers_by_site(1)[site] if offer.images)
    status, headers, image = _fetch(sites.url(site, offer.images[0]))
    png = offer.images[0].endswith(".png")  # forum attachments; market and ads show JPEGs
    assert (status, headers["Content-Type"]) == (200, "image/png" if png else "image/jpeg")
    assert image.startswith(b"\x89PNG" if png else b"\xff\xd8\xff")


def test_market_category_pages_paginate(sites: DemoSites) -> None:
    handguns = [o for o in offers_by_site(1)["market"] if o.category_slug == "handguns"]
    pages = -(-len(handguns) // 25)
    assert pages >= 2
    first = Selector(text=_get(sites.url("market", "/category/handguns"))[2])
    assert len(first.css("table.listings tr.listing-row")) == 25
    assert first.css("div.pager a.next::attr(href)").get() == "/category/handguns?page=2"
    last = Selector(text=_get(sites.url("market", f"/category/handguns?page={pages}"))[2])
    assert last.css("div.pager a.next").get() is None
    links = last.css("a.listing-link::attr(href)").getall()
    assert links[-1] == f"/listing/{handguns[-1].offer_id}"
    assert _get(sites.url("market", f"/category/handguns?page={pages + 1}"))[0] == 404
    weapons = Selector(text=_get(sites.url("market", "/category/weapons"))[2])
    assert weapons.css("div.pager a.next").get() is not None


def test_forum_and_classifieds_index_pages_paginate(sites: DemoSites) -> None:
    board = Selector(text=_get(sites.url("forum", "/board/handguns"))[2])
    assert len(board.css("div.thread-row")) == 20
    assert board.css("a.next-page::text").get() == "Next ›"
    results = Selector(text=_get(sites.url("classifieds", "/search?page=2"))[2])
    assert len(results.css("li.ad-card")) == 24
    assert "/search?page=3" in results.css("nav.pagination a.page::attr(href)").getall()
    newest = offers_by_site(1)["classifieds"][-1].offer_id
    first = Selector(text=_get(sites.url("classifieds", "/search"))[2])
    assert first.css("li.ad-card::attr(data-ad-id)").get() == newest
    assert _get(sites.url("classifieds", "/search?page=99"))[0] == 404


@pytest.mark.parametrize("site", ["market", "forum", "classifieds"])
def test_source_selectors_read_the_detail_pages(sites: DemoSites, site: str) -> None:
    source = load_source(SOURCES[site])
    index = Selector(text=_get(_local(source, sites, site))[2])
    follow = [link for selector in source.index.follow for link in selector.values(index)]
    assert source.index.listing_links.values(index) or follow
    for offer in offers_by_site(1)[site][::97]:
        page = Selector(text=_get(sites.url(site, DETAIL_PATHS[site].format(offer.offer_id)))[2])
        detail = source.detail
        assert detail.title.first(page) == offer.title
        assert (
            detail.description is not None and detail.description.first(page) == offer.description
        )
        assert detail.category is not None and detail.category.values(page) == list(
            offer.category_path
        )
        assert detail.ships_to is not None and detail.ships_to.first(page) == offer.ships_to
        assert detail.vendor is not None and detail.vendor.first(page) == offer.vendor
        assert detail.price is not None
        price = parse_price(
            detail.price.first(page),
            currency_text=detail.currency.first(page) if detail.currency else None,
            default_currency=source.defaults.currency,
            captured_at=datetime(2026, 3, 16, tzinfo=UTC),
        )
        assert price is not None and (price.amount, price.currency) == (
            offer.price_amount,
            offer.currency,
        )


def test_vendor_pages_show_keys_and_addresses(sites: DemoSites) -> None:
    source = load_source(SOURCES["market"])
    assert source.vendor_page is not None and source.vendor_page.pgp_key is not None
    page = Selector(text=_get(sites.url("market", "/vendor/NordicSteel"))[2])
    vendor = next(v for v in vendors("market") if v.handle == "NordicSteel")
    assert source.vendor_page.pgp_key.first(page) == vendor.pgp_key
    assert source.vendor_page.crypto_addresses is not None
    assert vendor.btc_address in source.vendor_page.crypto_addresses.values(page)
    forum = Selector(text=_get(sites.url("forum", "/member/nordic_steel"))[2])
    assert vendor.pgp_key == forum.css("pre.pgp-block::text").get()


def test_set_day_removes_and_adds_live(sites: DemoSites) -> None:
    step = changes(2)
    removed = sorted(step.removed)[0]
    added = sorted(step.added)[0]
    path = DETAIL_PATHS[removed[0]].format(removed[1])
    assert _get(sites.url(removed[0], path))[0] == 200
    sites.set_day(2)
    try:
        assert sites.day == 2
        assert _get(sites.url(removed[0], path))[0] == 404
        assert _get(sites.url(added[0], DETAIL_PATHS[added[0]].format(added[1])))[0] == 200
        repriced = next(key for key in sorted(step.repriced) if key[0] == "market")
        body = _get(sites.url("market", f"/listing/{repriced[1]}"))[2]
        offer = expected_listing("market", repriced[1], 2)
        assert offer is not None and offer.price_text in body
    finally:
        sites.set_day(1)


def test_source_files_validate() -> None:
    assert validate_files(list(SOURCES.values())) == []
    for site, path in SOURCES.items():
        source = load_source(path)
        assert source.kind == site
        assert source.rate_limit.concurrency == 16 and not source.rate_limit.autothrottle
        assert source.limits.allowed_domains == ["127.0.0.1"]
        assert set(source.languages) == {"en", "de", "es", "fr", "ru"}


def test_first_searches_have_ground_truth() -> None:
    searches = first_searches(1)
    glock_de = searches["glock AND ships_to:DE"]
    assert len([o for o in glock_de if o.truth_firearm_related]) >= 10
    assert all("DE" in o.ships_to_codes for o in glock_de)
    assert not any(o.product == "gl0ck" for o in glock_de)  # 'GL0CK' is not the token 'glock'
    assert len(searches['"lower receiver"']) >= 5
    assert all(
        o.truth_category == "conversion_device" for o in searches["category:conversion_device"]
    )
