"""A Scrapy download handler that sends every request through a SOCKS5 or HTTP proxy (httpx).

Why this route: Scrapy has no SOCKS support of its own; its httpx and aiohttp handlers are
marked experimental in Scrapy 2.19; Privoxy (SOCKS behind an HTTP proxy) cannot pass Tor
isolation credentials per source without one Privoxy instance per source. httpx (with
socksio) is maintained, speaks SOCKS5 with user name/password (Tor's IsolateSOCKSAuth) and
always sends the host name to the proxy as a domain name (ATYP 3), so nothing is resolved
locally: httpx 0.28 accepts `socks5h://` and treats it like `socks5://` (remote DNS in both).

The handler keeps one `httpx.AsyncClient` per proxy URL (credentials included, so one per
isolation group), with no environment proxies, no redirects (Scrapy's RedirectMiddleware does
them) and no cookie jar (Scrapy's CookiesMiddleware does). Bodies are streamed raw, still
encoded, so HttpCompressionMiddleware decompresses them with its own size caps, and a download
stops once it passes DOWNLOAD_MAXSIZE. With ARMSWATCH_REQUIRE_PROXY (a tor or i2p crawl) a
request without a proxy raises `ProxyRequiredError` and is never sent; when the proxy is down
the request fails (`ProxyUnavailableError`): nothing ever falls back to a direct connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from http.cookiejar import CookieJar
from io import BytesIO
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import socksio
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawlers.network.errors import (
    UNREACHABLE_REPLIES,
    DestinationUnreachableError,
    ProxyRequiredError,
    ProxyUnavailableError,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

_HTTPX_DEFAULT_HEADERS = ("accept", "accept-encoding", "user-agent")


class _NoCookies(CookieJar):
    """Cookies are Scrapy's business (CookiesMiddleware): httpx keeps none."""

    def set_cookie(self, cookie: Any) -> None:
        return

    def extract_cookies(self, response: Any, request: Any) -> None:
        return


