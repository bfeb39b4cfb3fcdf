"""Pages a script opens are closed at once; the pages the crawl opens are counted.

Chromium's pop-up blocker stops `window.open` without a user gesture, but a page action is one:
a click on a button whose handler opens windows (or on a `target=_blank` link), and a timer
that button started, open real pages. Every page of the crawl's context is watched: a page with
an opener (`page.opener()`: set by Chromium even for `noopener` windows) was opened by a page,
and is closed and counted as a `browser_popup_closed` anomaly; pages the crawl opens itself
(`context.new_page`) have none. The host guard's context route already keeps a pop-up's
requests to other hosts from leaving; closing it frees its renderer.

Every closed pop-up is counted, but logged once per opener URL: a pop-up loop would otherwise
fill the log. Two gauges keep page leaks visible in the crawl stats:
`armswatch/browser/pages_open` (pages of the crawl's own open now: 0 once the crawl is done) and
`armswatch/browser/pages_open_max` (most pages of the crawl's own open at once: at most the
crawl's page cap).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any, Protocol

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from crawlers.anomalies import STATS_PREFIX, record_anomaly

logger = logging.getLogger(__name__)

KIND = "browser_popup_closed"
PAGES_OPEN = "armswatch/browser/pages_open"
PAGES_OPEN_MAX = "armswatch/browser/pages_open_max"


class _Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def set_value(self, key: str, value: Any) -> None: ...

    def max_value(self, key: str, value: Any) -> None: ...


class PopupCloser:
    """Watches a browser context (`watch`): closes pop-ups, counts open pages."""

    def __init__(self, stats: _Stats | None) -> None:
        self.stats = stats
        self.own_pages_open = 0
        self._logged_openers: set[str] = set()

    def watch(self, context: BrowserContext) -> None:
        context.on("page", self._on_page)

    async def _on_page(self, page: Page) -> None:
        opener = await _opener(page)
        if opener is None:
            self._count_own(page)
            return
        page.on("close", lambda _: self._gauge(page.context))
        popup_url = page.url
        with suppress(PlaywrightError):
            await page.close()
        self._record(opener.url, popup_url)

    def _count_own(self, page: Page) -> None:
        if page.is_closed():
            return
        self.own_pages_open += 1
        if self.stats is not None:
            self.stats.max_value(PAGES_OPEN_MAX, self.own_pages_open)
        self._gauge(page.context)

        def closed(_: Page) -> None:
            self.own_pages_open -= 1
            self._gauge(page.context)

        page.on("close", closed)

    def _gauge(self, context: BrowserContext) -> None:
        """The crawl's own pages open now (the context's list would race with closing
        pop-ups)."""
        if self.stats is not None:
            self.stats.set_value(PAGES_OPEN, self.own_pages_open)

    def _record(self, opener_url: str, popup_url: str) -> None:
        """Count the closed pop-up; log it only for the first pop-up of its opener."""
        if opener_url not in self._logged_openers:
            self._logged_openers.add(opener_url)
            detail = f"closed a window opened to {popup_url} (more from this page are counted, "
            record_anomaly(self.stats, KIND, opener_url, detail=detail + "not logged)")
        elif self.stats is not None:
            self.stats.inc_value(STATS_PREFIX)
            self.stats.inc_value(f"{STATS_PREFIX}/{KIND}")


async def _opener(page: Page) -> Page | None:
    try:
        return await page.opener()
    except PlaywrightError:  # closed already: it never was one of the crawl's
        return None
