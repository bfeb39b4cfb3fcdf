"""scrapy-playwright's download handler with every page bounded (`crawlers.browser.limits`).

scrapy-playwright navigates until `load` and, after each page method, waits for `load` again
for the whole navigation time-out; it reads the whole DOM and closes a page only when the
download returns or raises an `Exception`. A hostile page turns each of those into a lost or
stuck page. This handler, the base of `BrowserDownloadHandler`:

- navigates until `DOMContentLoaded`, then waits at most `load_wait` for `load`; a page that
  never loads is captured as it stands (`browser_load_timeout`, and `meta[LOAD_TIMED_OUT]`);
- waits, after each page method, at most `load_wait` for the state the page had reached;
- freezes the page's timers before the capture (`capture.freeze`), cuts the rendered HTML at
  `max_rendered_bytes` (`browser_dom_capped`) and counts a screenshot cut at its height cap
  (`browser_screenshot_capped`);
- gives each page `PageLimits.budget` seconds in all (`browser_page_timeout`: the download
  fails with `BrowserPageTimeoutError`), and closes the page whatever ends the download, a
  cancellation included;
- closes the blank page a persistent context opens with, and every page a script opens
  (`crawlers.browser.popups`).
"""

from __future__ import annotations

import asyncio
import inspect
from contextlib import suppress
from functools import partial
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from crawlers.anomalies import record_anomaly
from crawlers.browser.capture import (
    Screenshot,
    cut_html,
    freeze,
    settle,
    take_screenshot,
    wait_for_load,
)
from crawlers.browser.limits import PageLimits
from crawlers.browser.popups import PopupCloser
from crawlers.errors import CrawlersError

LOAD_TIMED_OUT = "armswatch_load_timed_out"  # meta: the page was captured before `load`
CLOSE_TIMEOUT = 10.0  # seconds to close a page (a hung renderer is killed well within it)


class BrowserPageTimeoutError(CrawlersError):
    """A page went over its time budget. Not a `TimeoutError`: the server answered (no network
    `timeout` anomaly) and a retry would hang the same way (Scrapy retries no such error)."""


class BoundedPageHandler(ScrapyPlaywrightDownloadHandler):
    """Every page within `PageLimits`, closed after use; pop-ups closed."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.limits = PageLimits.from_settings(crawler.settings)
        self.popups = PopupCloser(crawler.stats)

    async def _create_browser_context(
        self, name: str, context_kwargs: dict[str, Any] | None, spider: Any = None
    ) -> Any:
        wrapper = await super()._create_browser_context(name, context_kwargs, spider)
        for blank in list(wrapper.context.pages):  # a persistent context opens with one
            await blank.close()
        self.popups.watch(wrapper.context)
        return wrapper

    async def _download_request_with_page(
        self, request: Request, page: Page, spider: Any
    ) -> Response:
        """The page's response within the page budget, its HTML cut at the size cap."""
        download = super()._download_request_with_page(request, page, spider)
        try:
            response = await asyncio.wait_for(download, timeout=self.limits.budget)
        except TimeoutError as error:
            detail = f"over its {self.limits.budget:g} s budget in the browser, closed"
            record_anomaly(self.stats, "browser_page_timeout", request.url, detail=detail)
            raise BrowserPageTimeoutError(f"{request.url}: {detail}") from error
        finally:
            if not request.meta.get("playwright_include_page") and not page.is_closed():
                with suppress(PlaywrightError, TimeoutError):
                    await asyncio.wait_for(page.close(), timeout=CLOSE_TIMEOUT)
        return self._capped(response)

    def _capped(self, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        limit = self.limits.max_rendered_bytes
        cut = cut_html(response.body, response.encoding, limit)
        if cut is None:
            return response
        detail = f"rendered HTML of {len(response.body)} bytes cut to {len(cut)}"
        record_anomaly(self.stats, "browser_dom_capped", response.url, detail=detail)
        return response.replace(body=cut)

    async def _get_response_and_download(
        self, request: Request, page: Page, spider: Any
    ) -> tuple[PlaywrightResponse | None, Any]:
        """Navigate until `DOMContentLoaded`, then wait a bounded time for `load`."""
        goto = dict(request.meta.get("playwright_page_goto_kwargs") or {})
        goto.setdefault("wait_until", "domcontentloaded")
        request.meta["playwright_page_goto_kwargs"] = goto
        response, download = await super()._get_response_and_download(request, page, spider)
        if download is None and not await wait_for_load(page, self.limits.load_wait):
            request.meta[LOAD_TIMED_OUT] = True
            detail = f"no load event {self.limits.load_wait:g} s after DOMContentLoaded"
            record_anomaly(self.stats, "browser_load_timeout", request.url, detail=detail)
        return response, download

    async def _apply_page_methods(self, page: Page, request: Request, spider: Any) -> None:
        """The request's page methods, each followed by a bounded wait, then the freeze; a
        `screenshot` method (`actions.page_methods`) is taken frozen and cut to the cap, its
        result the PNG bytes as Playwright's own would be."""
        loaded = not request.meta.get(LOAD_TIMED_OUT)
        for method in request.meta.get("playwright_page_methods") or ():
            if not isinstance(method, PageMethod):
                raise TypeError(f"not a PageMethod: {method!r}")
            if method.method == "screenshot":
                method.result = await self._screenshot(page, request.url, method)
            else:
                method.result = await _call(page, method)
            await settle(page, loaded=loaded, seconds=self.limits.load_wait)
        await freeze(page)

    async def _screenshot(self, page: Page, url: str, method: PageMethod) -> bytes:
        timeout_ms = method.kwargs.get("timeout", self.limits.timeout * 1000)
        shot = await take_screenshot(page, self.limits.max_screenshot_height, timeout_ms)
        if shot.cut:
            self._record_screenshot_cut(url, shot)
        return shot.png

    def _record_screenshot_cut(self, url: str, shot: Screenshot) -> None:
        detail = (
            f"page of {shot.page_width}x{shot.page_height} CSS px, "
            f"screenshot cut to {shot.width}x{shot.height}"
        )
        record_anomaly(self.stats, "browser_screenshot_capped", url, detail=detail)


async def _call(page: Page, method: PageMethod) -> Any:
    """Run a page method as scrapy-playwright does: a callable gets the page first, a name is
    one of the page's methods."""
    function = partial(method.method, page) if callable(method.method) else None
    result = (function or getattr(page, method.method))(*method.args, **method.kwargs)
    return await result if inspect.isawaitable(result) else result
