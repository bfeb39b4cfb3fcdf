"""Pages a script opens are closed at once; the pages the crawl opens are counted.

Chromium's pop-up blocker stops `window.open` without a user gesture, but a page action is one:
a click on a button whose handler opens windows (or on a `target=_blank` link), and a timer
that button started, open real pages. Each page the crawl opens is adopted (`adopt`): every
window it opens (Playwright's `popup` event, tied to its opener, even for `noopener` windows)
is closed and counted as a `browser_popup_closed` anomaly. When the crawl ends, a page left
that is not the crawl's own (a window a pop-up opened before it was closed) is closed and
counted the same way (`close_strays`). The host guard's context route already keeps a pop-up's
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
from weakref import WeakSet

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
    """Closes the pop-ups of the crawl's pages (`adopt`), counts the crawl's open pages."""

    def __init__(self, stats: _Stats | None) -> None:
        self.stats = stats
        self.own_pages_open = 0
        self._own: WeakSet[Page] = WeakSet()
        self._logged_openers: set[str] = set()

    def adopt(self, page: Page) -> None:
        """A page the crawl opened: counted, and every window it opens closed at once."""
        opener_url = page.url

        async def close_popup(popup: Page) -> None:
            popup_url = popup.url
            with suppress(PlaywrightError):
                await popup.close()
            self._record(page.url if not page.is_closed() else opener_url, popup_url)

        page.on("popup", close_popup)
        self._count_own(page)

    async def close_strays(self, context: BrowserContext) -> None:
        """When the spider closes: close every page left that is not the crawl's own (a window
        a pop-up opened before it was closed)."""
        for page in list(context.pages):
            if not page.is_closed() and page not in self._own:
                stray_url = page.url
                with suppress(PlaywrightError):
                    await page.close()
                self._record(stray_url, stray_url)

    def _count_own(self, page: Page) -> None:
        if page.is_closed():
            return
        self._own.add(page)
        self._own_pages(+1)
        page.on("close", lambda _: self._own_pages(-1))

    def _own_pages(self, change: int) -> None:
        self.own_pages_open += change
        if self.stats is not None:
            self.stats.set_value(PAGES_OPEN, self.own_pages_open)
            self.stats.max_value(PAGES_OPEN_MAX, self.own_pages_open)

    def _record(self, opener_url: str, popup_url: str) -> None:
        """Count the closed pop-up; log it only for the first pop-up of its opener."""
        if opener_url not in self._logged_openers:
            self._logged_openers.add(opener_url)
            detail = f"closed a window opened to {popup_url} (more from this page are counted, "
            record_anomaly(self.stats, KIND, opener_url, detail=detail + "not logged)")
        elif self.stats is not None:
            self.stats.inc_value(STATS_PREFIX)
            self.stats.inc_value(f"{STATS_PREFIX}/{KIND}")
