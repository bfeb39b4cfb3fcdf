"""Serve Hostile Bazaar on loopback, for tests and `armswatch demo --hostile`.

    with HostileSite() as site:          # port 0: a free port
        site.base_url                    # e.g. 'http://127.0.0.1:40213'

Like `armswatch.demo.server.DemoSites`: a `ThreadingHTTPServer` with HTTP/1.1 keep-alive,
quiet logs and daemon threads. Unlike it, some handlers here hold a connection for minutes on
purpose, so stopping must not wait for clients: the slow handlers wait on a `stopping` event,
and `stop()` sets it and shuts down every open connection, so all handler threads end within
moments and `__exit__` returns at once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from armswatch.demo.hostile import bombs, browser_pages, pages, payloads, traps
from armswatch.demo.hostile.exchange import Exchange, Route, find_route
from armswatch.demo.hostile.network import NetworkPages

LOG = logging.getLogger(__name__)
DEFAULT_PORT = 8305


def site_routes(network: NetworkPages) -> tuple[Route, ...]:
    """Every page of the site; `network` holds the state of its rate-limited and flaky pages."""
    return (
        *pages.ROUTES,
        *bombs.ROUTES,
        *payloads.ROUTES,
        *traps.ROUTES,
        *network.routes(),
        *browser_pages.ROUTES,
    )


class _HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # `HostileSite.stop` ends the connections; never wait on a client

    def __init__(self, address: tuple[str, int], routes: Sequence[Route]) -> None:
        super().__init__(address, _Handler)
        self.routes = tuple(routes)
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def track(self, connection: socket.socket, *, is_open: bool) -> None:
        with self._open_lock:
            (self._open.add if is_open else self._open.discard)(connection)

    def close_connections(self) -> None:
        """Shut down every open connection (a handler blocked reading a keep-alive socket sees
        the end of the stream and returns)."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed or reset
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # clients of a hostile site hang up mid-answer
            return
        LOG.warning(
            "hostile site: a handler failed",
            exc_info=True,
            extra={"event": "hostile.handler_failed", "client": str(client_address)},
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers reuse connections
    disable_nagle_algorithm = True  # a dripped byte goes out on its own
    server_version = "HostileBazaar/1.0"
    timeout = 60  # an idle keep-alive connection, or a client that stopped reading, is dropped

    def setup(self) -> None:
        super().setup()
        self._server().track(self.connection, is_open=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self._server().track(self.connection, is_open=False)

    def _server(self) -> _HostileServer:
        assert isinstance(self.server, _HostileServer)
        return self.server

    def do_GET(self) -> None:
        server = self._server()
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        found = find_route(server.routes, parts.path or "/")
        params = found[1] if found else ()
        exchange = Exchange(self, server.stopping, path=parts.path, query=query, params=params)
        if found is None:
            pages.not_found(exchange)
            return
        found[0].handler(exchange)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: a crawl makes thousands of requests and many fail on purpose."""


class HostileSite:
    """Hostile Bazaar, served on `host`:`port` (0: a free port) from a background thread."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self._port = port  # the bound port once started
        self._server: _HostileServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> HostileSite:
        if self._server is not None:
            return self
        server = _HostileServer((self.host, self._port), site_routes(NetworkPages()))
        self._port = int(server.server_address[1])
        thread = threading.Thread(target=server.serve_forever, name="hostile-site", daemon=True)
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.stopping.set()  # slow handlers return now
        server.shutdown()  # the accept loop ends (within its 0.5 s poll)
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> HostileSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = ["DEFAULT_PORT", "HostileSite", "site_routes"]
