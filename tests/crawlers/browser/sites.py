"""Small fixture sites for the browser tests, served on loopback; every server records its hits.

- `/js/`: a listing whose title only a script writes (and a tall page, for full-page shots);
- `/more/`: listings that appear only after clicking "load more" or scrolling to the bottom;
- `/leak/`: a listing that loads resources, frames, pop-ups, a WebSocket and WebRTC from
  hosts the source does not allow (`OUTSIDE_HOST` and `localhost`).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

OUTSIDE_HOST = "127.0.0.2"  # loopback, but not the host the sources allow (127.0.0.1)
Page = tuple[int, str, bytes]  # status, content type, body
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


class RecordingServer:
    """An HTTP server on `host` that answers from `pages(path)` and records every request."""

    def __init__(self, host: str, pages: Callable[[str], Page] | None = None) -> None:
        self.requests: list[str] = []
        self.connections: list[tuple[str, int]] = []  # every TCP connection, even a silent one
        self._pages = pages or (lambda path: (404, "text/plain", b"not here"))
        handler = type("Handler", (_Handler,), {"server_owner": self})
        self._server = _CountingServer((host, 0), handler)
        self._server.connections = self.connections
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def respond(self, path: str) -> Page:
        self.requests.append(path)
        return self._pages(path)

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _CountingServer(ThreadingHTTPServer):
    connections: list[tuple[str, int]]

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections.append(client_address)
        return True


class _Handler(BaseHTTPRequestHandler):
    server_owner: RecordingServer

    def do_GET(self) -> None:
        status, content_type, body = self.server_owner.respond(self.path)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class UdpRecorder:
    """A UDP socket on `host` that records every datagram (a STUN server a leak would hit)."""

    def __init__(self, host: str) -> None:
        self.datagrams: list[bytes] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.datagrams.append(self._socket.recv(4096))
            except TimeoutError:
                continue

    def __enter__(self) -> UdpRecorder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


def _html(title: str, body: str) -> bytes:
    head = f"<head><title>{title}</title></head>"
    return f"<!doctype html><html lang='en'>{head}<body>{body}</body></html>".encode()


def _index(links: list[str], extra: str = "") -> bytes:
    anchors = "".join(f"<li><a class='item' href='{link}'>{link}</a></li>" for link in links)
    return _html("index", f"<ul id='items'>{anchors}</ul>{extra}")


def _item(title: str, extra: str = "") -> bytes:
    return _html(title, f"<h1 class='title'>{title}</h1>{extra}")


JS_TITLE = "Glock 19 Gen5 written by script"
TALL_PX = 3000
_JS_ITEM = (
    "<h1 class='title'></h1>"
    f"<script>document.querySelector('h1.title').textContent = {JS_TITLE!r};</script>"
    f"<div style='height: {TALL_PX}px; background: #ddd'>tall</div>"
)
CLICK_BATCHES = 3  # "load more" adds two listings per click, three times, then goes away
_LOAD_MORE = """
<button id='more'>Load more</button>
<div style='height: 1500px'>spacer</div>
<script>
let batch = 0;
document.getElementById('more').addEventListener('click', () => {
  batch += 1;
  for (const n of [2 * batch - 1, 2 * batch]) {
    const a = document.createElement('a');
    a.className = 'item'; a.href = '/more/item/' + n; a.textContent = 'item ' + n;
    document.getElementById('items').appendChild(a);
  }
  if (batch >= BATCHES) document.getElementById('more').remove();
});
let scrolled = false;
window.addEventListener('scroll', () => {
  if (scrolled || window.innerHeight + window.scrollY < document.body.scrollHeight - 50) return;
  scrolled = true;
  const a = document.createElement('a');
  a.className = 'item'; a.href = '/more/item/scrolled'; a.textContent = 'scrolled';
  document.getElementById('items').appendChild(a);
});
</script>
""".replace("BATCHES", str(CLICK_BATCHES))
MORE_LISTINGS = {f"Item {n}" for n in range(1, 2 * CLICK_BATCHES + 1)} | {"Item scrolled"}


def leak_page(outside: int, localhost: int, stun: int) -> bytes:
    """A listing page that tries every way out to hosts the source does not allow."""
    far, near = f"http://{OUTSIDE_HOST}:{outside}", f"http://localhost:{localhost}"
    body = f"""
<img src='/leak/ok.png'>
<img src='{far}/img.png'>
<link rel='stylesheet' href='{far}/style.css'>
<link rel='prefetch' href='{far}/prefetch'>
<link rel='preconnect' href='{near}'>
<link rel='dns-prefetch' href='//leak.invalid'>
<script src='{near}/script.js'></script>
<iframe src='{far}/frame'></iframe>
<script>
fetch('{far}/fetch').catch(() => {{}});
try {{ new WebSocket('ws://{OUTSIDE_HOST}:{outside}/ws'); }} catch (e) {{}}
window.open('{near}/popup');
const pc = new RTCPeerConnection({{iceServers: [{{urls: 'stun:{OUTSIDE_HOST}:{stun}'}}]}});
pc.createDataChannel('x');
pc.createOffer().then(offer => pc.setLocalDescription(offer));
</script>
"""
    return _item("Leaky listing", body)


def fixture_pages(closed_port: int, leak: bytes) -> Callable[[str], Page]:
    """The pages of the main fixture server (127.0.0.1)."""
    html = "text/html; charset=utf-8"
    pages: dict[str, Page] = {
        "/js/": (200, html, _index(["/js/item/1", f"http://127.0.0.1:{closed_port}/js/item/2"])),
        "/js/item/1": (200, html, _html("js", _JS_ITEM)),
        "/more/": (200, html, _index([], _LOAD_MORE)),
        "/leak/": (200, html, _index(["/leak/item/1"])),
        "/leak/item/1": (200, html, leak),
        "/leak/ok.png": (200, "image/png", PNG_1PX),
    }
    for n in [*range(1, 2 * CLICK_BATCHES + 1), "scrolled"]:
        pages[f"/more/item/{n}"] = (200, html, _item(f"Item {n}"))
    return lambda path: pages.get(path, (404, "text/plain", b"not here"))
