"""Hostile Bazaar (armswatch.demo.hostile) serves what it promises, over real sockets.

Each hostile page is checked from the client's side with the standard library: the bombs are
small and inflate past any cap, the big pages are as big as announced, the traps never run out
of new links, the slow pages are slow, the reset is a reset, and the site still stops at once.
"""

from __future__ import annotations

import http.client
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest
from parsel import Selector

from armswatch.demo.hostile import (
    HOSTILE_PAGES,
    NORMAL_LISTINGS,
    HostileSite,
    hostile_source_yaml,
)
from armswatch.demo.hostile.bombs import INFLATED_BYTES, bomb
from crawlers.source_loader import load_source
from tests.armswatch.demo.hostile_client import get, page
from tests.conftest import REPO

CAP = 64 * 1024 * 1024


# --- the ordinary site ------------------------------------------------------------------------


def test_the_thirty_normal_listings_are_fixed() -> None:
    assert [item.id for item in NORMAL_LISTINGS] == [f"hb-{n:03d}" for n in range(1, 31)]
    assert len({item.title for item in NORMAL_LISTINGS}) == 30
    first = NORMAL_LISTINGS[0]
    assert (first.title, first.price_text, first.path) == (
        "Glock 19 slide, stripped",
        "$1,250",
        "/listing/hb-001",
    )


def test_category_pages_mix_the_hostile_listings_in_with_the_normal_ones(
    site: HostileSite,
) -> None:
    home = page(site, "/")
    categories = home.css("ul.categories a.category::attr(href)").getall()
    assert categories == ["/category/1", "/category/2", "/category/3"]
    normal = {item.path for item in NORMAL_LISTINGS}
    hostile = {item.path for item in HOSTILE_PAGES if item.linked_as == "listing"}
    index = [item.path for item in HOSTILE_PAGES if item.linked_as == "index"]
    seen: set[str] = set()
    for path in categories:
        category = page(site, path)
        links = category.css("ul.listings a.listing-link::attr(href)").getall()
        assert len([link for link in links if link in normal]) == 10, path
        first_hostile = min(links.index(link) for link in links if link in hostile)
        last_normal = max(links.index(link) for link in links if link in normal)
        assert first_hostile < last_normal, f"{path}: hostile links are not mixed in"
        assert category.css("nav.more a.more::attr(href)").getall() == index
        seen.update(links)
    assert seen == normal | hostile


def test_every_listing_page_reads_with_the_source_selectors(
    site: HostileSite, tmp_path: Path
) -> None:
    path = tmp_path / "demo-hostile.yaml"
    path.write_text(hostile_source_yaml(site.base_url), encoding="utf-8")
    detail = load_source(path).detail
    for listing in NORMAL_LISTINGS:
        shown = page(site, listing.path)
        assert detail.title.first(shown) == listing.title
        assert detail.price is not None and detail.price.first(shown) == listing.price_text
        assert detail.listing_id is not None and detail.listing_id.first(shown) == listing.id
        assert detail.vendor is not None and detail.vendor.first(shown) == listing.vendor
        assert detail.ships_from is not None
        assert detail.ships_from.first(shown) == listing.ships_from
        assert detail.description is not None
        assert detail.description.first(shown) == listing.description


def test_every_hostile_page_is_served_and_none_is_linked_twice(site: HostileSite) -> None:
    from armswatch.demo.hostile.exchange import find_route
    from armswatch.demo.hostile.network import NetworkPages
    from armswatch.demo.hostile.server import site_routes

    routes = site_routes(NetworkPages())
    for hostile in HOSTILE_PAGES:
        assert find_route(routes, urlsplit(hostile.path).path) is not None, hostile.name
    assert len({item.path for item in HOSTILE_PAGES}) == len({item.name for item in HOSTILE_PAGES})
    assert find_route(routes, "/nowhere") is None
    assert get(site, "/listing/hb-999")[0] == 404


def test_connections_are_kept_alive(site: HostileSite) -> None:
    connection = http.client.HTTPConnection(site.host, site.port, timeout=10)
    try:
        for path in ("/listing/hb-001", "/listing/hb-002"):
            connection.request("GET", path)
            response = connection.getresponse()
            assert (response.status, response.version) == (200, 11)
            response.read()
        assert connection.sock is not None  # the same socket answered both
    finally:
        connection.close()


# --- bombs, big, deep, charsets, broken HTML ---------------------------------------------------


def inflate(encoding: str, body: bytes, cap: int) -> tuple[int, bool]:
    """Inflate in bounded steps until `cap` bytes came out; (bytes out, stream finished)."""
    step, total = 16 * 1024 * 1024, 0
    if encoding == "br":
        decompressor = brotli.Decompressor()
        data = body
        while total < cap and not decompressor.is_finished():
            total += len(decompressor.process(data, output_buffer_limit=step))
            data = b""
        return total, decompressor.is_finished()
    inflater = zlib.decompressobj(31 if encoding == "gzip" else 15)
    data = body
    while total < cap and not inflater.eof:
        total += len(inflater.decompress(data, step))
        data = inflater.unconsumed_tail
    return total, inflater.eof


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_bomb_is_small_and_inflates_past_any_cap(site: HostileSite, encoding: str) -> None:
    status, headers, body = get(site, f"/bomb/{encoding}", timeout=60)
    assert status == 200
    assert headers["Content-Encoding"] == encoding
    assert int(headers["Content-Length"]) == len(body) <= 1_100_000
    produced, finished = inflate(encoding, body, CAP)
    assert produced >= CAP and not finished


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_bomb_is_a_whole_valid_stream_of_a_gibibyte(encoding: str) -> None:
    produced, finished = inflate(encoding, bomb(encoding), 2 * INFLATED_BYTES)
    assert finished  # zlib checks the CRC-32 / Adler-32 trailers
    assert produced == INFLATED_BYTES >= 1 << 30


