"""What a response becomes in the evidence store: the records that carry a payload.

A static page is one `response` record. A page rendered in Chromium (scrapy-playwright's
`meta["playwright"]`) is three: the `response` (the server's own bytes, when the browser
handler kept them in `meta.SERVER_BODY`; else its headers only, marked truncated), the DOM as
rendered, which is the body Scrapy gets and the spider parses (`urn:view:<url>`), and the
full-page screenshot, if one was taken (`urn:screenshot:<url>`), both `resource` records.

Each payload is hashed once (SHA-256), for the digest index and for its WARC digest.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from scrapy.http import Request, Response
from warcio.statusandheaders import StatusAndHeadersParser

from crawlers.browser.actions import screenshot_png
from crawlers.evidence.http_blocks import HttpBlock, response_block
from crawlers.evidence.meta import SERVER_BODY


@dataclass(frozen=True)
class Payload:
    """A `response` or `resource` record before it is written."""

    uri: str
    record_type: str  # response / resource
    payload: bytes
    http: HttpBlock | None = None  # response records
    content_type: str | None = None  # resource records
    truncated: bool = False  # a response record without the server's bytes
    record_id: str = field(default_factory=StatusAndHeadersParser.make_warc_id)

    @cached_property
    def _sha256(self) -> bytes:
        return hashlib.sha256(self.payload).digest()

    @property
    def sha256(self) -> str:
        return self._sha256.hex()

    @property
    def digest(self) -> str:
        """The payload digest as WARC holds it, `sha256:<base32>`."""
        return digest_label(self._sha256)

    @property
    def dedupable(self) -> bool:
        """Whether a later capture of the same payload may be a revisit of this one."""
        return bool(self.payload) and not self.truncated


def payloads_of(request: Request, response: Response) -> list[Payload]:
    """The response, then for a browser page its rendered view and screenshot (the meta is the
    request's: in a downloader middleware, `response.meta` is not there yet)."""
    if not request.meta.get("playwright"):
        return [
            Payload(
                response.url, "response", response.body, response_block(response, response.body)
            )
        ]
    server_body = request.meta.get(SERVER_BODY)
    body = server_body if isinstance(server_body, bytes) else b""
    http = response_block(response, body)
    charset = getattr(response, "encoding", None) or "utf-8"
    payloads = [
        Payload(response.url, "response", body, http, truncated=not isinstance(server_body, bytes)),
        Payload(
            f"urn:view:{response.url}",
            "resource",
            response.body,
            content_type=f"text/html; charset={charset}",
        ),
    ]
    png = screenshot_png(request)
    if png is not None:
        uri = f"urn:screenshot:{response.url}"
        payloads.append(Payload(uri, "resource", png, content_type="image/png"))
    return payloads


def digest_label(sha256: bytes) -> str:
    """A SHA-256 digest in warcio's form (as `warcio.utils.Digester("sha256")` writes it)."""
    return "sha256:" + base64.b32encode(sha256).decode("ascii")
