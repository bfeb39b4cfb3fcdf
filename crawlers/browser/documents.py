"""Documents a browser page navigates to, fetched in Python under the crawl's size cap.

Chromium reads, inflates and parses whatever a server sends: a decompression bomb (a megabyte
that inflates to a gibibyte) or a 50 MB page costs gigabytes, and Scrapy's caps
(DOWNLOAD_MAXSIZE) never see a browser download. So every navigation of a frame to a document
(`resource_type == "document"`, `is_navigation_request()`) is fetched here instead, and the
route fulfilled with what came:

- streamed raw with httpx, given up once the Content-Length or the bytes received pass
  `PageLimits.max_rendered_bytes` (`download_too_large`), then decoded (gzip, deflate, br,
  zstd) by Scrapy's own bounded decoders, given up once the decoded bytes pass the same cap
  (`decompression_bomb`); all within `PageLimits.timeout` (`timeout`); a server that drops the
  connection is a `connection_reset`. The navigation is then aborted: the anomaly is its record.
- through the proxy Chromium uses (`settings.BROWSER_PROXY`: a Tor source's own SOCKS port,
  host names resolved by the proxy), else directly; a crawl that must use a proxy and has none
  aborts every document rather than fetch one directly.
- with the request's method, body and headers, and the browser context's cookies for the URL.
  The response keeps its status and headers (Set-Cookie: Chromium stores the cookies; Location:
  a redirect is not followed here: Chromium follows it, see below), without Content-Encoding
  and Content-Length, since the body is decoded.

The body Playwright reports for the navigation (the evidence's server body) is then the
decoded body fulfilled here, not the bytes on the wire.

Not covered: the next hop of a redirect. Playwright routes no redirect (documented for
`page.route`): Chromium follows the Location of a fulfilled 3xx itself, so that hop is neither
capped here nor seen by the host guard's routes (behind a proxy, the PAC script still sends
other hosts nowhere).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass
from http.cookiejar import CookieJar
from io import BytesIO
from typing import Any, Protocol

import httpx
import socksio
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import Route
from scrapy.utils._compression import (  # the decoders of Scrapy's HttpCompressionMiddleware
    _DecompressionMaxSizeExceeded,
    _inflate,
    _unbrotli,
    _unzstd,
)
from scrapy.utils.gz import gunzip

from crawlers.anomalies import record_anomaly
from crawlers.browser.limits import PageLimits

logger = logging.getLogger(__name__)

FETCHED_STAT = "armswatch/browser/documents"  # documents fetched here and handed to Chromium

ACCEPT_ENCODING = "gzip, deflate, br, zstd"
DECODERS = {
    "gzip": gunzip,
    "x-gzip": gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
# not forwarded: connection-level headers, and those httpx sets from what it sends
REQUEST_HEADERS_DROPPED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "cookie",
        "accept-encoding",
    }
)
RESPONSE_HEADERS_DROPPED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}
)


class _Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


class DocumentRefusedError(Exception):
    """A document the cap refuses: `kind` is its anomaly, `detail` what was seen."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Document:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoCookies(CookieJar):
    """The browser context holds the cookies: httpx keeps none."""

    def set_cookie(self, cookie: Any) -> None:
        return

    def extract_cookies(self, response: Any, request: Any) -> None:
        return


def is_document_navigation(request: PlaywrightRequest) -> bool:
    """A frame navigating to a document (a page, an iframe, a redirect's next hop)."""
    return request.resource_type == "document" and request.is_navigation_request()


