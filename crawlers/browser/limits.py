"""The limits a browser page works within, so a hostile page cannot hold the crawl.

A page is given `timeout` to answer and parse its HTML (`DOMContentLoaded`), then `load_wait`
more for the `load` event (an image whose server never answers keeps `load` from firing
forever); without it the page is captured as it stands. The HTML the crawl reads is cut at
`max_rendered_bytes` (a script can grow the DOM without end), the full-page screenshot at
`max_screenshot_height` CSS pixels. Whatever happens, one page gets `budget` seconds in all
(navigation, actions, capture): past it the page is closed and counted as failed, so a script
that hangs the renderer never holds one of the crawl's few page slots for good.

`browser_settings` puts a source's limits in the crawl settings (`LIMITS`); the download
handler reads them once with `PageLimits.from_settings`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from scrapy.settings import BaseSettings

from crawlers.access import BrowserOptions

LIMITS = "ARMSWATCH_BROWSER_LIMITS"
MAX_SCREENSHOT_WIDTH = 3_840  # CSS px: a page that grows sideways is cut too


@dataclass(frozen=True)
class PageLimits:
    timeout: float  # seconds for the navigation (to DOMContentLoaded)
    load_wait: float  # seconds more for `load`, never more than `timeout`
    max_rendered_bytes: int
    max_screenshot_height: int

    @classmethod
    def from_options(cls, options: BrowserOptions) -> PageLimits:
        return cls(
            timeout=options.timeout,
            load_wait=min(options.load_wait, options.timeout),
            max_rendered_bytes=options.max_rendered_bytes,
            max_screenshot_height=options.max_screenshot_height,
        )

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PageLimits:
        """The crawl's limits (a source's defaults when none are set); the rendered HTML is
        never larger than the crawl's `DOWNLOAD_MAXSIZE` either."""
        stored = settings.getdict(LIMITS)
        limits = cls(**stored) if stored else cls.from_options(BrowserOptions())
        maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        if 0 < maxsize < limits.max_rendered_bytes:
            return cls(**{**asdict(limits), "max_rendered_bytes": maxsize})
        return limits

    def as_setting(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def budget(self) -> float:
        """Seconds one page may take in all: navigation, the load wait, then as long again
        as the navigation for the source's actions and the capture."""
        return 2 * self.timeout + self.load_wait
