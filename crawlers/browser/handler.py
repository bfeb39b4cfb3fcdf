"""scrapy-playwright's download handler, with the host guard on whole browser contexts.

scrapy-playwright routes the requests of the pages it opens (`page.route`) and asks
`PLAYWRIGHT_ABORT_REQUEST` about each. A context can also make requests no page route sees:
pop-ups and other pages a script opens, and WebSockets (never routed by `page.route`). This
handler adds a context route and a WebSocket route with the same guard, and counts the guard's
blocks in the crawl stats. Page routes take precedence, so no request is counted twice.

Each context is a persistent one in a throw-away profile whose preferences turn Chromium's
network prediction off (`crawlers.browser.profile`): without it, Chromium connects to the host
of every navigation (an iframe, a pop-up) before the route can abort it.

Pages are bounded in time and size, and pop-ups closed, by its base class
(`crawlers.browser.bounded.BoundedPageHandler`).

Scrapy builds one handler per URL scheme: http and https share one instance here, so a crawl
launches one Chromium, not two.

Scrapy's cookie jar stays the crawl's one session: Chromium does not apply a `Cookie` header
set on a routed navigation, so before a page opens, the cookies Scrapy's middleware put on the
request (a login made by Scrapy, a saved session) are added to the browser context; the
cookies a page sets come back to Scrapy in the response headers.

When evidence is captured (`ARMSWATCH_EVIDENCE_DIR`), the bytes the server sent for a page
are kept in `meta[SERVER_BODY]` for its WARC response record: the body Scrapy gets is the DOM
as rendered. It costs one more call to the browser per page, made right after the navigation.

Requests without `playwright` meta (a login POST, a CAPTCHA image) take scrapy-playwright's
fallback, Scrapy's own HTTP/1.1 handler, which speaks no SOCKS: on a crawl that must use a
proxy (`ARMSWATCH_REQUIRE_PROXY`, a tor or i2p source) they go through the proxied handler
instead, so nothing of a browser source leaves outside the proxy either.
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from playwright._impl._api_structures import SetCookieParam
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route, WebSocketRoute
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import Response as PlaywrightResponse
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import PERSISTENT_CONTEXT_PATH_KEY

from crawlers.browser.bounded import BoundedPageHandler
from crawlers.browser.guard import HostGuard
from crawlers.browser.local_storage import restore_script, save_local_storage
from crawlers.browser.profile import new_profile, remove_profile
from crawlers.browser.settings import STORAGE_FILE
from crawlers.evidence.meta import SERVER_BODY
from crawlers.evidence.middleware import EVIDENCE_DIR
from crawlers.network.proxied_handler import ProxiedDownloadHandler

logger = logging.getLogger(__name__)


class BrowserDownloadHandler(BoundedPageHandler):
    """Set for http and https by `browser_settings`; requests without `playwright` meta take
    Scrapy's own HTTP/1.1 path. Every page is bounded (`crawlers.browser.bounded`)."""

    _SHARED = "_armswatch_browser_handler"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserDownloadHandler:
        """One instance per crawl for every scheme it handles."""
        handler = getattr(crawler, cls._SHARED, None)
        if not isinstance(handler, cls):
            handler = cls(crawler)
            setattr(crawler, cls._SHARED, handler)
        return handler

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        guard = self.abort_request
        if not isinstance(guard, HostGuard):
            raise TypeError("PLAYWRIGHT_ABORT_REQUEST must be a HostGuard (browser_settings)")
        guard.stats = crawler.stats
        self.guard = guard
        self._closed = False
        self._profiles: list[Path] = []
        self._proxied: ProxiedDownloadHandler | None = None
        self._keep_server_body = bool(crawler.settings.get(EVIDENCE_DIR))
        stored = crawler.settings.get(STORAGE_FILE)
        self.storage_file = Path(stored) if stored else None
        if crawler.settings.getbool("ARMSWATCH_REQUIRE_PROXY"):
            self._proxied = ProxiedDownloadHandler(crawler)

    async def download_request(self, request: Request) -> Response:
        """Browser pages in Chromium; other requests through the proxy when one is required."""
        if self._proxied is not None and not request.meta.get("playwright"):
            return await self._proxied.download_request(request)
        return await super().download_request(request)

    async def close(self) -> None:
        """Close once, though Scrapy calls it for each scheme; remove the profiles."""
        if not self._closed:
            self._closed = True
            await self._save_local_storage()
            await super().close()
            if self._proxied is not None:
                await self._proxied.close()
            for profile in self._profiles:
                remove_profile(profile)

    async def _create_browser_context(
        self, name: str, context_kwargs: dict[str, Any] | None, spider: Any = None
    ) -> Any:
        """A persistent context in a new profile (`crawlers.browser.profile`), launched with
        `PLAYWRIGHT_LAUNCH_OPTIONS`, guarded by a context and a WebSocket route."""
        profile = new_profile()
        self._profiles.append(profile)
        kwargs = {
            **self.config.launch_options,
            **(context_kwargs or {}),
            PERSISTENT_CONTEXT_PATH_KEY: str(profile),
        }
        wrapper = await super()._create_browser_context(name, kwargs, spider)
        restore = restore_script(self.storage_file) if self.storage_file else None
        if restore is not None:
            await wrapper.context.add_init_script(restore)
        await wrapper.context.route("**", self._route_context_request)
        await wrapper.context.route_web_socket("**", self._route_websocket)
        return wrapper

    async def _save_local_storage(self) -> None:
        """Keep the persona's local storage for the next crawl (see `local_storage`)."""
        if self.storage_file is None:
            return
        for wrapper in self.context_wrappers.values():
            state = await wrapper.context.storage_state()
            origins = save_local_storage(dict(state), self.storage_file)
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("armswatch/browser/local_storage_saved", origins)

    async def _create_page(self, request: Request, spider: Any) -> Page:
        """A page whose context holds the cookies Scrapy sends with `request`."""
        page = await super()._create_page(request=request, spider=spider)
        cookies = scrapy_cookies(request)
        if cookies:
            await page.context.add_cookies(cookies)
        return page

    async def _get_response_and_download(
        self, request: Request, page: Page, spider: Any
    ) -> tuple[PlaywrightResponse | None, Any]:
        """The navigation's response; its body kept for the evidence (see the module)."""
        response, download = await super()._get_response_and_download(request, page, spider)
        if self._keep_server_body and response is not None:
            try:
                request.meta[SERVER_BODY] = await response.body()
            except PlaywrightError:  # no body (a redirect, a page closed): a truncated record
                request.meta.pop(SERVER_BODY, None)
        return response, download

    async def _route_context_request(self, route: Route, request: PlaywrightRequest) -> None:
        if self.guard(request):
            await route.abort("blockedbyclient")
        else:
            await route.fallback()

    async def _route_websocket(self, websocket: WebSocketRoute) -> None:
        if self.guard.check(websocket.url, "websocket"):
            await websocket.close(code=1008, reason="blocked")
        else:
            websocket.connect_to_server()


def scrapy_cookies(request: Request) -> list[SetCookieParam]:
    """The cookies of a request's `Cookie` header, for Playwright's `add_cookies`."""
    header = request.headers.get(b"Cookie")
    if not header:
        return []
    jar: SimpleCookie = SimpleCookie()
    jar.load(header.decode("latin-1"))
    return [
        SetCookieParam(name=name, value=morsel.value, url=request.url)
        for name, morsel in jar.items()
    ]
