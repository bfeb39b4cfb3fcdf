"""The proxied download handler on its own: size cap, time-out, errors, headers, fail-closed."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from armswatch.demo.onion_proxy import OnionProxy
from crawlers.network.errors import (
    DestinationUnreachableError,
    ProxyRequiredError,
    ProxyUnavailableError,
)
from crawlers.network.proxied_handler import ProxiedDownloadHandler
from crawlers.network.routing import proxy_route

SITE = "testsite2fj5dlzwgrc4hyt6pa2ensuo7wq3mlkxvb5dfhaobsidn3xq7vd.onion"


class RawSite:
    """A loopback server that answers each connection with `behaviour` and records requests."""

    def __init__(self) -> None:
        self.behaviour = "ok"
        self.requests: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            self.requests.append(head)
            if self.behaviour == "stall":
                self._stop.wait(5)
            elif self.behaviour == "big":  # no Content-Length: the cap applies while streaming
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
                for _ in range(64):
                    conn.sendall(b"x" * 1024)
            elif self.behaviour == "announced":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            else:
                body = b"<html><body>fine</body></html>"
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: identity\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )

    def close(self) -> None:
        self._stop.set()
        self._server.close()


@pytest.fixture
def site() -> Iterator[RawSite]:
    raw = RawSite()
    yield raw
    raw.close()


@pytest.fixture
def proxy(site: RawSite) -> Iterator[OnionProxy]:
    with OnionProxy({SITE: ("127.0.0.1", site.port)}) as onion_proxy:
        yield onion_proxy


def _download(request: Request, **settings: Any) -> Response:
    crawler = get_crawler(settings_dict={"ARMSWATCH_REQUIRE_PROXY": True, **settings})
    handler = ProxiedDownloadHandler(crawler)

    async def fetch() -> Response:
        try:
            return await handler.download_request(request)
        finally:
            await handler.close()

    return asyncio.run(fetch())


def _request(proxy: OnionProxy, host: str = SITE, **meta: Any) -> Request:
    route = proxy_route("tor", proxy.url, "handler-test")
    assert route is not None
    return Request(f"http://{host}/page", meta={"proxy": route.url, **meta})


def test_a_page_comes_through_the_proxy_with_only_scrapys_headers(
    site: RawSite, proxy: OnionProxy
) -> None:
    request = _request(proxy)
    request.headers[b"User-Agent"] = b"Mozilla/5.0"
    request.headers[b"Proxy-Authorization"] = b"Basic c2VjcmV0OnNlY3JldA=="
    response = _download(request)
    assert response.status == 200 and b"fine" in response.body
    assert response.headers[b"Content-Encoding"] == b"identity"  # raw: Scrapy decodes
    sent = site.requests[0].lower()
    assert b"python-httpx" not in sent and b"proxy-authorization" not in sent
    assert b"user-agent: mozilla/5.0" in sent
    [connection] = proxy.connections
    assert connection.username == "handler-test" and connection.address_type == "domain"


def test_a_body_over_the_size_cap_is_abandoned(site: RawSite, proxy: OnionProxy) -> None:
    site.behaviour = "big"
    with pytest.raises(DownloadCancelledError, match="more than the maximum of 10000"):
        _download(_request(proxy, download_maxsize=10_000))


def test_an_announced_size_over_the_cap_is_refused(site: RawSite, proxy: OnionProxy) -> None:
    site.behaviour = "announced"
    with pytest.raises(DownloadCancelledError, match="announced 1000000 bytes"):
        _download(_request(proxy), DOWNLOAD_MAXSIZE=50_000)


def test_a_stalled_site_times_out(site: RawSite, proxy: OnionProxy) -> None:
    site.behaviour = "stall"
    with pytest.raises(DownloadTimeoutError):
        _download(_request(proxy, download_timeout=0.5))


def test_an_unknown_onion_is_unreachable(proxy: OnionProxy) -> None:
    other = "unknown" + SITE[7:]
    with pytest.raises(DestinationUnreachableError) as caught:
        _download(_request(proxy, host=other))
    assert caught.value.reason == "host unreachable"


def test_no_proxy_no_request(site: RawSite) -> None:
    with pytest.raises(ProxyRequiredError):
        _download(Request(f"http://127.0.0.1:{site.port}/"))
    assert site.requests == []


def test_a_stopped_proxy_fails_and_nothing_goes_direct(site: RawSite, proxy: OnionProxy) -> None:
    request = _request(proxy)
    proxy.stop()
    with pytest.raises(ProxyUnavailableError):
        _download(request)
    assert site.requests == []
