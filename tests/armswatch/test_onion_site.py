"""The demo onion market (Cinder Vault): login, CAPTCHA, queue page, JSON-built pages, expiry."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from parsel import Selector
from PIL import Image

from armswatch.demo.captcha_image import captcha_answer, captcha_png, challenge_id
from armswatch.demo.catalog import expected_listing
from armswatch.demo.model import SERVED_SITES
from armswatch.demo.server import DEFAULT_PORTS, DemoSites, OnionOptions
from armswatch.demo.sites.onion import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    ONION_HOST,
    expected_onion_listing,
    onion_offers,
)
from crawlers.extraction import listing_from_page
from crawlers.normalize import to_country_codes
from crawlers.source_loader import load_source

REPO = Path(__file__).resolve().parents[2]
QUEUE_SECONDS = 0.3
CAPTCHA_EVERY = 3


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Visitor:
    """One browser-like client: its own cookies (so its own session), redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, str]:
        data = urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def image(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=10) as response:
            return bytes(response.read())

    def past_queue(self) -> Visitor:
        status, _, body = self.request("/login")
        assert status == 200 and "You are in the queue" in body
        time.sleep(QUEUE_SECONDS + 0.1)
        return self

    def signed_in(self) -> Visitor:
        self.past_queue()
        status, headers, _ = self.request(
            "/login", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )
        assert (status, headers["Location"]) == (302, "/")
        self.solve(self.request("/")[2])
        return self

    def solve(self, captcha_page: str, answer: str | None = None) -> tuple[int, dict, str]:
        challenge = _challenge(captcha_page)
        form = {"challenge": challenge, "answer": answer or captcha_answer(challenge), "next": "/"}
        return self.request("/captcha", form)


def _challenge(page: str) -> str:
    match = re.search(r'src="/captcha/([0-9a-f]{12})\.png"', page)
    assert match, page[:500]
    return match.group(1)


def _data(page: str) -> dict:
    found = Selector(page).css("script#data::text").get()
    assert found is not None
    return json.loads(found)


@pytest.fixture(scope="module")
def sites() -> Iterator[DemoSites]:
    options = OnionOptions(queue_seconds=QUEUE_SECONDS, captcha_every=CAPTCHA_EVERY)
    with DemoSites(ports={"onion": 0}, sites=("onion",), onion=options) as demo:
        yield demo


def test_the_onion_host_is_a_well_formed_v3_address() -> None:
    label = ONION_HOST.removesuffix(".onion")
    assert len(label) == 56 and re.fullmatch(r"[a-z2-7]{56}", label)
    raw = base64.b32decode(label.upper())
    key, checksum, version = raw[:32], raw[32:34], raw[34:]
    assert version == b"\x03"
    assert hashlib.sha3_256(b".onion checksum" + key + version).digest()[:2] == checksum


def test_the_market_sells_a_subset_of_the_demo_market_catalog() -> None:
    offers = onion_offers(1)
    assert 50 <= len(offers) <= 100
    assert all(expected_listing("market", offer.offer_id, 1) == offer for offer in offers)
    assert any(offer.truth_firearm_related for offer in offers)
    assert any(not offer.truth_firearm_related for offer in offers)  # and confounders
    assert expected_onion_listing(offers[0].offer_id) == offers[0]
    assert expected_onion_listing("1") is None


