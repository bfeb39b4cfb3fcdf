"""Serve the demo sites on loopback, one `ThreadingHTTPServer` each.

    with DemoSites(ports={"market": 0, "forum": 0, "classifieds": 0, "onion": 0}) as demo:
        demo.base_urls["market"]  # e.g. 'http://127.0.0.1:40213'
        demo.set_day(2)           # the sites now show day 2
        demo.onion.expire_sessions()

Pages of the market, forum and classifieds are rendered once per (site, day, URL) and then
served from memory. The onion market (`armswatch.demo.sites.onion`) has sessions, so it is
answered live, and takes POSTs (its login and CAPTCHA forms).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from armswatch.demo.catalog import expected_listing, sized_offers
from armswatch.demo.model import SERVED_SITES, SITES, DemoOffer
from armswatch.demo.sites import Response, SiteApp, build_site
from armswatch.demo.sites.onion import OnionOptions, OnionRequest, OnionSite

__all__ = ["DEFAULT_PORTS", "DemoSites", "OnionOptions", "expected_listing"]

DEFAULT_PORTS = {"market": 8301, "forum": 8302, "classifieds": 8303, "onion": 8304}
_CACHE_LIMIT = 50_000
_MAX_FORM_BYTES = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Scrapy reuses connections
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server_version = "DemoSite/1.0"
    sites: DemoSites
    site: str

    def do_GET(self) -> None:
        self._send(self.sites.respond(self.site, self.path), send_body=True)

    def do_HEAD(self) -> None:
        self._send(self.sites.respond(self.site, self.path), send_body=False)

    def _send(
        self, response: Response, *, send_body: bool, headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: tests and the demo crawl make thousands of requests."""


class _OnionHandler(_Handler):
    """The onion market: live answers with cookies, redirects and form posts."""

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        request = OnionRequest(
            method="GET" if method == "HEAD" else method,
            target=self.path,
            cookies=self._cookies(),
            form=self._form() if method == "POST" else {},
        )
        response = self.sites.onion.handle(request)
        headers = (("Cache-Control", "no-store"), *response.headers)
        self._send(response, send_body=method != "HEAD", headers=headers)

    def _cookies(self) -> dict[str, str]:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in cookie.items()}

    def _form(self) -> dict[str, str]:
        length = min(int(self.headers.get("Content-Length") or 0), _MAX_FORM_BYTES)
        raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        return {name: values[-1] for name, values in parse_qs(raw).items()}


def _default_sites(ports: dict[str, int] | None, onion: OnionOptions | None) -> tuple[str, ...]:
    wanted = onion is not None or "onion" in (ports or {})
    return (*SITES, "onion") if wanted else SITES


def _check_sites(names: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(names)
    unknown = sorted(set(chosen) - set(SERVED_SITES))
    if unknown:
        raise ValueError(f"no demo site called {', '.join(unknown)}; there are {SERVED_SITES}")
    return chosen


def _check_sized_day(sizes: Mapping[str, int], day: int) -> None:
    if sizes and day != 1:
        raise ValueError(f"a demo with sized sites has day 1 only, not day {day}")


class DemoSites:
    """The demo market, forum, classifieds and onion market, served live on `host`.

    `ports` maps site names to ports (0 picks a free port); missing sites use DEFAULT_PORTS.
    `sites` chooses which sites to serve; by default the market, forum and classifieds, plus
    the onion market when `ports` names it (`ports={"onion": 0}`) or `onion` options are given.
    `onion` sets the onion market's CAPTCHA, queue and session behaviour.
    `sizes` serves a larger (or smaller) day one on the sites it names, e.g. {"market": 20000}
    for benchmarks (`catalog.sized_offers`); such a demo has day 1 only.
    """

    def __init__(
        self,
        day: int = 1,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
        *,
        sites: Iterable[str] | None = None,
        onion: OnionOptions | None = None,
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        if day < 1:
            raise ValueError(f"days start at 1, not {day}")
        self._sizes = dict(sizes or {})
        _check_sized_day(self._sizes, day)
        self.host = host
        self.ports = {**DEFAULT_PORTS, **(ports or {})}
        self.sites = _check_sites(sites if sites is not None else _default_sites(ports, onion))
        self.onion = OnionSite(onion, day=lambda: self._day)
        self._day = day
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._apps: dict[tuple[str, int], SiteApp] = {}
        self._cache: dict[tuple[str, int, str], Response] = {}
        self._lock = threading.Lock()

    @property
    def day(self) -> int:
        return self._day

    def set_day(self, day: int) -> None:
        """Switch every site to the catalog of `day` (takes effect on the next request)."""
        if day < 1:
            raise ValueError(f"days start at 1, not {day}")
        _check_sized_day(self._sizes, day)
        for site in SITES:  # build the new day before switching to it
            self.app(site, day)
        self._day = day

    @property
    def base_urls(self) -> dict[str, str]:
        """The root URL of each running site, e.g. {'market': 'http://127.0.0.1:8301'}."""
        return {
            site: f"http://{self.host}:{server.server_address[1]}"
            for site, server in self._servers.items()
        }

    def url(self, site: str, path: str = "/") -> str:
        return self.base_urls[site] + path

    def start(self) -> DemoSites:
        if self._servers:
            return self
        for site in self.sites:
            base = _OnionHandler if site == "onion" else _Handler
            handler = type(f"{site.title()}Handler", (base,), {"sites": self, "site": site})
            server = ThreadingHTTPServer((self.host, self.ports[site]), handler)
            server.daemon_threads = True
            self._servers[site] = server
            thread = threading.Thread(target=server.serve_forever, name=f"demo-{site}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> DemoSites:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def app(self, site: str, day: int) -> SiteApp:
        """The site as rendered on `day` (built on first use)."""
        key = (site, day)
        app = self._apps.get(key)
        if app is None:
            with self._lock:
                app = self._apps.get(key) or build_site(site, day, self._sized(site))
                self._apps[key] = app
        return app

    def _sized(self, site: str) -> list[DemoOffer] | None:
        """The offers of a site served at a chosen size, or None for the day's catalog."""
        count = self._sizes.get(site)
        return None if count is None else sized_offers(site, count)

    def respond(self, site: str, target: str) -> Response:
        """The response to a GET of `target` (path and query) on `site`, today."""
        day = self._day
        key = (site, day, target)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        parts = urlsplit(target)
        response = self.app(site, day).handle(parts.path or "/", parse_qs(parts.query))
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[key] = response
        return response

    def expire_sessions(self) -> int:
        """Sign out every session of the onion market; returns how many were signed in."""
        return self.onion.expire_sessions()

    def expected(self, site: str, offer_id: str) -> DemoOffer | None:
        """The offer the site shows today under `offer_id`, or None (404)."""
        if site in self._sizes:
            return self.app(site, self._day).offers.get(offer_id)
        return expected_listing(site, offer_id, self._day)
