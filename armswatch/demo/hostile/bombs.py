"""Decompression bombs: about a megabyte on the wire, a gibibyte of HTML once inflated.

A crawler that inflates a response without a size cap runs out of memory on these. They are
built the first time one is asked for, once per process, by streaming 1 MiB chunks through the
compressor (the inflated gibibyte never exists in memory). gzip and zlib ("deflate") wrap the
same raw deflate stream, so it is compressed once; brotli at quality 4 takes under a second.
A build takes about 4-5 s in all.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
import zlib
from collections.abc import Iterator

import brotli

from armswatch.demo.hostile.exchange import Exchange, route

LOG = logging.getLogger(__name__)

PADDING_BYTES = 1 << 30  # spaces inside <body>: the inflated page is a little over 1 GiB
_CHUNK = b" " * (1 << 20)
_PREFIX = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Bulk lot - Hostile Bazaar</title></head>\n<body>\n"
    b'<h1 class="title">Bulk lot</h1><div class="description">'
)
_SUFFIX = b"</div></body></html>\n"
INFLATED_BYTES = len(_PREFIX) + PADDING_BYTES + len(_SUFFIX)
ENCODINGS = ("gzip", "deflate", "br")
_BROTLI_QUALITY = 4  # quality 4 squeezes a GiB of spaces to ~2 KB as well as 11 does, fast

_lock = threading.Lock()
_bombs: dict[str, bytes] = {}


def _inflated_chunks() -> Iterator[bytes]:
    yield _PREFIX
    for _ in range(PADDING_BYTES // len(_CHUNK)):
        yield _CHUNK
    yield _SUFFIX


def _deflate_family() -> dict[str, bytes]:
    """gzip (RFC 1952) and zlib (RFC 1950) members around one raw deflate stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    parts: list[bytes] = []
    crc, adler = 0, 1
    for chunk in _inflated_chunks():
        parts.append(compressor.compress(chunk))
        crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    parts.append(compressor.flush())
    raw = b"".join(parts)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # no name, no mtime; best, unknown OS
    gzip_trailer = struct.pack("<II", crc, INFLATED_BYTES & 0xFFFFFFFF)
    return {
        "gzip": gzip_header + raw + gzip_trailer,
        "deflate": b"\x78\xda" + raw + struct.pack(">I", adler),
    }


def _brotli() -> bytes:
    compressor = brotli.Compressor(quality=_BROTLI_QUALITY)
    parts = [compressor.process(chunk) for chunk in _inflated_chunks()]
    parts.append(compressor.finish())
    return b"".join(parts)


def bomb(encoding: str) -> bytes:
    """The compressed body for `encoding` ("gzip", "deflate" or "br"), built on first use."""
    if encoding not in ENCODINGS:
        raise ValueError(f"no bomb for {encoding!r}; there are {ENCODINGS}")
    with _lock:
        if encoding not in _bombs:
            started = time.perf_counter()
            built = {"br": _brotli()} if encoding == "br" else _deflate_family()
            _bombs.update(built)
            LOG.info(
                "built %s decompression bomb(s) in %.1f s",
                "/".join(built),
                time.perf_counter() - started,
                extra={"event": "hostile.bomb_built", "encodings": sorted(built)},
            )
        return _bombs[encoding]


def _serve(exchange: Exchange) -> None:
    encoding = exchange.params[0]
    exchange.send(bomb(encoding), headers=[("Content-Encoding", encoding)])


ROUTES = (route(r"/bomb/(gzip|deflate|br)", _serve),)
