"""A SOCKS5 proxy on loopback that maps `.onion` names to local sites and records everything.

Tests and the demo use it in place of Tor:

    with OnionProxy({"abc...xyz.onion": ("127.0.0.1", 8301)}, ports=[0, 0]) as proxy:
        proxy.urls            # ['socks5h://127.0.0.1:40001', 'socks5h://127.0.0.1:40002']
        proxy.connections     # every CONNECT: port, user name, host, address type, outcome

RFC 1928 (CONNECT with ATYP domain, IPv4 or IPv6) and RFC 1929 (user name and password, the
way Tor's IsolateSOCKSAuth gets its isolation credentials). A name it does not map gets
reply 0x04 (host unreachable), a mapped target that refuses gets 0x05, and `replies` can
force any reply for a name (e.g. 0x06, TTL expired, like an onion whose service is gone).
"""

from __future__ import annotations

import asyncio
import ipaddress
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Self, TypeVar

HOST_UNREACHABLE = 0x04
CONNECTION_REFUSED = 0x05
COMMAND_NOT_SUPPORTED = 0x07
ADDRESS_TYPES = {1: "ipv4", 3: "domain", 4: "ipv6"}
_NO_AUTH, _USER_PASS, _NO_METHOD = 0x00, 0x02, 0xFF

Record = TypeVar("Record")
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass(frozen=True)
class SocksConnection:
    """One CONNECT the proxy received."""

    listen_port: int
    username: str | None
    host: str
    port: int
    address_type: str  # "domain", "ipv4" or "ipv6"
    accepted: bool
    reply: int
    upstream: tuple[str, int] | None = None  # the proxy's own address toward the site


class LoopServer:
    """asyncio servers on loopback ports, run by an event loop in a background thread."""

    def __init__(self, ports: Sequence[int], host: str = "127.0.0.1") -> None:
        self.host = host
        self._wanted = list(ports) or [0]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.ports: list[int] = []

    @property
    def port(self) -> int:
        return self.ports[0]

    def start(self) -> Self:
        if self._loop is not None:
            return self
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name=type(self).__name__)
        self._thread.daemon = True
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
        return self

    async def _listen(self) -> None:
        for wanted in self._wanted:
            server = await asyncio.start_server(self._serve_factory(), self.host, wanted)
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    def _serve_factory(self) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], None]:
        def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            listen_port = writer.get_extra_info("sockname")[1]
            task = asyncio.ensure_future(self._guarded(reader, writer, listen_port))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return serve

    async def _guarded(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listen_port: int
    ) -> None:
        try:
            await self.handle(reader, writer, listen_port)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listen_port: int
    ) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        loop.close()
        self._servers.clear()
        self.ports.clear()

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


async def pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Copy bytes both ways until either side closes."""

    async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()

    try:
        await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer))
    finally:
        upstream_writer.close()


class RecordingProxy(LoopServer, Generic[Record]):
    """A proxy that sends the host names of `routes` to loopback targets and records what it
    received (one record per request, in a thread-safe list)."""

    def __init__(
        self, routes: dict[str, tuple[str, int]] | None, ports: Sequence[int], host: str
    ) -> None:
        super().__init__(ports, host)
        self.routes = {name.lower(): target for name, target in (routes or {}).items()}
        self._records: list[Record] = []
        self._lock = threading.Lock()

    def _record(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)

    def _recorded(self) -> list[Record]:
        with self._lock:
            return list(self._records)


def local_address(upstream: Streams | None) -> tuple[str, int] | None:
    """The proxy's own address on its connection toward the site (None: no connection)."""
    return upstream[1].get_extra_info("sockname")[:2] if upstream else None


class OnionProxy(RecordingProxy[SocksConnection]):
    """A recording SOCKS5 proxy; `routes` maps host names (or addresses) to loopback targets."""

    def __init__(
        self,
        routes: dict[str, tuple[str, int]] | None = None,
        *,
        ports: Sequence[int] = (0,),
        replies: dict[str, int] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(routes, ports, host)
        self.replies = {name.lower(): code for name, code in (replies or {}).items()}

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def urls(self) -> list[str]:
        return [f"socks5h://{self.host}:{port}" for port in self.ports]

    @property
    def connections(self) -> list[SocksConnection]:
        return self._recorded()

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listen_port: int
    ) -> None:
        authenticated, username = await self._negotiate(reader, writer)
        if not authenticated:
            return
        command, atyp, host, port = await _read_request(reader)
        if command != 1:
            writer.write(_reply(COMMAND_NOT_SUPPORTED))
            self._record_connect(listen_port, username, host, port, atyp, COMMAND_NOT_SUPPORTED)
            return
        code, upstream = await self._open(host)
        local = local_address(upstream)
        self._record_connect(listen_port, username, host, port, atyp, code, local)
        writer.write(_reply(code, local))
        await writer.drain()
        if upstream is not None:
            await pipe(reader, writer, *upstream)

    async def _negotiate(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[bool, str | None]:
        version, count = await reader.readexactly(2)
        if version != 5:
            return False, None
        methods = set(await reader.readexactly(count))
        if _USER_PASS in methods:
            writer.write(bytes([5, _USER_PASS]))
            await writer.drain()
            return True, await _read_credentials(reader, writer)
        if _NO_AUTH in methods:
            writer.write(bytes([5, _NO_AUTH]))
            return True, None
        writer.write(bytes([5, _NO_METHOD]))
        await writer.drain()
        return False, None

    async def _open(self, host: str) -> tuple[int, Streams | None]:
        name = host.lower()
        if name in self.replies:
            return self.replies[name], None
        target = self.routes.get(name)
        if target is None:
            return HOST_UNREACHABLE, None
        try:
            return 0, await asyncio.open_connection(*target)
        except OSError:
            return CONNECTION_REFUSED, None

    def _record_connect(
        self,
        listen_port: int,
        username: str | None,
        host: str,
        port: int,
        atyp: int,
        code: int,
        upstream: tuple[str, int] | None = None,
    ) -> None:
        record = SocksConnection(
            listen_port=listen_port,
            username=username,
            host=host,
            port=port,
            address_type=ADDRESS_TYPES.get(atyp, str(atyp)),
            accepted=code == 0,
            reply=code,
            upstream=upstream,
        )
        self._record(record)


async def _read_credentials(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
    """RFC 1929: any user name and password are accepted (they only isolate streams)."""
    _version, length = await reader.readexactly(2)
    username = (await reader.readexactly(length)).decode("utf-8", "replace")
    (length,) = await reader.readexactly(1)
    await reader.readexactly(length)  # the password is not kept
    writer.write(bytes([1, 0]))
    await writer.drain()
    return username


async def _read_request(reader: asyncio.StreamReader) -> tuple[int, int, str, int]:
    _version, command, _reserved, atyp = await reader.readexactly(4)
    if atyp == 1:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif atyp == 4:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif atyp == 3:
        (length,) = await reader.readexactly(1)
        host = (await reader.readexactly(length)).decode("idna")
    else:
        raise ValueError(f"unknown SOCKS address type {atyp}")
    (port,) = struct.unpack("!H", await reader.readexactly(2))
    return command, atyp, host, port


def _reply(code: int, bound: tuple[str, int] | None = None) -> bytes:
    """A reply in one write (some clients read the whole reply in a single read)."""
    address, port = bound or ("0.0.0.0", 0)
    packed = ipaddress.ip_address(address).packed
    atyp = 1 if len(packed) == 4 else 4
    return bytes([5, code, 0, atyp]) + packed + struct.pack("!H", port)
