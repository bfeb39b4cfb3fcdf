"""Trap links, not followed and counted: endless URLs, repeating paths, calendars, depth.

A badly built or hostile site can make links without end: a calendar with a "next month" link
forever, a relative link that adds a path segment on every hop (`x/` → `/x/x/x/...`), a query
that grows on each page. `TrapFilterMiddleware` drops a link the spider yields when

- it is longer than `limits.max_url_length` (`trap_url_too_long`),
- one path segment appears more than `limits.max_path_repeats` times (`trap_repeating_path`),
- it names a year and month (`2031/05`, `2031-05-17`) more than a year ahead or more than
  `limits.calendar_years` back (`trap_calendar`),

and `CountedDepthMiddleware` is Scrapy's depth limit, counting each link it drops
(`depth_limit`). Endless pagination stops at `index.pagination.max_pages` (the spider counts
it as `trap_pagination`). Every one is an anomaly (`crawlers.anomalies`), logged with its URL.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.spidermiddlewares.depth import DepthMiddleware

from crawlers.anomalies import record_anomaly
from crawlers.safety.settings import CALENDAR_YEARS, MAX_PATH_REPEATS, MAX_URL_LENGTH
from crawlers.source import Limits

# a year and a month, with a separator (six digits alone are more often an id than a date)
_YEAR_MONTH = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)[-/_.](0?[1-9]|1[0-2])(?!\d)")


class TrapRules:
    def __init__(self, max_url_length: int, max_path_repeats: int, calendar_years: int) -> None:
        self.max_url_length = max_url_length
        self.max_path_repeats = max_path_repeats
        self.calendar_years = calendar_years

    def trap(self, url: str, today: datetime) -> tuple[str, str] | None:
        """(kind, detail) when `url` is a trap link."""
        if len(url) > self.max_url_length:
            return "trap_url_too_long", f"{len(url)} characters"
        parts = urlsplit(url)
        segments = [segment for segment in parts.path.split("/") if segment]
        if len(segments) > self.max_path_repeats:  # else no segment can repeat that often
            segment, times = Counter(segments).most_common(1)[0]
            if times > self.max_path_repeats:
                return "trap_repeating_path", f"{segment!r} {times} times"
        for match in _YEAR_MONTH.finditer(f"{parts.path}?{parts.query}"):
            year = int(match.group(1))
            if year > today.year + 1 or year < today.year - self.calendar_years:
                return "trap_calendar", f"dated {match.group(0)}"
        return None


class TrapFilterMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings, defaults = crawler.settings, Limits()
        self.rules = TrapRules(
            settings.getint(MAX_URL_LENGTH, defaults.max_url_length),
            settings.getint(MAX_PATH_REPEATS, defaults.max_path_repeats),
            settings.getint(CALENDAR_YEARS, defaults.calendar_years),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:  # a start URL: the source's own choice
            return request
        found = self.rules.trap(request.url, datetime.now(UTC))
        if found is None:
            return request
        kind, detail = found
        assert self.crawler is not None
        record_anomaly(
            self.crawler.stats, kind, request.url[:500], detail=f"{detail}; from {response.url}"
        )
        return None


class CountedDepthMiddleware(DepthMiddleware):
    """Scrapy's depth limit; each link it drops is a `depth_limit` anomaly."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        processed = super().get_processed_request(request, response)
        if processed is None:
            record_anomaly(
                self.stats,
                "depth_limit",
                request.url,
                detail=f"depth {request.meta.get('depth')} over {self.maxdepth}",
            )
        return processed
