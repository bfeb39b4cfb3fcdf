"""`armswatch doctor`: check the Tor proxy, Tor's control port, the I2P proxy and Chromium.

Each check says what is wrong and how to fix it; the exit code is 1 if any check failed.
Warnings (e.g. Tor running with its network disabled) do not fail.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from crawlers.access import check_proxy_url

if TYPE_CHECKING:
    from stem.control import Controller

Status = Literal["ok", "warn", "fail", "skip"]
TIMEOUT = 5.0
_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}
_START_TOR = "start Tor (`sudo apt install tor && sudo systemctl start tor`)"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def check_socks_proxy(url: str) -> Check:
    """Tor's SocksPort answers a SOCKS5 greeting (and takes isolation credentials)."""
    name = f"Tor SOCKS proxy {url}"
    try:
        check_proxy_url(url, "tor")
    except ValueError as error:
        return Check(name, "fail", str(error), "set ARMSWATCH_TOR_PROXY=socks5h://127.0.0.1:9050")
    try:
        reply = _probe(url, b"\x05\x02\x00\x02", 2)  # SOCKS5: no auth or user name/password
    except OSError as error:
        fix = f"{_START_TOR}, or point ARMSWATCH_TOR_PROXY / --tor-proxy at its SocksPort"
        return _cannot_connect(name, url, error, fix)
    if len(reply) != 2 or reply[0] != 5:
        return Check(
            name,
            "fail",
            f"not a SOCKS5 proxy (it answered {reply!r})",
            "point ARMSWATCH_TOR_PROXY at Tor's SocksPort, not its ControlPort or an HTTP proxy",
        )
    if reply[1] == 0xFF:
        return Check(name, "fail", "the proxy accepts none of our authentication methods")
    if reply[1] == 0x02:
        return Check(name, "ok", "SOCKS5; takes isolation credentials (IsolateSOCKSAuth)")
    return Check(
        name,
        "ok",
        "SOCKS5 (did not choose user name/password: streams may share circuits)",
        "keep IsolateSOCKSAuth on the SocksPort (Tor's default)",
    )


def check_tor_control(address: str | None) -> Check:
    """Tor's ControlPort: connect, authenticate, version, whether the network is on."""
    from stem import SocketError
    from stem.connection import AuthenticationFailure

    from crawlers.network.tor_control import connect_controller, control_password

    if not address:
        return Check(
            "Tor control port",
            "skip",
            "not configured: no new circuits after repeated failures",
            "add `ControlPort 9051` and `CookieAuthentication 1` to the torrc and set "
            "ARMSWATCH_TOR_CONTROL=127.0.0.1:9051",
        )
    name = f"Tor control port {address}"
    try:
        controller = connect_controller(address, control_password())
    except AuthenticationFailure as error:
        return Check(
            name,
            "fail",
            f"authentication failed ({type(error).__name__}: {error})",
            "let this user read Tor's cookie (`sudo adduser $USER debian-tor`, log in again) "
            "or set ARMSWATCH_TOR_CONTROL_PASSWORD (HashedControlPassword in the torrc)",
        )
    except (ValueError, SocketError) as error:
        return Check(
            name,
            "fail",
            f"cannot connect ({error})",
            f"{_START_TOR} with `ControlPort {address}` in its torrc, or fix --tor-control",
        )
    with controller:
        return _tor_state(name, controller)


def _tor_state(name: str, controller: Controller) -> Check:
    version = str(controller.get_version()).split(" ")[0]
    if controller.get_conf("DisableNetwork", "0") == "1":
        return Check(
            name,
            "warn",
            f"Tor {version} answers, but its network is disabled (DisableNetwork 1)",
            "remove `DisableNetwork 1` from the torrc and reload Tor",
        )
    if controller.get_info("status/circuit-established", "0") != "1":
        return Check(
            name,
            "warn",
            f"Tor {version} answers, but has no circuit yet (still bootstrapping?)",
            "wait a minute; see `journalctl -u tor` if it stays so",
        )
    return Check(name, "ok", f"Tor {version}, network on, circuits established")


