"""Download errors of proxied crawls, as subclasses of Scrapy's so its retry logic applies."""

from __future__ import annotations

from scrapy.exceptions import DownloadConnectionRefusedError

# SOCKS5 replies (RFC 1928, section 6), as httpx names them, that mean "the destination cannot
# be reached"; the reason given is the phrase in lower case.
UNREACHABLE_REPLIES = (
    "Network unreachable",
    "Host unreachable",
    "Connection refused",
    "TTL expired",
)


class ProxyRequiredError(RuntimeError):
    """A request of a proxied crawl had no proxy: it is refused, never sent directly.

    Not a download error, so it is never retried: it is a bug or a misconfiguration.
    """


class ProxyUnavailableError(DownloadConnectionRefusedError):
    """The proxy itself could not be reached (Tor or the I2P router is down)."""

    reason = "proxy unavailable"


class DestinationUnreachableError(DownloadConnectionRefusedError):
    """The proxy is up but could not reach the site (e.g. an onion that is offline)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
