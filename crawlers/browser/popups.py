"""Windows a crawl page opens are closed at once; the crawl's own pages are counted.

Chromium's pop-up blocker stays on (`settings.launch_options`): a script opens no window by
itself. A page action is a user gesture, though: a click on a button whose handler opens
windows (or on a `target=_blank` link), and the timers that handler started, open real pages.
Each page the crawl opens is watched (`watch`, from the download handler's `_create_page`):
every window it opens (its `popup` event) is closed and counted as a `browser_popup_closed`
anomaly, so a pop-up loop ends with its first window and frees its renderer. The host guard's
context route already keeps a pop-up's requests to other hosts from leaving.

Every closed pop-up is counted, but logged once per opener URL: a loop would fill the log.
Two gauges keep page leaks visible in the crawl stats: `armswatch/browser/pages_open` (the
crawl's own pages open now: 0 once the crawl is done) and `armswatch/browser/pages_open_max`
(most of them open at once: at most the crawl's page cap).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, Protocol

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from crawlers.anomalies import STATS_PREFIX, record_anomaly

KIND = "browser_popup_closed"
PAGES_OPEN = "armswatch/browser/pages_open"
PAGES_OPEN_MAX = "armswatch/browser/pages_open_max"


class _Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def set_value(self, key: str, value: Any) -> None: ...

    def max_value(self, key: str, value: Any) -> None: ...


class PopupCloser:
    """Watches the crawl's pages: closes the windows they open, counts the pages open."""

    def __init__(self, stats: _Stats | None) -> None:
        self.stats = stats
        self.pages_open = 0
        self._logged_openers: set[str] = set()

    def watch(self, page: Page) -> None:
        """Count `page` open until it closes; close every window it opens."""
        self._set_pages_open(self.pages_open + 1)
        page.on("close", lambda _: self._set_pages_open(self.pages_open - 1))
        page.on("popup", lambda popup: self._close(popup, opener_url=page.url))

    def _set_pages_open(self, count: int) -> None:
        self.pages_open = count
        if self.stats is not None:
            self.stats.set_value(PAGES_OPEN, count)
            self.stats.max_value(PAGES_OPEN_MAX, count)

    async def _close(self, popup: Page, opener_url: str) -> None:
        popup_url = popup.url
        with suppress(PlaywrightError):
            await popup.close()
        self._record(opener_url, popup_url)

    def _record(self, opener_url: str, popup_url: str) -> None:
        """Count the closed pop-up; log it only for the first pop-up of its opener."""
        if opener_url not in self._logged_openers:
            self._logged_openers.add(opener_url)
            detail = f"closed a window opened to {popup_url} (more from this page are counted, "
            record_anomaly(self.stats, KIND, opener_url, detail=detail + "not logged)")
        elif self.stats is not None:
            self.stats.inc_value(STATS_PREFIX)
            self.stats.inc_value(f"{STATS_PREFIX}/{KIND}")
