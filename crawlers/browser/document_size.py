"""A browser page's documents within the download size cap, decompression bombs included.

Chromium has no size limit on what it loads: a 1 MB gzip bomb inflates to a gibibyte that the
renderer parses for minutes, past 5 GB of memory on the way. Scrapy's caps
(`DOWNLOAD_MAXSIZE`, `crawlers.safety.downloads`) never see a browser page's bytes. So each
page the crawl opens gets a DevTools session of its own that follows the bytes its documents
receive, as decoded for the renderer (`Network.dataReceived`): once a document of the page
passes the cap, the page is closed (its renderer and memory go with it) and the watch says why
(`Oversize`). Closing within a fraction of a second keeps the renderer near the cap (6 to
10 MB of a gzip, deflate or brotli bomb on the hostile fixture, against 228 MB and 1.1 GB of
memory a minute into it unwatched).

The session only listens: it changes no request and no response.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

COMPRESSED = "decompression_bomb"
TOO_LARGE = "download_too_large"


@dataclass(frozen=True)
class Oversize:
    """A document that passed the cap: its URL, the bytes received (decoded) and on the wire."""

    url: str
    received: int
    encoded: int
    content_encoding: str

    @property
    def kind(self) -> str:
        """The anomaly: a bomb when the server compressed it, an oversized page otherwise."""
        return COMPRESSED if self.content_encoding else TOO_LARGE

    def detail(self, cap: int) -> str:
        wire = f"{self.encoded} bytes on the wire, " if self.encoded else ""
        encoding = f" ({self.content_encoding})" if self.content_encoding else ""
        return f"{wire}over {cap} bytes{encoding} in the browser, page closed"


class DocumentSizeWatch:
    """Closes `page` once one of its documents receives more than `cap` bytes."""

    def __init__(self, page: Page, cap: int) -> None:
        self.page = page
        self.cap = cap
        self.oversize: Oversize | None = None
        self._documents: dict[str, str] = {}  # request id: URL
        self._encodings: dict[str, str] = {}
        self._received: dict[str, list[int]] = {}  # request id: [decoded, encoded]
        self._closing: asyncio.Task[None] | None = None

    @classmethod
    async def attach(cls, page: Page, cap: int) -> DocumentSizeWatch:
        watch = cls(page, cap)
        session = await page.context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", watch._on_request)
        session.on("Network.responseReceived", watch._on_response)
        session.on("Network.dataReceived", watch._on_data)
        await session.send("Network.enable")
        return watch

    def _on_request(self, event: dict[str, Any]) -> None:
        if event.get("type") == "Document":
            self._documents[event["requestId"]] = event["request"]["url"]

    def _on_response(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self._documents:
            headers = event["response"].get("headers") or {}
            encoding = next((v for k, v in headers.items() if k.lower() == "content-encoding"), "")
            self._encodings[event["requestId"]] = str(encoding)

    def _on_data(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        if request_id not in self._documents or self.oversize is not None:
            return
        received = self._received.setdefault(request_id, [0, 0])
        received[0] += int(event.get("dataLength") or 0)
        received[1] += int(event.get("encodedDataLength") or 0)
        if received[0] > self.cap:
            url, encoding = self._documents[request_id], self._encodings.get(request_id, "")
            self.oversize = Oversize(url, received[0], received[1], encoding)
            self._closing = asyncio.ensure_future(self._close())

    async def _close(self) -> None:
        with suppress(PlaywrightError):  # closed already
            await self.page.close()
