"""The host guard: a browser request to a host the source does not allow never leaves.

A page can load images, scripts, frames, fonts, pop-ups and WebSockets from any host; a darknet
market page may embed a tracker or a clear-web resource that would reveal the crawler. The guard
aborts every such request before Chromium opens a connection, counts it and logs it with the
host. `data:` and `blob:` URLs never touch the network and pass.

It is scrapy-playwright's `PLAYWRIGHT_ABORT_REQUEST` predicate (page routes) and, through
`crawlers.browser.handler`, a context route (pop-ups, pages the crawl did not open) and a
WebSocket route, so every request a browser context makes is covered.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit

logger = logging.getLogger(__name__)

LOCAL_SCHEMES = frozenset({"data", "blob"})
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss"})
STATS_PREFIX = "armswatch/browser/blocked"


class _Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


class _Request(Protocol):
    """What the guard reads of a Playwright request."""

    @property
    def url(self) -> str: ...

    @property
    def resource_type(self) -> str: ...


class HostGuard:
    """Call it with a Playwright request: True means abort (the host is not allowed)."""

    def __init__(self, source: str, domains: list[str] | tuple[str, ...]) -> None:
        self.source = source
        self.domains = frozenset(domain.lower().rstrip(".") for domain in domains)
        self.blocked: Counter[str] = Counter()  # blocked requests per host
        self.stats: _Stats | None = None  # set by the download handler once the crawl runs

    def allows(self, parts: SplitResult) -> bool:
        """Whether the URL's host is one of the domains or a subdomain of one (Scrapy's
        offsite rule), or the URL touches no network."""
        if parts.scheme in LOCAL_SCHEMES:
            return True
        if parts.scheme not in NETWORK_SCHEMES or not parts.hostname:
            return False
        host = parts.hostname.rstrip(".")  # urlsplit lower-cases it
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)

    def __call__(self, request: _Request) -> bool:
        return self.check(request.url, request.resource_type)

    def check(self, url: str, resource_type: str = "other") -> bool:
        """True (and counted, and logged) when a request to `url` must be aborted."""
        parts = urlsplit(url)
        if self.allows(parts):
            return False
        host = parts.hostname or parts.scheme or "?"
        self.blocked[host] += 1
        if self.stats is not None:
            self.stats.inc_value(STATS_PREFIX)
            self.stats.inc_value(f"{STATS_PREFIX}/{resource_type}")
        logger.warning(
            "blocked a browser request to %s (not an allowed host of %s)",
            host,
            self.source,
            extra={
                "event": "browser_request_blocked",
                "source": self.source,
                "host": host,
                "resource_type": resource_type,
            },
        )
        return True

    def __deepcopy__(self, memo: dict[int, Any]) -> HostGuard:
        """Scrapy copies its settings per crawler: each copy counts for itself."""
        return HostGuard(self.source, tuple(self.domains))
