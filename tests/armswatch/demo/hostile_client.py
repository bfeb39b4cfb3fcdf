"""A plain standard-library client for Hostile Bazaar, as the hostile-site tests use it."""

from __future__ import annotations

import http.client
import socket

from parsel import Selector

from armswatch.demo.hostile import HostileSite

Response = tuple[int, http.client.HTTPMessage, bytes]


def get(site: HostileSite, target: str, timeout: float = 30) -> Response:
    """One GET: no redirects followed, no decompression."""
    connection = http.client.HTTPConnection(site.host, site.port, timeout=timeout)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def page(site: HostileSite, target: str) -> Selector:
    status, _, body = get(site, target)
    assert status == 200, target
    return Selector(text=body.decode("utf-8"))


def raw_request(site: HostileSite, target: str) -> tuple[socket.socket, bytes]:
    """A GET on a plain socket; returns the socket and the response head read from it."""
    sock = socket.create_connection((site.host, site.port), timeout=10)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {site.host}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, f"{target}: the connection closed before the headers ended"
        head += chunk
    return sock, head
