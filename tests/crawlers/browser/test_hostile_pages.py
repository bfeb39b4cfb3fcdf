"""Browser crawls of hostile pages with real Chromium: every page yields its listing, within
its caps and in bounded time, and what was cut or closed is counted as an anomaly.

One loopback server serves four sites, each crawled as its own `render: browser` source (side
by side, in one subprocess):

- `/never/`: every page holds an image whose server never answers, so `load` never fires;
- `/grow/`: a script appends rows for ever (the HTML and the page's height grow without end);
- `/popup/`: clicking its button opens windows, and a timer keeps opening more;
- `/hang/`: a listing whose script hangs the renderer once its HTML is parsed;
- `/big/`: a gzip bomb (64 MiB of HTML in 64 KiB), a 3 MiB page and an ordinary listing, crawled
  with a 1 MiB download cap.
"""

from __future__ import annotations

import gzip
import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from crawlers.browser.popups import PAGES_OPEN, PAGES_OPEN_MAX
from crawlers.browser.settings import MAX_PAGES, VIEWPORT
from tests.crawlers.browser.conftest import BrowserCrawl, _fixture_source, _run

pytestmark = pytest.mark.slow

ANOMALIES = "armswatch/anomalies/"
TIMEOUT = 8  # seconds: a hostile page's whole budget is 2 x 8
MAX_HTML = 60_000
MAX_HEIGHT = 2_000
POPUP_CLICKS = 3
CRAWL_SECONDS = 90  # the four crawls side by side, Chromium start-up included

STALL = "<img src='/stall.png' alt='never comes'>"
GROW = """<div id='rows'></div><script>
setInterval(() => {
  for (let i = 0; i < 50; i++) {
    const row = document.createElement('div');
    row.textContent = 'row that never ends ' + i;
    row.style.height = '20px';
    document.getElementById('rows').appendChild(row);
  }
}, 20);
</script>"""
POPUP = """<button id='open' onclick="for (let i = 0; i < 5; i++) window.open('/popup/win/' + i);
  setInterval(() => window.open('/popup/timer'), 100);">offers</button>"""
HANG = (  # once the HTML is parsed, the renderer's main thread spins for good
    "<script>addEventListener('DOMContentLoaded', () => setTimeout(() => { for (;;) {} }))</script>"
)


def _page(title: str, extra: str) -> bytes:
    body = f"<h1 class='title'>{title}</h1><p>9mm, 50 rounds, ships EU</p>{extra}"
    head = f"<head><title>{title}</title></head>"
    return f"<!doctype html><html>{head}<body>{body}</body></html>".encode()


def _index(site: str, extra: str) -> bytes:
    return _page(site, f"<a class='item' href='/{site}/item/1'>listing</a>{extra}")


SITES: dict[str, tuple[str, str]] = {  # site: (listing title, what makes it hostile)
    "never": ("Beretta 92 never loads", STALL),
    "grow": ("Glock 17 grows for ever", GROW),
    "popup": ("CZ 75 opens windows", POPUP),
    "hang": ("Makarov hangs the renderer", HANG),
}
PAGES = {f"/{site}/": _index(site, extra) for site, (_, extra) in SITES.items() if site != "hang"}
PAGES["/hang/"] = _index("hang", "")  # only the listing hangs
PAGES |= {f"/{site}/item/1": _page(title, extra) for site, (title, extra) in SITES.items()}
MAX_PAGE_BYTES = 1024 * 1024
BIG_TITLE = "Taurus G2C small enough"
PAGES["/big/"] = _page(
    "big", "".join(f"<a class='item' href='/big/item/{n}'>l</a>" for n in (1, 2, 3))
)
PAGES["/big/item/1"] = gzip.compress(_page("SKS bomb", "<p>" + "a" * (64 << 20) + "</p>"), 9)
PAGES["/big/item/2"] = _page("Mosin too large", "<p>" + "b" * (3 << 20) + "</p>")
PAGES["/big/item/3"] = _page(BIG_TITLE, "")


