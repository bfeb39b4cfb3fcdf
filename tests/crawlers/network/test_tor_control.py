"""New circuits over a real Tor control port (tor runs with its network disabled), and
`armswatch doctor` against live and stopped proxies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import typer
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from stem.control import Controller, EventType
from stem.response.events import SignalEvent
from typer.testing import CliRunner

from armswatch.cli.doctor_commands import register
from armswatch.demo.i2p_proxy import I2pProxy
from armswatch.demo.onion_proxy import OnionProxy
from crawlers.network.tor_control import CircuitRenewalMiddleware, CircuitRenewer
from tests.crawlers.network.conftest import TorProcess, free_port


@pytest.fixture
def newnym_signals(tor: TorProcess) -> Iterator[list[float]]:
    """The times at which Tor received a NEWNYM signal, from Tor's own SIGNAL events."""
    seen: list[float] = []
    lock = threading.Lock()

    def on_signal(event: SignalEvent) -> None:
        if event.signal == "NEWNYM":
            with lock:
                seen.append(time.monotonic())

    with Controller.from_port(port=tor.control_port) as controller:
        controller.authenticate()
        controller.add_event_listener(on_signal, EventType.SIGNAL)
        yield seen


def _wait_for(condition: object, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():  # type: ignore[operator]
        time.sleep(0.05)


def test_a_new_circuit_after_n_failures_and_none_within_ten_seconds(
    tor: TorProcess, newnym_signals: list[float]
) -> None:
    crawler = get_crawler(settings_dict={"ARMSWATCH_NETWORK": "tor"})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    renewer = CircuitRenewer(tor.control)
    middleware = CircuitRenewalMiddleware(crawler, renewer, after=3)
    request = Request("http://example.onion/")
    failure = DownloadTimeoutError("timed out")
    try:
        middleware.process_exception(request, failure)
        middleware.process_exception(request, IgnoreRequest())  # not a connection failure
        middleware.process_exception(request, failure)
        time.sleep(0.3)
        assert newnym_signals == []
        middleware.process_exception(request, failure)  # the third failure in a row
        _wait_for(lambda: len(newnym_signals) == 1)
        assert len(newnym_signals) == 1
        for _ in range(4):  # three more failures: due again, but Tor would not take it yet
            middleware.process_exception(request, failure)
        time.sleep(1.0)
        assert len(newnym_signals) == 1, "a second NEWNYM went out within 10 s"
        stats = crawler.stats.get_stats()  # type: ignore[union-attr]
        assert stats["armswatch/tor_newnym_sent"] == 1
        assert stats["armswatch/tor_newnym_deferred"] >= 1
        assert middleware.pending
        middleware.process_response(request, HtmlResponse(request.url, body=b"<html/>"))
        assert middleware.failures == 0 and not middleware.pending
    finally:
        renewer.close()


def test_a_dead_control_port_is_counted_not_raised() -> None:
    crawler = get_crawler(settings_dict={"ARMSWATCH_NETWORK": "tor"})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    middleware = CircuitRenewalMiddleware(crawler, CircuitRenewer(f"127.0.0.1:{free_port()}"), 1)
    middleware.process_exception(Request("http://x.onion/"), DownloadTimeoutError("slow"))
    assert crawler.stats.get_value("armswatch/tor_control_errors") == 1  # type: ignore[union-attr]


def _doctor(*args: str) -> tuple[int, str]:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """armswatch"""

    register(app)
    done = CliRunner().invoke(app, ["doctor", *args], env={"COLUMNS": "300"})
    return done.exit_code, done.output


def test_doctor_against_a_stopped_proxy_says_what_is_wrong() -> None:
    port = free_port()
    code, output = _doctor("--tor-proxy", f"socks5h://127.0.0.1:{port}", "--chromium", "/bin/true")
    assert code == 1, output
    assert f"cannot connect to 127.0.0.1:{port}" in output
    assert "nothing listens there" in output and "start Tor" in output


def test_doctor_against_a_wrong_kind_of_service_says_so(tor: TorProcess) -> None:
    control = f"socks5h://127.0.0.1:{tor.control_port}"  # the control port is no SOCKS proxy
    code, output = _doctor("--tor-proxy", control, "--chromium", "/bin/true")
    assert code == 1 and "not a SOCKS5 proxy" in output, output


def test_doctor_against_live_tor_and_proxies_succeeds(tor: TorProcess) -> None:
    with OnionProxy() as proxy, I2pProxy() as i2p:
        code, output = _doctor(
            "--tor-proxy", proxy.url, "--tor-control", tor.control, "--i2p-proxy", i2p.url
        )
    assert code == 0, output
    assert "isolation credentials" in output
    assert "network is disabled" in output  # a warning: the test tor has DisableNetwork 1
    assert "HTTP proxy answers" in output and "Chromium" in output
    assert "fail" not in output