def test_a_new_session_waits_in_the_queue_then_passes(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"])
    status, headers, body = visitor.request("/")
    assert status == 200 and "You are in the queue" in body and 'class="queue"' in body
    assert '<meta http-equiv="refresh"' in body and "vsid=" in headers["Set-Cookie"]
    time.sleep(QUEUE_SECONDS + 0.1)
    assert visitor.request("/")[0] == 302  # past the queue: now it wants a login


@pytest.mark.parametrize("path", ["/", "/?page=2", "/listing/210012", "/img/210012-1.png"])
def test_every_page_but_login_redirects_to_login_without_a_session(
    sites: DemoSites, path: str
) -> None:
    visitor = Visitor(sites.base_urls["onion"]).past_queue()
    status, headers, _ = visitor.request(path)
    assert (status, headers["Location"]) == (302, "/login")
    status, _, body = visitor.request("/login")
    assert status == 200 and '<form id="login"' in body and 'name="password"' in body


def test_wrong_credentials_show_the_form_again(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"]).past_queue()
    status, _, body = visitor.request("/login", {"username": DEMO_USERNAME, "password": "nope"})
    assert status == 200 and "Invalid username or password" in body
    assert visitor.request("/")[0] == 302


def test_login_is_followed_by_a_captcha_with_a_known_answer(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"]).past_queue()
    visitor.request("/login", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    status, _, page = visitor.request("/listing/210012")
    assert status == 200 and '<form id="captcha"' in page and 'name="answer"' in page
    challenge = _challenge(page)
    png = visitor.image(f"/captcha/{challenge}.png")
    assert png == captcha_png(challenge)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (200, 70)
    answer = captcha_answer(challenge)
    assert re.fullmatch(r"[A-Z0-9]{5}", answer) and captcha_answer(challenge) == answer
    status, headers, _ = visitor.solve(page, answer.lower())  # case does not matter
    assert (status, headers["Location"]) == (302, "/")
    status, _, body = visitor.request("/")
    assert status == 200 and 'class="logout"' in body and 'id="data"' in body


def test_a_wrong_captcha_answer_gets_a_new_challenge(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"]).past_queue()
    visitor.request("/login", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    first = visitor.request("/")[2]
    visitor.solve(first, "WRONG")
    second = visitor.request("/")[2]
    assert '<form id="captcha"' in second and _challenge(second) != _challenge(first)


def test_a_captcha_comes_back_after_n_pages(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"]).signed_in()
    for _ in range(CAPTCHA_EVERY):
        assert 'id="data"' in visitor.request("/listing/210012")[2]
    page = visitor.request("/listing/210024")[2]
    assert '<form id="captcha"' in page and 'value="/listing/210024"' in page


def test_listing_pages_carry_their_data_as_json_for_a_script(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"]).signed_in()
    index = _data(visitor.request("/")[2])
    assert index["kind"] == "index" and index["next"] == "/?page=2"
    assert len(index["listings"]) == 25 and index["pages"] == -(-len(onion_offers(1)) // 25)
    offer = onion_offers(1)[1]
    page = visitor.request(f"/listing/{offer.offer_id}")[2]
    listing = _data(page)["listing"]
    assert listing["title"] == offer.title and listing["price"] == offer.price_text
    assert [c["label"] for c in listing["category"]] == list(offer.category_path)
    assert "document.createElement" in page and "<noscript>" in page
    assert f'<html lang="{offer.language}">' in page
    assert 'class="listing-title"' not in page  # the DOM is built by the script, not served


def test_the_static_source_reads_the_json_with_regular_expressions(sites: DemoSites) -> None:
    source = load_source(REPO / "sources" / "demo-onion-static.yaml")
    visitor = Visitor(sites.base_urls["onion"]).signed_in()
    index = Selector(visitor.request("/")[2])
    links = source.index.listing_links.values(index, every=True)
    assert links == [f"/listing/{o.offer_id}" for o in onion_offers(1)[:25]]
    assert source.index.pagination and source.index.pagination.next
    assert source.index.pagination.next.first(index) == "/?page=2"
    for offer in onion_offers(1)[1:3]:  # two pages keep clear of the next CAPTCHA
        url = f"http://{ONION_HOST}/listing/{offer.offer_id}"
        page = Selector(visitor.request(f"/listing/{offer.offer_id}")[2])
        listing = listing_from_page(source, url, page, datetime.now(UTC))
        assert (listing.title, listing.description) == (offer.title, offer.description)
        assert listing.category_path == list(offer.category_path)
        assert listing.price and listing.price.amount == pytest.approx(offer.price_amount)
        assert listing.vendor and listing.vendor.handle == offer.vendor
        assert listing.ships_to == list(offer.ships_to_codes)
        assert listing.ships_from == to_country_codes(offer.ships_from)
        assert listing.quantity == offer.quantity and len(listing.images) == len(offer.images)


def test_expire_sessions_signs_everyone_out(sites: DemoSites) -> None:
    visitor = Visitor(sites.base_urls["onion"]).signed_in()
    assert visitor.request("/")[0] == 200
    assert sites.expire_sessions() >= 1
    status, headers, _ = visitor.request("/")
    assert (status, headers["Location"]) == (302, "/login")
    assert visitor.request("/login")[0] == 200  # the same session, no queue: just the form


def test_sessions_time_out_after_session_pages() -> None:
    options = OnionOptions(queue_seconds=QUEUE_SECONDS, captcha_every=0, session_pages=2)
    with DemoSites(ports={"onion": 0}, sites=("onion",), onion=options) as demo:
        visitor = Visitor(demo.base_urls["onion"]).signed_in()
        assert visitor.request("/")[0] == visitor.request("/")[0] == 200
        assert visitor.request("/")[0] == 302
        assert demo.onion.count("sessions_timed_out") == 1


def test_captcha_answers_are_deterministic_and_images_differ() -> None:
    first, second = challenge_id("a"), challenge_id("b")
    assert captcha_answer(first) == captcha_answer(first)
    assert captcha_png(first) != captcha_png(second)
    assert len({captcha_answer(challenge_id(str(n))) for n in range(50)}) > 45


def test_the_onion_market_is_served_next_to_the_others_when_asked_for() -> None:
    demo = DemoSites(ports={"market": 0, "forum": 0, "classifieds": 0, "onion": 0})
    with demo:
        assert set(demo.base_urls) == {"market", "forum", "classifieds", "onion"}
    assert DEFAULT_PORTS["onion"] == 8304
    assert DemoSites(ports={"market": 0}).sites == ("market", "forum", "classifieds")
    assert DemoSites(sites=SERVED_SITES).sites == SERVED_SITES
    assert "onion" in DemoSites(onion=OnionOptions()).sites
    with pytest.raises(ValueError, match="no demo site called"):
        DemoSites(sites=("darknet",))


def test_the_browser_source_reads_the_page_the_script_builds(sites: DemoSites) -> None:
    """demo-onion.yaml's selectors, on the DOM Chromium renders (no proxy: loopback only)."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    source = load_source(REPO / "sources" / "demo-onion.yaml")
    base = sites.base_urls["onion"]
    visitor = Visitor(base).signed_in()
    cookies = [{"name": c.name, "value": c.value or "", "url": base + "/"} for c in visitor.cookies]
    offer = onion_offers(1)[2]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-proxy-server"]
        )
        context = browser.new_context()
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(base + "/")
        index = Selector(page.content())
        page.goto(f"{base}/listing/{offer.offer_id}")
        page.wait_for_selector("h1.listing-title")
        detail = Selector(page.content())
        browser.close()
    assert source.index.listing_links.values(index, every=True)[:2] == [
        f"/listing/{o.offer_id}" for o in onion_offers(1)[:2]
    ]
    url = f"http://{ONION_HOST}/listing/{offer.offer_id}"
    listing = listing_from_page(source, url, detail, datetime.now(UTC))
    assert (listing.title, listing.description) == (offer.title, offer.description)
    assert listing.category_path == list(offer.category_path)
    assert listing.price and listing.price.amount == pytest.approx(offer.price_amount)
    assert listing.price.currency == offer.currency
    assert listing.vendor and listing.vendor.handle == offer.vendor
    assert listing.shipping_methods == [m.lower() for m in offer.shipping_methods]
    assert listing.quantity == offer.quantity and len(listing.images) == len(offer.images)
