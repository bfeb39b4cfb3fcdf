"""A minimal HTTP forward proxy on loopback that maps `.i2p` names to local sites and records.

Tests use it in place of the I2P router's HTTP proxy (port 4444):

    with I2pProxy({"market.i2p": ("127.0.0.1", 8301)}) as proxy:
        proxy.url        # 'http://127.0.0.1:40003'
        proxy.requests   # every request: method, host, port, target, accepted

Absolute-URI requests (`GET http://market.i2p/path HTTP/1.1`) are sent on to the mapped site
with `Connection: close`, one request per client connection; CONNECT tunnels bytes. An
unmapped name gets a 504 page, as the I2P router answers for a destination it cannot reach.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from armswatch.demo.onion_proxy import RecordingProxy, Streams, local_address, pipe

_HOP_BY_HOP = {b"proxy-authorization", b"proxy-connection", b"connection", b"keep-alive"}
_UNREACHABLE = (
    b"HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain\r\nContent-Length: 28\r\n"
    b"Connection: close\r\n\r\nThe I2P destination is down."
)


@dataclass(frozen=True)
class ProxyRequest:
    """One request the HTTP proxy received."""

    listen_port: int
    method: str
    host: str
    port: int
    target: str  # the path and query (or host:port for CONNECT)
    username: str | None
    accepted: bool
    upstream: tuple[str, int] | None = None


class I2pProxy(RecordingProxy[ProxyRequest]):
    """A recording HTTP forward proxy; `routes` maps host names to loopback targets."""

    def __init__(
        self,
        routes: dict[str, tuple[str, int]] | None = None,
        *,
        ports: Sequence[int] = (0,),
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(routes, ports, host)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[ProxyRequest]:
        return self._recorded()

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listen_port: int
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head[:-4].split(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        headers = [line.split(b":", 1) for line in header_lines if b":" in line]
        host, port, path = _destination(method, target)
        username = _proxy_user(headers)
        upstream = await self._open(host)
        local = local_address(upstream)
        self._record(
            ProxyRequest(listen_port, method, host, port, path, username, bool(upstream), local)
        )
        if upstream is None:
            writer.write(_UNREACHABLE)
            await writer.drain()
            return
        if method == "CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await pipe(reader, writer, *upstream)
            return
        await _forward(reader, writer, upstream, f"{method} {path} {version}", headers)

    async def _open(self, host: str) -> Streams | None:
        target = self.routes.get(host.lower())
        if target is None:
            return None
        try:
            return await asyncio.open_connection(*target)
        except OSError:
            return None


async def _forward(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream: Streams,
    request_line: str,
    headers: list[list[bytes]],
) -> None:
    """Send one request on to the site, then its response back, then close both."""
    up_reader, up_writer = upstream
    kept = [(name, value) for name, value in headers if name.strip().lower() not in _HOP_BY_HOP]
    length = next((int(v) for n, v in kept if n.strip().lower() == b"content-length"), 0)
    lines = [request_line.encode("latin-1")] + [name + b":" + value for name, value in kept]
    up_writer.write(b"\r\n".join([*lines, b"Connection: close", b"", b""]))
    if length:
        up_writer.write(await reader.readexactly(length))
    await up_writer.drain()
    response_head = await up_reader.readuntil(b"\r\n\r\n")
    status, *response_lines = response_head[:-4].split(b"\r\n")
    response_lines = [
        line for line in response_lines if line.split(b":", 1)[0].strip().lower() != b"connection"
    ]
    writer.write(b"\r\n".join([status, *response_lines, b"Connection: close", b"", b""]))
    while data := await up_reader.read(65536):
        writer.write(data)
        await writer.drain()
    up_writer.close()


def _destination(method: str, target: str) -> tuple[str, int, str]:
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return host.strip("[]"), int(port), target
    parts = urlsplit(target)
    if not parts.hostname:
        raise ValueError(f"not an absolute URI: {target!r}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, parts.port or 80, path


def _proxy_user(headers: list[list[bytes]]) -> str | None:
    for name, value in headers:
        if name.strip().lower() == b"proxy-authorization":
            scheme, _, encoded = value.strip().partition(b" ")
            if scheme.lower() == b"basic":
                decoded = base64.b64decode(encoded).decode("utf-8", "replace")
                return decoded.partition(":")[0]
    return None
