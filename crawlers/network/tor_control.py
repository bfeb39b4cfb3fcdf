"""New Tor circuits after repeated failures, through Tor's control port (stem).

`ARMSWATCH_TOR_CONTROL` is Tor's ControlPort as `ip:port`; stem authenticates with the cookie
file Tor names (CookieAuthentication 1) or with `ARMSWATCH_TOR_CONTROL_PASSWORD`. After
`ARMSWATCH_NEWNYM_AFTER` consecutive connection failures or time-outs of a source, the
`CircuitRenewalMiddleware` asks for a NEWNYM. Tor honours at most one NEWNYM every 10 s, so a
request inside that window is deferred (stem's `is_newnym_available()`), never sent: it goes
out with the next failure once Tor accepts one. Any response resets the count. NEWNYM is
global to the Tor process; the renewer is shared by every source of a process.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import stem
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    NotConfigured,
    ResponseDataLossError,
)
from stem import Signal
from stem.control import Controller

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

DEFAULT_NEWNYM_AFTER = 3
PASSWORD_ENV = "ARMSWATCH_TOR_CONTROL_PASSWORD"
CIRCUIT_FAILURES = (
    DownloadTimeoutError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    ResponseDataLossError,
)


def parse_control_address(address: str) -> tuple[str, int]:
    """`ip:port` (or `localhost:port`) as stem wants it: an IP address and a port."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    if not port.isdigit():
        raise ValueError(f"a Tor control port is host:port, not {address!r}")
    return host, int(port)


def control_password() -> str | None:
    """The control port password (`ARMSWATCH_TOR_CONTROL_PASSWORD`), if any."""
    return os.environ.get(PASSWORD_ENV) or None


def connect_controller(address: str, password: str | None = None) -> Controller:
    """An authenticated control connection to `address` (closed again if authentication fails).

    Raises ValueError for a bad address, stem.SocketError if nothing answers and
    stem.connection.AuthenticationFailure if Tor refuses the cookie or password.
    """
    host, port = parse_control_address(address)
    controller = Controller.from_port(address=host, port=port)
    try:
        controller.authenticate(password=password)
    except Exception:
        controller.close()
        raise
    return controller


@dataclass(frozen=True)
class NewnymResult:
    sent: bool
    wait: float = 0.0  # seconds until Tor would take one, when deferred


class CircuitRenewer:
    """Sends NEWNYM over one authenticated control connection, never more often than Tor takes."""

    def __init__(self, address: str, password: str | None = None) -> None:
        self.address = address
        self._password = password
        self._controller: Controller | None = None
        self._lock = threading.Lock()

    def renew(self) -> NewnymResult:
        with self._lock:
            controller = self._connect()
            if not controller.is_newnym_available():
                return NewnymResult(sent=False, wait=controller.get_newnym_wait())
            controller.signal(Signal.NEWNYM)
            return NewnymResult(sent=True)

    def _connect(self) -> Controller:
        if self._controller is None or not self._controller.is_alive():
            self._controller = connect_controller(self.address, self._password)
        return self._controller

    def close(self) -> None:
        with self._lock:
            if self._controller is not None:
                self._controller.close()
                self._controller = None


_RENEWERS: dict[str, CircuitRenewer] = {}
_RENEWERS_LOCK = threading.Lock()


def shared_renewer(address: str) -> CircuitRenewer:
    """One renewer per control port and process, so sources share Tor's 10 s budget."""
    with _RENEWERS_LOCK:
        if address not in _RENEWERS:
            _RENEWERS[address] = CircuitRenewer(address, control_password())
        return _RENEWERS[address]


class CircuitRenewalMiddleware:
    """Counts consecutive connection failures of a source; asks for a new circuit after N."""

    def __init__(self, crawler: Crawler, renewer: CircuitRenewer, after: int) -> None:
        self.crawler = crawler
        self.renewer = renewer
        self.after = max(after, 1)
        self.failures = 0
        self.pending = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CircuitRenewalMiddleware:
        settings = crawler.settings
        address = settings.get("ARMSWATCH_TOR_CONTROL")
        if not address or settings.get("ARMSWATCH_NETWORK") != "tor":
            raise NotConfigured("no Tor control port for this source")
        after = settings.getint("ARMSWATCH_NEWNYM_AFTER", DEFAULT_NEWNYM_AFTER)
        return cls(crawler, shared_renewer(address), after)

    def process_response(self, request: Request, response: Response) -> Response:
        self.failures = 0
        self.pending = False
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, CIRCUIT_FAILURES):
            return
        self.failures += 1
        if self.pending or self.failures >= self.after:
            self._renew()

    def _renew(self) -> None:
        try:
            result = self.renewer.renew()
        except (stem.SocketError, stem.ControllerError, OSError, ValueError) as error:
            self._inc("tor_control_errors")
            logger.warning(
                "cannot ask Tor for a new circuit: %s",
                error,
                extra={"event": "tor_control_error", "address": self.renewer.address},
            )
            return
        if result.sent:
            self._inc("tor_newnym_sent")
            self.failures, self.pending = 0, False
            logger.info("asked Tor for new circuits", extra={"event": "tor_newnym"})
        else:
            self._inc("tor_newnym_deferred")
            self.pending = True
            logger.info(
                "new circuit deferred for %.1f s (Tor takes one NEWNYM per 10 s)",
                result.wait,
                extra={"event": "tor_newnym_deferred", "wait": result.wait},
            )

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"armswatch/{key}")