class ProxiedDownloadHandler(BaseDownloadHandler):
    """HTTP(S) downloads through the proxy in `request.meta["proxy"]`."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.require_proxy = settings.getbool("ARMSWATCH_REQUIRE_PROXY")
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.warnsize = settings.getint("DOWNLOAD_WARNSIZE")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.verify = settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES", False)
        pool = settings.getint("CONCURRENT_REQUESTS") or None
        self.limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        self._clients: dict[str | None, httpx.AsyncClient] = {}

    async def download_request(self, request: Request) -> Response:
        proxy = request.meta.get("proxy")
        if not proxy and self.require_proxy:
            logger.error(
                "refused a request without a proxy",
                extra={"event": "proxy_required", "url": request.url},
            )
            raise ProxyRequiredError(f"no proxy for {request.url}: refused, never sent directly")
        client = self._client(proxy)
        timeout = float(request.meta.get("download_timeout") or self.timeout)
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                return await self._fetch(client, request, timeout, started)
        except TimeoutError as error:
            raise DownloadTimeoutError(f"{request.url} took longer than {timeout} s") from error
        except httpx.HTTPError as error:
            _raise_scrapy_error(error, request, proxied=bool(proxy))
        except socksio.ProtocolError as error:
            raise DownloadFailedError(f"{request.url}: SOCKS protocol error: {error}") from error

    async def _fetch(
        self, client: httpx.AsyncClient, request: Request, timeout: float, started: float
    ) -> Response:
        headers = request.headers.copy()
        headers.pop(b"Proxy-Authorization", None)  # never forwarded to a site
        async with client.stream(
            request.method,
            request.url,
            content=request.body or None,
            headers=headers.to_tuple_list(),
            timeout=timeout,
        ) as answer:
            request.meta["download_latency"] = time.monotonic() - started
            response_headers = Headers()
            for name, value in answer.headers.raw:
                response_headers.appendlist(name, value)
            body = await self._read_body(answer, request)
        respcls = responsetypes.from_args(headers=response_headers, url=request.url, body=body)
        return respcls(
            url=request.url,
            status=answer.status_code,
            headers=response_headers,
            body=body,
            protocol=answer.http_version,
        )

    async def _read_body(self, answer: httpx.Response, request: Request) -> bytes:
        maxsize = int(request.meta.get("download_maxsize", self.maxsize))
        warnsize = int(request.meta.get("download_warnsize", self.warnsize))
        declared = answer.headers.get("content-length")
        if maxsize and declared and declared.isdigit() and int(declared) > maxsize:
            _cancel_maxsize(int(declared), maxsize, request, expected=True)
        body = BytesIO()
        warned = False
        try:
            async for chunk in answer.aiter_raw():
                body.write(chunk)
                if maxsize and body.tell() > maxsize:
                    _cancel_maxsize(body.tell(), maxsize, request, expected=False)
                if warnsize and body.tell() > warnsize and not warned:
                    warned = True
                    logger.warning(
                        "large response: over %d bytes from %s",
                        warnsize,
                        request.url,
                        extra={"event": "download_warnsize", "url": request.url},
                    )
        except httpx.RemoteProtocolError as error:
            raise ResponseDataLossError(f"{request.url}: incomplete body ({error})") from error
        return body.getvalue()

    def _client(self, proxy: str | None) -> httpx.AsyncClient:
        client = self._clients.get(proxy)
        if client is None:
            client = self._clients[proxy] = self._make_client(proxy)
        return client

    def _make_client(self, proxy: str | None) -> httpx.AsyncClient:
        proxy_config = None
        if proxy:
            try:  # takes the credentials out of the URL; only socks5(h) and http(s) schemes
                proxy_config = httpx.Proxy(proxy)
            except ValueError as error:
                raise UnsupportedURLSchemeError(f"unsupported proxy scheme: {error}") from error
        client = httpx.AsyncClient(
            proxy=proxy_config,
            trust_env=False,
            follow_redirects=False,
            cookies=_NoCookies(),
            verify=self.verify,
            limits=self.limits,
        )
        for name in _HTTPX_DEFAULT_HEADERS:  # only the headers Scrapy sets go out
            client.headers.pop(name, None)
        return client

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def _cancel_maxsize(size: int, limit: int, request: Request, *, expected: bool) -> NoReturn:
    what = "announced" if expected else "received"
    message = f"{request.url}: {what} {size} bytes, more than the maximum of {limit}"
    logger.warning(message, extra={"event": "download_maxsize", "url": request.url, "limit": limit})
    raise DownloadCancelledError(message)


def _raise_scrapy_error(error: httpx.HTTPError, request: Request, *, proxied: bool) -> NoReturn:
    """Re-raise an httpx error as the Scrapy exception its retry logic knows."""
    url = request.url
    if isinstance(error, httpx.TimeoutException):
        raise DownloadTimeoutError(f"{url}: timed out ({type(error).__name__})") from error
    if isinstance(error, httpx.ProxyError):
        reason = _unreachable_reason(str(error))
        if reason is not None:
            raise DestinationUnreachableError(f"{url}: {reason} (proxy reply)", reason) from error
        raise DownloadFailedError(f"{url}: proxy error: {error}") from error
    if isinstance(error, httpx.ConnectError) and proxied:
        raise ProxyUnavailableError(f"{url}: cannot connect to the proxy ({error})") from error
    if isinstance(error, httpx.ConnectError):
        raise DownloadConnectionRefusedError(f"{url}: {error}") from error
    if isinstance(error, httpx.UnsupportedProtocol):
        raise UnsupportedURLSchemeError(f"{url}: {error}") from error
    if isinstance(error, httpx.RemoteProtocolError):
        raise ResponseDataLossError(f"{url}: {error}") from error
    raise DownloadFailedError(f"{url}: {type(error).__name__}: {error}") from error


def _unreachable_reason(message: str) -> str | None:
    return next((phrase.lower() for phrase in UNREACHABLE_REPLIES if phrase in message), None)