class HostileServer:
    """Serves `PAGES`; `/stall.png` waits until the server stops (an Event: shutdown is quick)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.stalled = 0
        handler = type("Handler", (_Handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    owner: HostileServer

    def do_GET(self) -> None:
        if self.path == "/stall.png":
            self.owner.stalled += 1
            self.owner.release.wait(timeout=300)
            return
        body = PAGES.get(self.path, b"<p>a window</p>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path == "/big/item/1":
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _source(site: str, base: str, **browser: Any) -> dict[str, Any]:
    source = _fixture_source(site, f"{base}/{site}/", **browser)
    source["browser"]["timeout"] = TIMEOUT
    return source


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BrowserCrawl, float]]:
    out = tmp_path_factory.mktemp("hostile-crawl")
    with HostileServer() as server:
        sources = [
            _source("never", server.base),
            _source(
                "grow",
                server.base,
                actions=[{"scroll": True}],
                max_rendered_bytes=MAX_HTML,
                max_screenshot_height=MAX_HEIGHT,
            ),
            _source("popup", server.base, actions=[{"click": "#open", "times": POPUP_CLICKS}]),
            _source("hang", server.base),
            {**_source("big", server.base), "limits": {"max_page_bytes": MAX_PAGE_BYTES}},
        ]
        started = time.monotonic()
        _run(out, sources)
        elapsed = time.monotonic() - started
        assert server.stalled >= 2, "the never-load pages asked for their stalled image"
        yield BrowserCrawl(out, demo_url=""), elapsed


def _anomalies(crawl: BrowserCrawl, source: str) -> dict[str, int]:
    stats = crawl.stats(source)
    return {
        key[len(ANOMALIES) :]: value for key, value in stats.items() if key.startswith(ANOMALIES)
    }


def _screenshot(crawl: BrowserCrawl, source: str) -> Image.Image:
    (listing,) = crawl.listings(source)
    assert listing.evidence is not None and listing.evidence.screenshot
    image = Image.open(io.BytesIO(Path(listing.evidence.screenshot).read_bytes()))
    image.load()
    return image


def test_the_crawls_end_in_bounded_time(hostile: tuple[BrowserCrawl, float]) -> None:
    crawl, elapsed = hostile
    assert elapsed < CRAWL_SECONDS
    for site in SITES:
        assert crawl.stats(site)["finish_reason"] == "finished", site


def test_a_page_that_never_loads_is_captured_as_it_stands(
    hostile: tuple[BrowserCrawl, float],
) -> None:
    crawl, _ = hostile
    assert [listing.title for listing in crawl.listings("never")] == [SITES["never"][0]]
    assert _anomalies(crawl, "never") == {"browser_load_timeout": 2}  # index and listing
    urls = {
        event["url"]
        for event in crawl.events("crawl_anomaly")
        if event["kind"] == "browser_load_timeout"
    }
    assert any(url.endswith("/never/item/1") for url in urls)
    assert _screenshot(crawl, "never").width == VIEWPORT["width"]


def test_a_growing_page_is_cut_to_the_caps(hostile: tuple[BrowserCrawl, float]) -> None:
    crawl, _ = hostile
    assert [listing.title for listing in crawl.listings("grow")] == [SITES["grow"][0]]
    anomalies = _anomalies(crawl, "grow")
    assert anomalies["browser_dom_capped"] == 2  # index and listing
    assert anomalies["browser_screenshot_capped"] == 1  # the listing: index pages take none
    stats = crawl.stats("grow")
    headers = 1_000  # the response headers Scrapy counts with each body
    assert stats["downloader/response_bytes"] <= 2 * (MAX_HTML + headers)
    image = _screenshot(crawl, "grow")
    assert (image.width, image.height) == (VIEWPORT["width"], MAX_HEIGHT)


def test_windows_a_page_opens_are_closed_and_counted(hostile: tuple[BrowserCrawl, float]) -> None:
    crawl, _ = hostile
    assert [listing.title for listing in crawl.listings("popup")] == [SITES["popup"][0]]
    closed = _anomalies(crawl, "popup")["browser_popup_closed"]
    assert closed >= POPUP_CLICKS  # each click is a user gesture: at least one window each
    logged = [
        event
        for event in crawl.events("crawl_anomaly")
        if event["kind"] == "browser_popup_closed" and event["url"].endswith("/popup/item/1")
    ]
    assert len(logged) == 1, "logged once per opener, however many it opened"


def test_a_hung_renderer_costs_one_page_within_its_budget(
    hostile: tuple[BrowserCrawl, float],
) -> None:
    crawl, _ = hostile
    assert crawl.listings("hang") == []
    anomalies = _anomalies(crawl, "hang")
    assert anomalies.pop("browser_page_timeout") == 1
    assert anomalies in ({}, {"browser_load_timeout": 1})  # it may hang before `load`
    assert crawl.stats("hang")["armswatch/browser/page_errors"] == 1


def test_a_bomb_and_a_page_over_the_size_cap_are_cut_off_in_the_browser(
    hostile: tuple[BrowserCrawl, float],
) -> None:
    crawl, _ = hostile
    assert [listing.title for listing in crawl.listings("big")] == [BIG_TITLE]
    assert _anomalies(crawl, "big") == {"decompression_bomb": 1, "download_too_large": 1}
    stats = crawl.stats("big")
    assert "armswatch/browser/page_errors" not in stats  # refused, not failed
    for event in crawl.events("crawl_anomaly"):
        if event["kind"] == "decompression_bomb":
            assert event["url"].endswith("/big/item/1") and "gzip" in event["detail"]
    assert PAGES_OPEN_MAX in stats and stats[PAGES_OPEN] == 0


def test_no_page_is_left_open(hostile: tuple[BrowserCrawl, float]) -> None:
    crawl, _ = hostile
    for site in SITES:  # "big" is checked on its own: it has four pages
        stats = crawl.stats(site)
        assert stats[PAGES_OPEN] == 0, site
        assert 1 <= stats[PAGES_OPEN_MAX] <= MAX_PAGES, site
        assert stats["downloader/request_count"] == 2, site  # the index and the listing
