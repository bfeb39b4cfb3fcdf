"""One HTTP exchange of the hostile site, as its page handlers see it.

The hostile pages do more than answer with a body: they drip bytes, stall after the headers,
reset the connection. `Exchange` gives a handler exactly those moves over the raw
`BaseHTTPRequestHandler`, and ties every wait to the site's `stopping` event, so a slow handler
ends as soon as the site shuts down instead of holding a thread for minutes.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

HTML = "text/html; charset=utf-8"
Headers = Sequence[tuple[str, str]]


class Exchange:
    """A request (path, query, route parameters) and the ways to answer it."""

    def __init__(
        self,
        handler: BaseHTTPRequestHandler,
        stopping: threading.Event,
        *,
        path: str,
        query: Mapping[str, str],
        params: tuple[str, ...] = (),
    ) -> None:
        self._handler = handler
        self._stopping = stopping
        self.path = path
        self.query = query
        self.params = params

    def send(
        self,
        body: bytes,
        *,
        status: int = 200,
        content_type: str | None = HTML,
        headers: Headers = (),
    ) -> None:
        """A whole response with its Content-Length."""
        self.send_stream(
            (body,), len(body), status=status, content_type=content_type, headers=headers
        )

    def send_stream(
        self,
        chunks: Iterable[bytes],
        length: int,
        *,
        status: int = 200,
        content_type: str | None = HTML,
        headers: Headers = (),
    ) -> None:
        """A response whose body is written chunk by chunk (`length` bytes in all)."""
        typed = [("Content-Type", content_type)] if content_type else []
        self.start(status, [*typed, ("Content-Length", str(length)), *headers])
        for chunk in chunks:
            if not self.write(chunk):
                return

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(b"", status=status, content_type=None, headers=[("Location", location)])

    def start(self, status: int, headers: Headers) -> None:
        """The status line and headers; the body is up to the handler."""
        self._handler.send_response(status)
        for name, value in headers:
            self._handler.send_header(name, value)
        self._handler.end_headers()

    def write(self, data: bytes) -> bool:
        """Send body bytes now; False (and the connection is dropped) if the client has gone."""
        try:
            self._handler.wfile.write(data)
        except (
            OSError
        ):  # broken pipe, reset, or the socket timeout of a client that stopped reading
            self.close_when_done()
            return False
        return True

    def pause(self, seconds: float) -> bool:
        """Wait; True if the whole time passed, False as soon as the site is stopping."""
        return not self._stopping.wait(seconds)

    def close_when_done(self) -> None:
        """Close the connection after this handler (no keep-alive: the body is incomplete)."""
        self._handler.close_connection = True

    def reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER on, zero timeout), answering nothing."""
        connection = self._handler.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._handler.rfile.close()  # the socket closes for real only once its files are closed
        connection.close()
        self.close_when_done()


Handler = Callable[[Exchange], None]


@dataclass(frozen=True)
class Route:
    """Paths matching `pattern` (whole path, no query) are answered by `handler`; the pattern's
    groups become `Exchange.params`."""

    pattern: re.Pattern[str]
    handler: Handler


def route(pattern: str, handler: Handler) -> Route:
    return Route(re.compile(pattern), handler)


def find_route(routes: Iterable[Route], path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The first route whose pattern matches the whole `path`, with its groups."""
    for candidate in routes:
        match = candidate.pattern.fullmatch(path)
        if match is not None:
            return candidate, tuple(group or "" for group in match.groups())
    return None
