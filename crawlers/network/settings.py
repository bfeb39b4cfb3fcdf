"""The Scrapy settings and the browser proxy that route one source through its network.

    settings.setdict(network_settings(source, app), priority="spider")

Tor and I2P are slow and lossy (slow first bytes, dropped circuits): unless the source sets its
own, the download time-out and retries go up and AutoThrottle starts slower. Proxy and
connection errors are retried (`crawlers.network.errors` subclass Scrapy's retried errors).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crawlers.network.routing import NetworkConfig, proxy_url_for
from crawlers.settings import DOWNLOADER_MIDDLEWARES as BASE_DOWNLOADER_MIDDLEWARES
from crawlers.source import Source

HANDLER = "crawlers.network.proxied_handler.ProxiedDownloadHandler"
ROUTING_MIDDLEWARE = "crawlers.network.routing.RoutingMiddleware"
REACHABILITY_MIDDLEWARE = "crawlers.network.health.ReachabilityMiddleware"
CIRCUIT_MIDDLEWARE = "crawlers.network.tor_control.CircuitRenewalMiddleware"

# Downloader middleware order: Scrapy's HttpProxyMiddleware (750) is switched off and routing
# takes its place; circuit renewal (560) sees every failed try before RetryMiddleware (550);
# reachability (540) sees only what is left once retries are spent.
MIDDLEWARE_ORDER = {ROUTING_MIDDLEWARE: 750, CIRCUIT_MIDDLEWARE: 560, REACHABILITY_MIDDLEWARE: 540}

SLOW_NETWORK_TIMEOUT = 120.0
SLOW_NETWORK_RETRIES = 6
SLOW_NETWORK_START_DELAY = 5.0
SLOW_NETWORK_MAX_DELAY = 120.0


def network_settings(source: Source, app: NetworkConfig) -> dict[str, Any]:
    """Scrapy settings that route `source` through its proxy ({} for a direct clearnet one).

    DOWNLOADER_MIDDLEWARES includes `crawlers.settings.DOWNLOADER_MIDDLEWARES`, since a
    dict setting set at a higher priority replaces the lower one.
    """
    proxy_url = proxy_url_for(source, app)
    if proxy_url is None:
        return {}
    middlewares: dict[str, int | None] = {
        **BASE_DOWNLOADER_MIDDLEWARES,
        ROUTING_MIDDLEWARE: MIDDLEWARE_ORDER[ROUTING_MIDDLEWARE],
        REACHABILITY_MIDDLEWARE: MIDDLEWARE_ORDER[REACHABILITY_MIDDLEWARE],
    }
    settings: dict[str, Any] = {
        "ARMSWATCH_NETWORK": source.network,
        "ARMSWATCH_PROXY": proxy_url,
        "ARMSWATCH_REQUIRE_PROXY": True,
        "HTTPPROXY_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": middlewares,
    }
    if source.render == "static":
        settings["DOWNLOAD_HANDLERS"] = {"http": HANDLER, "https": HANDLER}
    if source.network == "tor" and app.tor_control:
        middlewares[CIRCUIT_MIDDLEWARE] = MIDDLEWARE_ORDER[CIRCUIT_MIDDLEWARE]
        settings["ARMSWATCH_TOR_CONTROL"] = app.tor_control
    if source.network in ("tor", "i2p"):
        settings.update(slow_network_settings(source))
    return settings


def slow_network_settings(source: Source) -> dict[str, Any]:
    """Time-outs, retries and throttling for Tor and I2P, where the source did not set them."""
    rate = source.rate_limit
    chosen = rate.model_fields_set
    settings: dict[str, Any] = {
        "AUTOTHROTTLE_START_DELAY": max(SLOW_NETWORK_START_DELAY, rate.download_delay),
        "AUTOTHROTTLE_MAX_DELAY": SLOW_NETWORK_MAX_DELAY,
    }
    if "timeout" not in chosen:
        settings["DOWNLOAD_TIMEOUT"] = SLOW_NETWORK_TIMEOUT
    if "retries" not in chosen:
        settings["RETRY_TIMES"] = SLOW_NETWORK_RETRIES
    return settings


def browser_proxy(source: Source, app: NetworkConfig) -> str | None:
    """The proxy server Chromium uses for `source` (None: a direct clearnet source).

    Chromium cannot send SOCKS credentials, so a Tor source is isolated by port: its
    `browser.socks_port` if set, else the Tor proxy's. Chromium's `socks5://` resolves host
    names through the proxy (it has no `socks5h` scheme and needs none).
    """
    proxy_url = proxy_url_for(source, app)
    if proxy_url is None:
        return None
    parts = urlsplit(proxy_url)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    if parts.scheme.startswith("socks"):
        port = source.browser.socks_port or parts.port
        return f"socks5://{host}:{port}"
    return f"{parts.scheme}://{host}:{parts.port}"