@pytest.mark.parametrize("path", ["/big/page", "/big/textnode"])
def test_the_big_pages_are_fifty_mebibytes(site: HostileSite, path: str) -> None:
    status, headers, body = get(site, path, timeout=60)
    assert status == 200
    assert int(headers["Content-Length"]) == len(body) == 50 * 1024 * 1024
    assert body.index(b'<h1 class="title">') < 2000
    if path == "/big/page":
        assert body.count(b"<tr") > 300_000
    else:
        text_starts = body.index(b'<div class="description">') + len('<div class="description">')
        assert body.index(b"<", text_starts) > len(body) - 1000  # one text node to the end


def test_deep_has_two_hundred_thousand_nested_divs(site: HostileSite) -> None:
    _, _, body = get(site, "/deep")
    assert body.count(b"<div") == body.count(b"</div>") == 200_000
    assert body.index(b'<h1 class="title">') < body.index(b"<div")
    assert body.rindex(b"<div") < body.index(b"</div>")  # every div opens inside the last
    assert b'<div class="description">Makarov' in body


def test_cp1251_pages_are_mislabelled_or_unlabelled(site: HostileSite) -> None:
    _, labelled_headers, labelled = get(site, "/charset/mislabelled")
    _, bare_headers, bare = get(site, "/charset/none")
    assert labelled_headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in labelled
    assert bare_headers["Content-Type"] == "text/html"
    assert b"charset" not in bare.lower()
    for body, title in ((labelled, "Пистолет ТТ-33"), (bare, "Автомат АК-74")):
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert f'<h1 class="title">{title}' in body.decode("cp1251")


def test_malformed_page_is_broken_but_has_a_readable_title(site: HostileSite) -> None:
    _, _, body = get(site, "/malformed")
    assert b"\x00" in body
    assert body.index(b"</div>") < body.index(b"<div")  # a stray close before any open
    assert body.count(b"<title>") == 1 and b"<title>" in body.split(b"<body>")[1]
    shown = Selector(text=body.decode("utf-8"))
    assert shown.css("h1.title::text").get() == "Beretta 92 parts kit"
    assert shown.css("span.price::text").get() == "$430"


def test_browser_pages_are_ordinary_listings_until_scripts_run(site: HostileSite) -> None:
    hostile_parts = {
        "/browser/never-load": '<img class="photo" src="/slow/stall?img"',
        "/browser/dom-growth": "setInterval(",
        "/browser/popups": "window.open('/browser/popups?n=' + k)",
    }
    browser_only = {item.path for item in HOSTILE_PAGES if item.browser_only}
    assert browser_only == set(hostile_parts)
    for path, hostile_part in hostile_parts.items():
        shown = page(site, path)
        assert shown.css("h1.title::text").get()
        assert shown.css("span.price::text").get()
        assert hostile_part in shown.get()


# --- the source definitions ---------------------------------------------------------------------


@pytest.mark.parametrize("browser", [False, True])
def test_the_source_yaml_loads_and_the_repo_files_match_it(browser: bool, tmp_path: Path) -> None:
    name = "demo-hostile-browser" if browser else "demo-hostile"
    text = hostile_source_yaml("http://127.0.0.1:8305", browser=browser)
    assert (REPO / "sources" / f"{name}.yaml").read_text(encoding="utf-8") == text
    path = tmp_path / f"{name}.yaml"
    path.write_text(hostile_source_yaml("http://127.0.0.1:41234/", browser=browser))
    source = load_source(path)
    assert source.name == name
    assert source.render == ("browser" if browser else "static")
    assert [str(url) for url in source.start_urls] == ["http://127.0.0.1:41234/"]
    assert source.domains == ["127.0.0.1"]
    limits = source.rate_limit
    assert (limits.concurrency, limits.download_delay, limits.autothrottle) == (8, 0, False)
    assert (limits.retries, limits.timeout, source.photos.download) == (3, 10, False)


def test_the_source_walks_into_every_hostile_page(site: HostileSite, tmp_path: Path) -> None:
    path = tmp_path / "demo-hostile.yaml"
    path.write_text(hostile_source_yaml(site.base_url), encoding="utf-8")
    index = load_source(path).index
    assert index.pagination is not None and index.pagination.next is not None
    followed = {
        value
        for target in ("/", "/category/1")
        for selector in index.follow
        for value in selector.values(page(site, target))
    }
    assert followed == {"/category/1", "/category/2", "/category/3"} | {
        item.path for item in HOSTILE_PAGES if item.linked_as == "index"
    }
    listing_links = index.listing_links.values(page(site, "/category/2"))
    assert "/bomb/deflate" in listing_links and "/listing/hb-011" in listing_links
    assert index.pagination.next.first(page(site, "/trap/pages?page=7")) == "/trap/pages?page=8"
