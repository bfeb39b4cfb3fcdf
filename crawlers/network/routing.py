"""Which proxy each request of a source goes through, with Tor stream-isolation credentials.

`network: tor` goes through a SOCKS5 proxy with remote DNS (`socks5h`), `network: i2p` through
the I2P router's HTTP proxy, `clearnet` directly unless the source names a proxy. A source's
own `proxy` wins over the global one (`NetworkConfig`, i.e. `armswatch.settings.AppSettings`).

Tor isolates streams by SOCKS credentials when its SocksPort has `IsolateSOCKSAuth` (the
default): every (source, persona) pair sends its own user name and password, so it gets its
own circuit and two sources (or two personas of a source) are never linkable by exit or
rendezvous. The password is random per process, so a new run builds new circuits too.
Credentials are kept out of `repr` and logs.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from crawlers.source import Source

logger = logging.getLogger(__name__)

_RUN_SECRET = secrets.token_hex(8)  # one per process: circuits are not reused across runs


class NetworkConfig(Protocol):
    """The global proxies and Tor control port (as in `armswatch.settings.AppSettings`)."""

    @property
    def tor_proxy(self) -> str: ...

    @property
    def i2p_proxy(self) -> str: ...

    @property
    def tor_control(self) -> str | None: ...


@dataclass(frozen=True)
class ProxyRoute:
    """A proxy URL without credentials, and the isolation credentials sent to it."""

    proxy_url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The proxy URL with the credentials in it (for `request.meta["proxy"]`; never log)."""
        if self.username is None:
            return self.proxy_url
        parts = urlsplit(self.proxy_url)
        userinfo = quote(self.username, safe="") + ":" + quote(self.password or "", safe="")
        netloc = f"{userinfo}@{parts.netloc}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def isolation_username(source: str, persona: str | None = None) -> str:
    """The SOCKS user name of one isolation group: the source, and the persona if any."""
    return f"{source}/{persona}" if persona else source


def proxy_route(
    network: str, proxy_url: str | None, source: str, persona: str | None = None
) -> ProxyRoute | None:
    """The route of one (source, persona) through `proxy_url` (None: a direct connection)."""
    if proxy_url is None:
        return None
    if network == "tor" or urlsplit(proxy_url).scheme.startswith("socks"):
        return ProxyRoute(proxy_url, isolation_username(source, persona), _RUN_SECRET)
    return ProxyRoute(proxy_url)


def proxy_url_for(source: Source, config: NetworkConfig) -> str | None:
    """The proxy URL (no credentials) of a source: its own, else the global one of its network."""
    if source.proxy is not None:
        return source.proxy
    if source.network == "tor":
        return config.tor_proxy
    if source.network == "i2p":
        return config.i2p_proxy
    return None


def route_for(source: Source, app: NetworkConfig, persona: str | None = None) -> ProxyRoute | None:
    """The route of a source's requests (None for a clearnet source without a proxy)."""
    return proxy_route(
        source.network, proxy_url_for(source, app), source.name, persona or source.persona
    )


class RoutingMiddleware:
    """Puts the route of every request in `request.meta["proxy"]` (credentials included).

    Settings: ARMSWATCH_PROXY (the proxy URL, no credentials) and ARMSWATCH_NETWORK. A route
    set by anyone else is overwritten: the source's network decides, nothing else.
    """

    def __init__(self, crawler: Crawler, proxy_url: str, network: str) -> None:
        self.crawler = crawler
        self.proxy_url = proxy_url
        self.network = network
        self._routes: dict[tuple[str, str | None], ProxyRoute | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RoutingMiddleware:
        proxy_url = crawler.settings.get("ARMSWATCH_PROXY")
        if not proxy_url:
            raise NotConfigured("no proxy for this source (ARMSWATCH_PROXY)")
        return cls(crawler, proxy_url, crawler.settings.get("ARMSWATCH_NETWORK", "clearnet"))

    def process_request(self, request: Request) -> None:
        source_name, default_persona = self._source()
        persona = request.meta.get("persona") or default_persona
        key = (source_name, persona)
        if key not in self._routes:
            self._routes[key] = proxy_route(self.network, self.proxy_url, source_name, persona)
            logger.info(
                "routing %s through %s",
                source_name,
                self.proxy_url,
                extra={
                    "event": "proxy_route",
                    "source": source_name,
                    "network": self.network,
                    "proxy": self.proxy_url,  # never the credentials
                    "persona": persona,
                },
            )
        route = self._routes[key]
        if route is not None:
            request.meta["proxy"] = route.url

    def _source(self) -> tuple[str, str | None]:
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        if source is None:
            return (spider.name if spider else "unknown"), None
        return source.name, source.persona