def check_i2p_proxy(url: str) -> Check:
    """The I2P router's HTTP proxy answers an HTTP request for its own page (proxy.i2p)."""
    name = f"I2P HTTP proxy {url}"
    try:
        check_proxy_url(url, "i2p")
    except ValueError as error:
        return Check(name, "fail", str(error), "set ARMSWATCH_I2P_PROXY")
    probe = b"GET http://proxy.i2p/ HTTP/1.1\r\nHost: proxy.i2p\r\nConnection: close\r\n\r\n"
    try:
        answer = _probe(url, probe, 64)
    except OSError as error:
        fix = "start the I2P router (i2pd or Java I2P) with its HTTP proxy, or fix --i2p-proxy"
        return _cannot_connect(name, url, error, fix)
    if not answer.startswith(b"HTTP/1."):
        return Check(name, "fail", f"not an HTTP proxy (it answered {answer[:20]!r})")
    status_line = answer.split(b"\r\n")[0].decode("latin-1")
    return Check(name, "ok", f"HTTP proxy answers ({status_line})")


def _probe(url: str, message: bytes, size: int) -> bytes:
    """Send `message` to the proxy at `url`; the first bytes (up to `size`) of its answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as conn:
        conn.sendall(message)
        return conn.recv(size)


def _cannot_connect(name: str, url: str, error: OSError, fix: str) -> Check:
    parts = urlsplit(url)
    detail = f"cannot connect to {parts.hostname}:{parts.port} ({_reason(error)})"
    return Check(name, "fail", detail, fix)


def check_chromium(path: Path) -> Check:
    """Chromium, for `render: browser` sources, runs and tells its version."""
    name = f"Chromium {path}"
    fix = "`sudo apt install chromium`, or set ARMSWATCH_CHROMIUM to the binary"
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check(name, "fail", f"does not run ({error})", fix)
    if done.returncode != 0:
        return Check(name, "fail", f"exited with {done.returncode}: {done.stderr.strip()}", fix)
    return Check(name, "ok", done.stdout.strip())


def _reason(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused: nothing listens there"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    return error.strerror or type(error).__name__


def print_checks(checks: list[Check], console: Console) -> None:
    table = Table(title="armswatch doctor")
    table.add_column("check")
    table.add_column("status")
    table.add_column("what is wrong / found")
    table.add_column("how to fix it")
    for check in checks:
        style = _STYLE[check.status]
        table.add_row(check.name, f"[{style}]{check.status}[/]", check.detail, check.fix)
    console.print(table)


def doctor(
    tor_proxy: Annotated[
        str | None, typer.Option(help="Tor SOCKS proxy (default: ARMSWATCH_TOR_PROXY)")
    ] = None,
    tor_control: Annotated[
        str | None, typer.Option(help="Tor control port host:port (ARMSWATCH_TOR_CONTROL)")
    ] = None,
    i2p_proxy: Annotated[
        str | None, typer.Option(help="check this I2P HTTP proxy (ARMSWATCH_I2P_PROXY)")
    ] = None,
    i2p: Annotated[bool, typer.Option("--i2p", help="check the configured I2P proxy")] = False,
    chromium: Annotated[
        Path | None, typer.Option(help="Chromium binary (ARMSWATCH_CHROMIUM)")
    ] = None,
) -> None:
    """Check the Tor proxy, Tor's control port, the I2P proxy and Chromium; exit 1 on failure."""
    app = AppSettings.from_env()
    checks = [
        check_socks_proxy(tor_proxy or app.tor_proxy),
        check_tor_control(tor_control or app.tor_control),
    ]
    if i2p or i2p_proxy:
        checks.append(check_i2p_proxy(i2p_proxy or app.i2p_proxy))
    checks.append(check_chromium(chromium or app.chromium))
    print_checks(checks, Console())
    if any(check.status == "fail" for check in checks):
        raise typer.Exit(exit_codes.FAILED)


def register(app: typer.Typer) -> None:
    """Add `doctor` to the `armswatch` command line."""
    app.command("doctor")(doctor)
