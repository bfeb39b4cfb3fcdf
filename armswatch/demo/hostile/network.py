"""Hostile behaviour on the wire: slow bodies, stalls, resets, 429s, 503s and redirect loops.

The rate-limited and flaky pages keep state per running site (`NetworkPages`): when the 429
was sent, how many 503s have been. Behind both is a real listing (`PATIENT_LISTINGS`) that a
crawler honouring Retry-After captures. The slow handlers wait on the site's stopping event,
so shutting the site down ends them at once.
"""

from __future__ import annotations

import math
import threading
import time

from armswatch.demo.hostile.catalog import PATIENT_LISTINGS, NormalListing
from armswatch.demo.hostile.exchange import HTML, Exchange, Route, route
from armswatch.demo.hostile.pages import detail_page

STALL_SECONDS = 600.0
DRIP_INTERVAL = 1.0  # seconds between two bytes
RATE_LIMIT_SECONDS = 2
FLAKY_FAILURES = 3

_DRIP = NormalListing(
    id="hb-drip",
    title="SKS carbine, drip",
    price=380,
    path="/slow/drip",
    vendor="kalash_king",
    category=2,
    description="SKS carbine with bayonet. " * 40,
)
DRIP_PAGE = detail_page(_DRIP).encode()  # about 2 KB: 2,000 seconds at a byte a second
_STALL = NormalListing(
    id="hb-stall", title="TT-33 stall", price=600, path="/slow/stall", description="TT-33."
)
_STALL_LENGTH = len(detail_page(_STALL).encode())
_PATIENT = {listing.path: listing for listing in PATIENT_LISTINGS}


def drip(exchange: Exchange) -> None:
    """The headers (with the full Content-Length), then one byte a second."""
    exchange.close_when_done()
    exchange.start(200, [("Content-Type", HTML), ("Content-Length", str(len(DRIP_PAGE)))])
    for offset in range(len(DRIP_PAGE)):
        if not exchange.write(DRIP_PAGE[offset : offset + 1]):
            return
        if not exchange.pause(DRIP_INTERVAL):
            return


def stall(exchange: Exchange) -> None:
    """The headers of a 2 KB page, then nothing for ten minutes (or until the site stops)."""
    exchange.close_when_done()
    exchange.start(200, [("Content-Type", HTML), ("Content-Length", str(_STALL_LENGTH))])
    exchange.pause(STALL_SECONDS)


def reset(exchange: Exchange) -> None:
    exchange.reset()


def redirect_loop(exchange: Exchange) -> None:
    other = "b" if exchange.params[0] == "a" else "a"
    exchange.redirect(f"/net/redirect-loop/{other}")


def redirect_chain(exchange: Exchange) -> None:
    exchange.redirect(f"/net/redirect-chain/{int(exchange.params[0]) + 1}")


def _refuse(exchange: Exchange, status: int, retry_after: int) -> None:
    body = f"<html><body><h1>{status}</h1><p>Try again later.</p></body></html>".encode()
    exchange.send(body, status=status, headers=[("Retry-After", str(retry_after))])


class NetworkPages:
    """The stateful pages of one running site."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limited_at: float | None = None  # when the first 429 was sent
        self._flaky_requests = 0

    def ratelimited(self, exchange: Exchange) -> None:
        """429 with Retry-After: 2 until 2 s have passed since the first 429, then the page."""
        now = time.monotonic()
        with self._lock:
            if self._limited_at is None:
                self._limited_at = now
            waited = now - self._limited_at
        if waited < RATE_LIMIT_SECONDS:
            _refuse(exchange, 429, max(1, math.ceil(RATE_LIMIT_SECONDS - waited)))
            return
        exchange.send(detail_page(_PATIENT[exchange.path]).encode())

    def flaky(self, exchange: Exchange) -> None:
        """503 with Retry-After: 1 for the first three requests, then the page."""
        with self._lock:
            self._flaky_requests += 1
            failing = self._flaky_requests <= FLAKY_FAILURES
        if failing:
            _refuse(exchange, 503, 1)
            return
        exchange.send(detail_page(_PATIENT[exchange.path]).encode())

    def routes(self) -> tuple[Route, ...]:
        return (
            route(r"/slow/drip", drip),
            route(r"/slow/stall", stall),
            route(r"/net/reset", reset),
            route(r"/net/ratelimited", self.ratelimited),
            route(r"/net/flaky", self.flaky),
            route(r"/net/redirect-loop/(a|b)", redirect_loop),
            route(r"/net/redirect-chain/(\d+)", redirect_chain),
        )
