"""The HTTP parts of WARC `request`, `response` and `revisit` records, made from Scrapy objects.

A downloader middleware gets a response's body as the crawl read it: de-chunked, and
decompressed by Scrapy's HttpCompressionMiddleware, which then drops `Content-Encoding`
(scrapy-playwright drops it too). A record must describe the bytes it holds, so the headers
about the transfer that are no longer true of them are kept under pywb's `X-Archive-Orig-`
prefix: `Transfer-Encoding` always, `Content-Length` when it is not the stored body's length
(the true length is set instead). Everything else is as received, in order.

Request records hold the headers Scrapy set on the request (its HTTP client adds `Host` and
`Connection`; Chromium sends its own on browser pages) and never a credential:
`Authorization` and `Proxy-Authorization` are left out, and so is the body of the requests the
challenge middleware sends itself (its login form holds the persona's password): the record
then says `WARC-Truncated`. Cookies stay: they are the session the page was seen in.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy.http import Headers, Request, Response
from warcio.statusandheaders import StatusAndHeaders

from crawlers.challenges.pages import INTERNAL

ORIGINAL = "X-Archive-Orig-"
_WITHHELD = frozenset({"authorization", "proxy-authorization"})
_DEFAULT_PROTOCOL = "HTTP/1.1"


@dataclass(frozen=True)
class HttpBlock:
    """The HTTP status line and headers of a record, and the payload that follows them."""

    head: StatusAndHeaders
    payload: bytes
    truncated: bool = False  # part of what was sent is withheld (a credential)

    @property
    def head_bytes(self) -> bytes:
        """The status line and headers as the record holds them (computed once, as warcio
        writes them)."""
        if self.head.headers_buff is None:
            self.head.compute_headers_buffer()
        assert self.head.headers_buff is not None
        return bytes(self.head.headers_buff)


def request_block(request: Request) -> HttpBlock:
    """The request line, the headers Scrapy sent (no credentials) and the body."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [pair for pair in _pairs(request.headers) if pair[0].lower() not in _WITHHELD]
    withhold_body = bool(request.meta.get(INTERNAL)) and bool(request.body)
    head = StatusAndHeaders(
        f"{request.method} {target} {_DEFAULT_PROTOCOL}", headers, is_http_request=True
    )
    return HttpBlock(head, b"" if withhold_body else request.body, truncated=withhold_body)


def response_block(response: Response, body: bytes) -> HttpBlock:
    """The status line and headers of `response` over `body`, the bytes the record stores."""
    length = str(len(body))
    headers: list[tuple[str, str]] = []
    for name, value in _pairs(response.headers):
        lower = name.lower()
        if lower == "transfer-encoding":
            headers.append((ORIGINAL + name, value))
        elif lower == "content-length" and value != length:
            headers += [(ORIGINAL + name, value), ("Content-Length", length)]
        else:
            headers.append((name, value))
    head = StatusAndHeaders(_status_line(response.status), headers, protocol=_protocol(response))
    return HttpBlock(head, body)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _protocol(response: Response) -> str:
    protocol = getattr(response, "protocol", None)
    return protocol if isinstance(protocol, str) and protocol else _DEFAULT_PROTOCOL


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    """Every (name, value) of Scrapy's headers, a repeated header once per value."""
    return [
        (_text(name), _text(value)) for name, values in headers.items() for value in values or ()
    ]


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value
