"""Serve the three demo sites on loopback, one `ThreadingHTTPServer` each.

    with DemoSites(ports={"market": 0, "forum": 0, "classifieds": 0}) as demo:
        demo.base_urls["market"]  # e.g. 'http://127.0.0.1:40213'
        demo.set_day(2)           # the sites now show day 2

Pages are rendered once per (site, day, URL) and then served from memory.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from armswatch.demo.catalog import expected_listing
from armswatch.demo.model import SITES, DemoOffer
from armswatch.demo.sites import Response, SiteApp, build_site

__all__ = ["DEFAULT_PORTS", "DemoSites", "expected_listing"]

DEFAULT_PORTS = {"market": 8301, "forum": 8302, "classifieds": 8303}
_CACHE_LIMIT = 50_000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Scrapy reuses connections
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server_version = "DemoSite/1.0"
    sites: DemoSites
    site: str

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        response = self.sites.respond(self.site, self.path)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: tests and the demo crawl make thousands of requests."""


class DemoSites:
    """The demo market, forum and classifieds, served live on `host`.

    `ports` maps site names to ports (0 picks a free port); missing sites use DEFAULT_PORTS.
    """

    def __init__(
        self, day: int = 1, host: str = "127.0.0.1", ports: dict[str, int] | None = None
    ) -> None:
        if day < 1:
            raise ValueError(f"days start at 1, not {day}")
        self.host = host
        self.ports = {**DEFAULT_PORTS, **(ports or {})}
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
        for site in SITES:
            handler = type(f"{site.title()}Handler", (_Handler,), {"sites": self, "site": site})
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
                app = self._apps.get(key) or build_site(site, day)
                self._apps[key] = app
        return app

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

    def expected(self, site: str, offer_id: str) -> DemoOffer | None:
        """The offer the site shows today under `offer_id`, or None (404)."""
        return expected_listing(site, offer_id, self._day)