class DocumentFetcher:
    """Fetches documents for routes, under `limits` (see the module)."""

    def __init__(
        self,
        limits: PageLimits,
        stats: _Stats | None,
        proxy: str | None = None,
        *,
        require_proxy: bool = False,
    ) -> None:
        self.limits = limits
        self.stats = stats
        self.proxy = httpx_proxy(proxy)
        self.refuse_all = require_proxy and proxy is None
        self._client: httpx.AsyncClient | None = None

    async def serve(
        self, route: Route, request: PlaywrightRequest, overrides: dict[str, Any] | None = None
    ) -> None:
        """Fulfil `route` with the document, or abort it (counted as an anomaly)."""
        url = request.url
        try:
            async with asyncio.timeout(self.limits.timeout):
                document = await self._fetch(request, overrides or {})
        except DocumentRefusedError as refused:
            await self._refuse(route, url, refused.kind, refused.detail, "blockedbyclient")
        except (TimeoutError, httpx.TimeoutException):
            detail = f"no whole answer within {self.limits.timeout:g} s"
            await self._refuse(route, url, "timeout", detail, "timedout")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
            await self._refuse(route, url, "connection_reset", str(error), "connectionreset")
        except (httpx.HTTPError, socksio.ProtocolError) as error:
            _log_failure(url, error)
            await _abort(route, "failed")
        else:
            if self.stats is not None:
                self.stats.inc_value(FETCHED_STAT)
            with suppress(PlaywrightError):  # the page closed meanwhile
                await route.fulfill(
                    status=document.status, headers=document.headers, body=document.body
                )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _fetch(self, request: PlaywrightRequest, overrides: dict[str, Any]) -> Document:
        if self.refuse_all:
            raise httpx.ConnectError("the crawl must use a proxy and the browser has none")
        method = str(overrides.get("method") or request.method)
        body = overrides.get("post_data")
        content = body.encode() if isinstance(body, str) else request.post_data_buffer
        headers = await _request_headers(request, overrides)
        async with self.client().stream(
            method, request.url, content=content or None, headers=headers
        ) as answer:
            raw = await self._read_raw(answer)
            return Document(
                answer.status_code, _response_headers(answer), self._decode(answer, raw)
            )

    async def _read_raw(self, answer: httpx.Response) -> bytes:
        cap = self.limits.max_rendered_bytes
        declared = answer.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise DocumentRefusedError(
                "download_too_large", f"announced {declared} bytes, over the cap of {cap}"
            )
        raw = BytesIO()
        async for chunk in answer.aiter_raw():
            raw.write(chunk)
            if raw.tell() > cap:
                detail = f"more than {cap} bytes received, over the cap"
                raise DocumentRefusedError("download_too_large", detail)
        return raw.getvalue()

    def _decode(self, answer: httpx.Response, raw: bytes) -> bytes:
        """The body decoded (last encoding applied first), never past the cap."""
        cap = self.limits.max_rendered_bytes
        encodings = answer.headers.get("content-encoding", "").lower().split(",")
        body = raw
        for encoding in reversed([name.strip() for name in encodings if name.strip()]):
            decoder = DECODERS.get(encoding)
            if decoder is None:  # "identity", or one Chromium could not decode either
                continue
            try:
                body = decoder(body, max_size=cap)
            except _DecompressionMaxSizeExceeded as error:
                detail = f"{len(raw)} bytes of {encoding} inflate past the cap of {cap}"
                raise DocumentRefusedError("decompression_bomb", detail) from error
            except Exception as error:  # a corrupt body: what Chromium would show as an error
                raise httpx.DecodingError(f"{encoding}: {error}") from error
        return body

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                proxy=self.proxy,
                trust_env=False,
                follow_redirects=False,
                cookies=_NoCookies(),
                timeout=self.limits.timeout,
            )
            for name in ("accept", "accept-encoding", "user-agent"):  # the browser's go out
                self._client.headers.pop(name, None)
        return self._client

    async def _refuse(self, route: Route, url: str, kind: str, detail: str, code: str) -> None:
        record_anomaly(self.stats, kind, url, detail=f"browser document: {detail}")
        await _abort(route, code)


def httpx_proxy(browser_proxy: str | None) -> str | None:
    """httpx's URL of Chromium's proxy: `socks5h` (names resolved by the proxy) for SOCKS."""
    if browser_proxy is None:
        return None
    scheme, rest = browser_proxy.split("://", 1)
    return f"socks5h://{rest}" if scheme.startswith("socks") else browser_proxy


async def _request_headers(
    request: PlaywrightRequest, overrides: dict[str, Any]
) -> list[tuple[str, str]]:
    """The browser's headers (or scrapy-playwright's override), the context's cookies."""
    given = overrides.get("headers") or await request.all_headers()
    headers = [
        (name, str(value))
        for name, value in given.items()
        if name.lower() not in REQUEST_HEADERS_DROPPED and not name.startswith(":")
    ]
    headers.append(("accept-encoding", ACCEPT_ENCODING))
    sent = next((str(value) for name, value in given.items() if name.lower() == "cookie"), "")
    cookies = cookie_header(await _context_cookies(request), sent)
    if cookies:
        headers.append(("cookie", cookies))
    return headers


async def _context_cookies(request: PlaywrightRequest) -> list[tuple[str, str]]:
    try:
        context = request.frame.page.context
    except PlaywrightError:  # no frame (a service worker's request): no cookies
        return []
    return [(cookie["name"], cookie["value"]) for cookie in await context.cookies(request.url)]


def cookie_header(context: list[tuple[str, str]], sent: str) -> str:
    """The context's cookies, those of the request's own `Cookie` header (the session Scrapy
    holds: a re-login) taking the place of any of the same name."""
    jar = dict(reversed(context))  # the first of a name wins, as Chromium sends the most specific
    for pair in sent.split(";"):
        name, found, value = pair.strip().partition("=")
        if found and name:
            jar[name] = value
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def _response_headers(answer: httpx.Response) -> dict[str, str]:
    """One value per name, as `route.fulfill` takes them: Set-Cookie values joined by new
    lines (Playwright splits them again), others by commas."""
    headers: dict[str, list[str]] = {}
    for name, value in answer.headers.multi_items():
        if name.lower() not in RESPONSE_HEADERS_DROPPED:
            headers.setdefault(name.lower(), []).append(value)
    return {
        name: ("\n" if name == "set-cookie" else ", ").join(values)
        for name, values in headers.items()
    }


async def _abort(route: Route, code: str) -> None:
    with suppress(PlaywrightError):  # the page closed meanwhile
        await route.abort(code)


def _log_failure(url: str, error: BaseException) -> None:
    logger.warning(
        "browser document not fetched: %s: %s",
        url,
        error,
        extra={"event": "browser_document_failed", "url": url, "error": type(error).__name__},
    )


class CappedRoute:
    """A route whose `continue_` fetches the document with `fetcher` (scrapy-playwright's page
    route continues with its overrides of method, body and headers: they are kept)."""

    def __init__(self, route: Route, request: PlaywrightRequest, fetcher: DocumentFetcher):
        self._route = route
        self._request = request
        self._fetcher = fetcher

    async def continue_(self, **overrides: Any) -> None:
        await self._fetcher.serve(self._route, self._request, overrides)

    async def abort(self, error_code: str | None = None) -> None:
        await self._route.abort(error_code)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._route, name)
