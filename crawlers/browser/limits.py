"""The limits a browser page works within, so a hostile page cannot hold the crawl.

A page is given the source's `browser.timeout` to load. A page that answered but whose `load`
event never comes (an image whose server never answers) is captured as it stands when the
time-out passes. The HTML the crawl reads is cut at `max_rendered_bytes` (a script can grow the
DOM without end), and a full-page screenshot at `max_screenshot_height` CSS pixels (and
`MAX_SCREENSHOT_WIDTH`). Whatever happens, one page gets `budget` seconds in all (navigation,
actions, capture): past it the page is closed and counted as lost, so a script that hangs the
renderer never holds one of the crawl's few page slots for good.

`browser_settings` puts a source's limits in the crawl settings (`LIMITS`); the download
handler reads them once with `PageLimits.from_settings`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from scrapy.settings import BaseSettings

from crawlers.access import BrowserOptions

LIMITS = "ARMSWATCH_BROWSER_LIMITS"
BOUNDED = "ARMSWATCH_BROWSER_BOUNDED"  # False: no size watch, budget or caps (benchmarks only)
MAX_SCREENSHOT_WIDTH = 3_840  # CSS px: a page that grows sideways is cut too


@dataclass(frozen=True)
class PageLimits:
    timeout: float  # seconds for the navigation, to `load`
    max_rendered_bytes: int
    max_screenshot_height: int

    @classmethod
    def from_options(cls, options: BrowserOptions) -> PageLimits:
        return cls(options.timeout, options.max_rendered_bytes, options.max_screenshot_height)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PageLimits:
        """The crawl's limits (a source's defaults when none are set); the rendered HTML is
        never larger than the crawl's `DOWNLOAD_MAXSIZE` either."""
        stored = settings.getdict(LIMITS)
        limits = cls(**stored) if stored else cls.from_options(BrowserOptions())
        maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        if 0 < maxsize < limits.max_rendered_bytes:
            return replace(limits, max_rendered_bytes=maxsize)
        return limits

    def as_setting(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def budget(self) -> float:
        """Seconds one page may take in all: the navigation, then as long again for the
        source's actions and the capture."""
        return 2 * self.timeout
