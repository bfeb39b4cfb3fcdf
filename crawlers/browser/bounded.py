"""scrapy-playwright's download handler with every page bounded (`crawlers.browser.limits`).

scrapy-playwright waits for a page's `load` event, fails the page when it never comes, reads
the whole DOM, and closes a page only when the download returns or raises an `Exception`. A
hostile page turns each of those into a lost or stuck page. This handler, the base of
`BrowserDownloadHandler`, changes nothing for a page that loads, and:

- captures a page that answered but never fired `load` within the time-out as it stands
  (`browser_load_timeout`): its page methods then run without waiting for `load` again; a
  page whose HTML is still arriving then (a drip, a stall) is a `timeout`, as in a static crawl;
- counts Chromium's redirect loops, resets and time-outs as a static crawl counts its own
  (`redirect_limit`, `connection_reset`, `timeout`);
- closes a page whose document passes the download size cap, a decompression bomb included
  (`document_size`: `decompression_bomb` or `download_too_large`, the request refused);
- counts a screenshot cut at its size cap (`capture.capped_screenshot`,
  `browser_screenshot_capped`) and cuts the rendered HTML at `max_rendered_bytes`
  (`browser_dom_capped`);
- gives each page `PageLimits.budget` seconds in all (`browser_page_timeout`: the download
  fails with `BrowserPageTimeoutError`), and closes the page whatever ends the download, a
  cancellation included;
- closes the windows the crawl's pages open and counts its open pages (`popups`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from crawlers.anomalies import record_anomaly
from crawlers.browser.capture import Screenshot, cut_html
from crawlers.browser.document_size import DocumentSizeWatch, Oversize
from crawlers.browser.limits import BOUNDED, PageLimits
from crawlers.browser.popups import PopupCloser
from crawlers.errors import CrawlersError

LOAD_TIMED_OUT = "armswatch_load_timed_out"  # meta: the page was captured before `load`
NETWORK_ANOMALIES = {  # Chromium's net errors that are anomalies of a static crawl too
    "ERR_TOO_MANY_REDIRECTS": "redirect_limit",
    "ERR_CONNECTION_RESET": "connection_reset",
    "ERR_CONNECTION_CLOSED": "connection_reset",
    "ERR_EMPTY_RESPONSE": "connection_reset",
    "ERR_TIMED_OUT": "timeout",
}
PROBE_SECONDS = 2.0  # for a page that never loaded to say whether its HTML was parsed
CLOSE_TIMEOUT = 10.0  # seconds to close a page (a hung renderer is killed well within it)


class BrowserPageTimeoutError(CrawlersError):
    """A page went over its time budget. Not a `TimeoutError`: the server answered (no network
    `timeout` anomaly) and a retry would hang the same way (Scrapy retries no such error)."""


class BoundedPageHandler(ScrapyPlaywrightDownloadHandler):
    """Every page within `PageLimits`, closed after use; pop-ups closed."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.limits = PageLimits.from_settings(crawler.settings)
        self.bounded = crawler.settings.getbool(BOUNDED, True)
        self.max_document_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.popups = PopupCloser(crawler.stats)
        self._size_watches: dict[Page, DocumentSizeWatch] = {}

    async def _create_page(self, request: Request, spider: Any) -> Page:
        page = await super()._create_page(request=request, spider=spider)
        self.popups.watch(page)
        if self.bounded and self.max_document_bytes > 0:  # 0: Scrapy's "no limit"
            self._size_watches[page] = await DocumentSizeWatch.attach(page, self.max_document_bytes)
            page.on("close", lambda _: self._size_watches.pop(page, None))
        return page

    async def _download_request_with_page(
        self, request: Request, page: Page, spider: Any
    ) -> Response:
        """The page's response within the page budget and the size caps."""
        if not self.bounded:
            return await super()._download_request_with_page(request, page, spider)
        watch = self._size_watches.get(page)
        try:
            response = await self._within_budget(request, page, spider)
        except Exception as error:
            if watch is not None and watch.oversize is not None:
                raise self._refused(watch.oversize) from error
            if kind := network_anomaly(error):
                record_anomaly(self.stats, kind, request.url, detail=str(error).split("\n")[0])
            raise
        if watch is not None and watch.oversize is not None:
            raise self._refused(watch.oversize)
        return self._capped(response)

    async def _within_budget(self, request: Request, page: Page, spider: Any) -> Response:
        """scrapy-playwright's download within `PageLimits.budget`; the page closed after."""
        download = super()._download_request_with_page(request, page, spider)
        try:
            return await asyncio.wait_for(download, timeout=self.limits.budget)
        except TimeoutError as error:
            detail = f"over its {self.limits.budget:g} s budget in the browser, closed"
            record_anomaly(self.stats, "browser_page_timeout", request.url, detail=detail)
            raise BrowserPageTimeoutError(f"{request.url}: {detail}") from error
        finally:
            if not request.meta.get("playwright_include_page") and not page.is_closed():
                with suppress(PlaywrightError, TimeoutError):
                    await asyncio.wait_for(page.close(), timeout=CLOSE_TIMEOUT)

    def _refused(self, oversize: Oversize) -> IgnoreRequest:
        """The anomaly of a document over the size cap, and the refusal the spider skips."""
        detail = oversize.detail(self.max_document_bytes)
        record_anomaly(self.stats, oversize.kind, oversize.url, detail=detail)
        return IgnoreRequest(f"{oversize.kind}: {oversize.url}: {detail}")

    def _capped(self, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        cut = cut_html(response.body, response.encoding, self.limits.max_rendered_bytes)
        if cut is None:
            return response
        detail = f"rendered HTML of {len(response.body)} bytes cut to {len(cut)}"
        record_anomaly(self.stats, "browser_dom_capped", response.url, detail=detail)
        return response.replace(body=cut)

    async def _get_response_and_download(
        self, request: Request, page: Page, spider: Any
    ) -> tuple[PlaywrightResponse | None, Any]:
        """The navigation's response; a page that answered but never loaded is taken as is."""
        with _document_response(page) as document:
            try:
                return await super()._get_response_and_download(request, page, spider)
            except PlaywrightTimeoutError as error:
                if not document:
                    raise  # no answer at all: a network time-out, retried like one
                if not await _document_parsed(page):
                    detail = f"document still loading after {self.limits.timeout:g} s"
                    record_anomaly(self.stats, "timeout", request.url, detail=detail)
                    raise BrowserPageTimeoutError(f"{request.url}: {detail}") from error
        request.meta[LOAD_TIMED_OUT] = True
        detail = f"no load event within {self.limits.timeout:g} s, captured as it stood"
        record_anomaly(self.stats, "browser_load_timeout", request.url, detail=detail)
        return document[-1], None

    async def _apply_page_methods(self, page: Page, request: Request, spider: Any) -> None:
        """The request's page methods (after each, scrapy-playwright waits for `load`: on a
        page that never loaded they run one after the other); screenshots cut are counted."""
        if request.meta.get(LOAD_TIMED_OUT):
            await _apply_without_load(page, request)
        else:
            await super()._apply_page_methods(page, request, spider)
        for method in _page_methods(request):
            shot = method.result
            if isinstance(shot, Screenshot) and shot.cut:
                detail = (
                    f"page of {shot.page_width}x{shot.page_height} CSS px, "
                    f"screenshot cut to {shot.width}x{shot.height}"
                )
                record_anomaly(self.stats, "browser_screenshot_capped", request.url, detail=detail)


@contextmanager
def _document_response(page: Page) -> Iterator[list[PlaywrightResponse]]:
    """The responses of the page's main-frame documents while the block runs (the last one
    is the page's)."""
    seen: list[PlaywrightResponse] = []

    def on_response(response: PlaywrightResponse) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame:
            seen.append(response)

    page.on("response", on_response)
    try:
        yield seen
    finally:
        page.remove_listener("response", on_response)


def network_anomaly(error: Exception) -> str | None:
    """The anomaly of a Chromium network error (`net::ERR_...`), if it is one of the kinds a
    static crawl counts too."""
    if isinstance(error, PlaywrightError):
        for code, kind in NETWORK_ANOMALIES.items():
            if f"net::{code}" in error.message:
                return kind
    return None


async def _document_parsed(page: Page) -> bool:
    """Whether the page's document has been parsed whole (a server that drips or stalls its
    body leaves it `loading`: its DOM cannot even be read then)."""
    try:
        state = await asyncio.wait_for(page.evaluate("document.readyState"), PROBE_SECONDS)
    except (TimeoutError, PlaywrightError):
        return False
    return state != "loading" and page.url != "about:blank"


def _page_methods(request: Request) -> list[PageMethod]:
    methods = request.meta.get("playwright_page_methods") or ()
    return [method for method in methods if isinstance(method, PageMethod)]


async def _apply_without_load(page: Page, request: Request) -> None:
    """The page methods one after the other, as scrapy-playwright runs them, without its
    wait for `load` after each."""
    for method in _page_methods(request):
        if callable(method.method):
            result = method.method(page, *method.args, **method.kwargs)
        else:
            result = getattr(page, method.method)(*method.args, **method.kwargs)
        method.result = await result if inspect.isawaitable(result) else result
