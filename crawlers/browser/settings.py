"""Scrapy settings of a `render: browser` source: scrapy-playwright with Debian's Chromium.

Chromium is launched so that it leaks nothing outside the source's proxy:

- WebRTC: `disable_non_proxied_udp` keeps WebRTC off UDP (which would bypass a SOCKS proxy).
  Debian's Chromium 156 in headless mode honours `--webrtc-ip-handling-policy` and ignores
  `--force-webrtc-ip-handling-policy` (STUN datagrams still left with only the latter); both
  are set, and a test checks that a page's STUN server receives no datagram.
- no prefetch, preconnect or network prediction, no DNS prefetch;
- no background services (safe browsing, translate, optimisation hints, media router, sync,
  component and variations updates, domain reliability, spell-check downloads...);
- with a proxy: a PAC script sends requests for the source's hosts through it and every other
  request nowhere (a dead local port, no DIRECT fallback): Chromium's own background requests
  (accounts.google.com, update.googleapis.com: sent even with background networking off, and
  seen by no page or context route) never leave, not even through the proxy; and
  `--host-resolver-rules` maps every name but the proxy's own to NOTFOUND, so no name is ever
  resolved locally;
- every browser request to a host the source does not allow is aborted (`HostGuard`);
- no preconnect to the host of a navigation (an iframe, a pop-up) before a route can abort it:
  the crawl's profile turns network prediction off (`crawlers.browser.profile`);
- the pop-up blocker stays on: a page's script opens no window by itself; the windows a page
  action lets it open (a click is a user gesture) are closed at once (`crawlers.browser.popups`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit

from crawlers.browser.guard import HostGuard
from crawlers.browser.limits import LIMITS, PageLimits
from crawlers.personas import storage_file
from crawlers.settings import USER_AGENT
from crawlers.source import Source

HANDLER = "crawlers.browser.handler.BrowserDownloadHandler"
# scrapy-playwright's DEFAULT_CONTEXT_NAME, the context of requests that name none (spelt out:
# importing scrapy_playwright.handler would load Scrapy's HTTP/1.1 handler in every crawl)
CONTEXT = "default"
MAX_PAGES = 2  # open pages per crawl: Chromium renderers are heavy on a two-core machine
VIEWPORT = {"width": 1280, "height": 720}
SCREENSHOTS_DIR = "ARMSWATCH_SCREENSHOTS_DIR"
STORAGE_FILE = "ARMSWATCH_BROWSER_STORAGE_FILE"  # a persona's local storage between runs
NOWHERE = "PROXY 127.0.0.1:9"  # the discard port, closed: a request sent there fails


class AppSettings(Protocol):
    """What browser crawls read of `armswatch.settings.AppSettings` (crawlers import no app)."""

    @property
    def chromium(self) -> Path: ...

    @property
    def screenshots_dir(self) -> Path: ...

    @property
    def sessions_dir(self) -> Path: ...


BASE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Playwright passes its own --disable-features list; the last switch wins, so ours repeats it.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "PreconnectToSearch",
)
LEAK_FEATURES = (
    "NetworkPrediction",
    "NetworkService.Prefetch",
    "Prerender2",
    "PrefetchPrivacyChanges",
    "SpeculationRulesPrefetchFuture",
    "PreloadMediaEngagementData",
    "AutofillServerCommunication",
    "CertificateTransparencyComponentUpdater",
    "DialMediaRouteProvider",
    "GlobalMediaControls",
    "InterestFeedContentSuggestions",
    "OptimizationGuideModelDownloading",
    "OptimizationHintsFetching",
    "SafeBrowsingEnhancedProtection",
    "Translate",
    "UseDnsHttpsSvcb",
    "AsyncDns",
    "DnsOverHttps",
)
LEAK_FLAGS = (
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",  # the one headless honours
    "--dns-prefetch-disable",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--safebrowsing-disable-auto-update",
    "--disable-translate",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-field-trial-config",
    "--disable-spell-checking",
    "--no-pings",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + LEAK_FEATURES),
)


def launch_options(
    chromium: str, proxy_server: str | None = None, allowed_hosts: Sequence[str] = ()
) -> dict[str, Any]:
    """Playwright's `launch()` arguments: headless Debian Chromium, leak-proof flags, proxy."""
    args = [*BASE_FLAGS, *LEAK_FLAGS]
    options: dict[str, Any] = {
        "executable_path": chromium,
        "headless": True,
        "args": args,
        # Chromium's pop-up blocker on (Playwright turns it off): a page's script opens no window
        "ignore_default_args": ["--disable-popup-blocking"],
    }
    if proxy_server is not None:
        proxy = urlsplit(proxy_server)
        if not proxy.hostname or not proxy.port:
            raise ValueError(f"not a proxy URL: {proxy_server!r}")
        args.append(f"--proxy-pac-url={pac_url(proxy, allowed_hosts)}")
        args.append(f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {proxy.hostname}")
    return options


def pac_url(proxy: SplitResult, allowed_hosts: Sequence[str]) -> str:
    """A proxy auto-config script, as a data: URL, that sends the allowed hosts (and their
    subdomains) through the proxy and every other request to `NOWHERE`.

    Only string comparisons: a PAC script's DNS functions would resolve names locally.
    """
    kind = "SOCKS5" if proxy.scheme.startswith("socks") else "PROXY"
    route = f"{kind} {proxy.hostname}:{proxy.port}"
    hosts = json.dumps(sorted({host.lower() for host in allowed_hosts}))
    script = (
        "function FindProxyForURL(url, host) {\n"
        f"  var allowed = {hosts};\n"
        "  host = host.toLowerCase();\n"
        "  for (var i = 0; i < allowed.length; i++) {\n"
        "    var name = allowed[i];\n"
        "    if (host === name || host.slice(-name.length - 1) === '.' + name) {\n"
        f"      return {json.dumps(route)};\n"
        "    }\n"
        "  }\n"
        f"  return {json.dumps(NOWHERE)};\n"
        "}\n"
    )
    encoded = base64.b64encode(script.encode()).decode()
    return f"data:application/x-ns-proxy-autoconfig;base64,{encoded}"


def context_options(source: Source) -> dict[str, Any]:
    """The browser context of a source's crawl."""
    return {
        "java_script_enabled": source.browser.javascript,
        "user_agent": USER_AGENT,
        "viewport": dict(VIEWPORT),
        "service_workers": "block",  # a service worker's requests would pass no page route
        "accept_downloads": False,
        "locale": "en-US",
        "timezone_id": "UTC",
    }


def browser_settings(
    source: Source, app: AppSettings, proxy_server: str | None = None
) -> dict[str, Any]:
    """The Scrapy settings of a `render: browser` source (on top of `for_source`)."""
    timeout_ms = source.browser.timeout * 1000
    pages = min(source.rate_limit.concurrency, MAX_PAGES)
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch_options(
            str(app.chromium), proxy_server, source.domains
        ),
        "PLAYWRIGHT_CONTEXTS": {CONTEXT: context_options(source)},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_ABORT_REQUEST": HostGuard(source.name, source.domains),
        "CONCURRENT_REQUESTS": pages,
        "CONCURRENT_REQUESTS_PER_DOMAIN": pages,
        SCREENSHOTS_DIR: str(app.screenshots_dir) if source.browser.screenshot else None,
        STORAGE_FILE: _storage_file(source, app),
        LIMITS: PageLimits.from_options(source.browser).as_setting(),
    }


def _storage_file(source: Source, app: AppSettings) -> str | None:
    """A persona's local storage is kept between runs; an anonymous crawl keeps none."""
    if source.persona is None:
        return None
    return str(storage_file(app.sessions_dir, source.name, source.persona))
