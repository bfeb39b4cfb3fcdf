"""Charsets checked against the bytes: a page mislabelled or unlabelled is decoded as detected.

Scrapy decodes a page with the charset its `Content-Type` header or `<meta>` declares, and
replaces what does not decode (a cp1251 page served as UTF-8 becomes rows of U+FFFD); a page
that declares none is decoded as UTF-8 if it can be, else as cp1252, which turns Cyrillic
into Latin gibberish. Either way the listing's text is lost without a sign. Here a page whose
bytes do not decode with its declared charset, or that declares none and is not UTF-8, is
decoded with the charset `charset_normalizer` detects, and the anomaly is counted
(`charset_mislabelled`, `charset_missing`). The body is left as it was sent (the evidence
keeps the server's bytes); only its decoding changes. Pages rendered by the browser are
Chromium's DOM, already decoded, and pass untouched.
"""

from __future__ import annotations

import codecs
from typing import Self

import charset_normalizer
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawlers.anomalies import record_anomaly

SAMPLE_BYTES = 64 * 1024  # enough of a page to detect its charset, and cheap


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        codecs.decode(body, encoding, "strict")
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detected_charset(body: bytes) -> str | None:
    """The charset `charset_normalizer` finds most likely for the start of `body`."""
    best = charset_normalizer.from_bytes(body[:SAMPLE_BYTES]).best()
    return best.encoding if best is not None else None


def charset_anomaly(response: TextResponse) -> tuple[str, str, str] | None:
    """(kind, declared, detected) when the page is not in the charset Scrapy would use."""
    body = response.body
    if body.isascii() or read_bom(body)[0] is not None:
        return None
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    if declared is not None and _decodes(body, declared):
        return None
    if declared is None and _decodes(body, "utf-8"):
        return None
    detected = detected_charset(body)
    if detected is None or (declared is not None and codecs.lookup(detected).name == declared):
        return None
    kind = "charset_mislabelled" if declared else "charset_missing"
    return kind, declared or "none", detected


class CharsetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or request.meta.get("playwright"):
            return response
        found = charset_anomaly(response)
        if found is None:
            return response
        kind, declared, detected = found
        record_anomaly(
            self.crawler.stats,
            kind,
            response.url,
            detail=f"declared {declared}, decoded as {detected}",
        )
        return response.replace(encoding=detected)
