"""Fixtures of the network tests: demo sites that record their clients, test proxies, a crawl
in a fresh process, and a real Tor process (network disabled) with a control port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from armswatch.demo import model as demo_model
from armswatch.demo.server import DemoSites
from tests.conftest import REPO, armswatch_env

ONION = "obsidn3xq7vmbk2fj5dlzwgrc4hyt6pa2ensuo7wq3mlkxvb5dfhazid.onion"
OTHER_ONION = "deadbeefq7vmbk2fj5dlzwgrc4hyt6pa2ensuo7wq3mlkxvb5dfhgoad.onion"
assert len(ONION) == len(OTHER_ONION) == 62  # 56 base32 characters and ".onion"


@dataclass
class RecordingSites:
    """The demo sites, and the client address of every connection each server accepted."""

    sites: DemoSites
    clients: dict[int, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def market_port(self) -> int:
        return int(self.sites.base_urls["market"].rsplit(":", 1)[1])

    def market_clients(self) -> list[tuple[str, int]]:
        return list(self.clients.get(self.market_port, []))


@contextmanager
def recording_demo() -> Iterator[RecordingSites]:
    """Serve the demo sites on free ports, recording the client of every connection."""
    served = getattr(demo_model, "SERVED_SITES", demo_model.SITES)
    recording = RecordingSites(DemoSites(day=1, ports=dict.fromkeys(served, 0)))
    lock = threading.Lock()
    original = ThreadingHTTPServer.process_request

    def process_request(server: Any, request: Any, client_address: Any) -> None:
        with lock:
            port = server.server_address[1]
            recording.clients.setdefault(port, []).append(tuple(client_address[:2]))
        original(server, request, client_address)

    with pytest.MonkeyPatch.context() as patch, recording.sites:
        patch.setattr(ThreadingHTTPServer, "process_request", process_request)
        yield recording


@pytest.fixture
def demo() -> Iterator[RecordingSites]:
    with recording_demo() as recording:
        yield recording


def onion_source(
    tmp_path: Path, name: str, host: str, *, network: str = "tor", **limits: int
) -> Path:
    """A copy of the demo market's source, reached as `http://HOST/` over `network`."""
    definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
    definition.update(name=name, network=network, start_urls=[f"http://{host}/"])
    definition["limits"].update({"max_pages": 30, "max_depth": 3, **limits})
    definition["limits"]["allowed_domains"] = [host]
    definition["rate_limit"].update(retries=1, timeout=10)
    definition.pop("schedule", None)
    path = tmp_path / "sources" / f"{name}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(definition))
    return path


@dataclass
class CrawlResult:
    returncode: int
    output: str
    lookups: list[str]
    stats: dict[str, dict[str, str]]
    log_events: list[dict[str, Any]]
    isolation_password: str

    def stat(self, source: str, key: str, default: int = 0) -> int:
        return int(self.stats[source].get(key, default))


DEAD_PROXIES = {"tor_proxy": "socks5h://127.0.0.1:9", "i2p_proxy": "http://127.0.0.1:9"}


def run_crawl(tmp_path: Path, sources: list[Path], **proxies: str | None) -> CrawlResult:
    """Crawl `sources` in a fresh process (`tests.crawl_process`); proxies not given point at a
    port where nothing listens."""
    data_dir, out = tmp_path / "data", tmp_path / "crawl-output"
    chosen = {**DEAD_PROXIES, **{name: url for name, url in proxies.items() if url}}
    env = armswatch_env(
        data_dir, {f"ARMSWATCH_{name.upper()}": url for name, url in chosen.items()}
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawl_process", str(out), *map(str, sources)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    done_file = out / "process.json"
    process = json.loads(done_file.read_text()) if done_file.exists() else {}
    stats = {
        path.name.removesuffix(".stats.json"): {
            key: str(value) for key, value in json.loads(path.read_text()).items()
        }
        for path in out.glob("*.stats.json")
    }
    log_file = data_dir / "logs" / "armswatch.jsonl"
    events = (
        [json.loads(line) for line in log_file.read_text().splitlines()]
        if log_file.exists()
        else []
    )
    return CrawlResult(
        returncode=done.returncode,
        output=done.stdout + done.stderr,
        lookups=process.get("lookups", []),
        stats=stats,
        log_events=events,
        isolation_password=process.get("isolation_password", ""),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class TorProcess:
    socks_port: int
    control_port: int
    data_dir: Path

    @property
    def control(self) -> str:
        return f"127.0.0.1:{self.control_port}"

    @property
    def socks_url(self) -> str:
        return f"socks5h://127.0.0.1:{self.socks_port}"


@pytest.fixture(scope="module")
def tor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TorProcess]:
    """A real `tor` with its network disabled: a SOCKS port and a cookie-authenticated
    control port on loopback, nothing leaves the machine."""
    if not Path("/usr/bin/tor").exists():
        pytest.skip("Debian's tor is not installed")
    data_dir = tmp_path_factory.mktemp("tor")
    data_dir.chmod(0o700)
    tor = TorProcess(free_port(), free_port(), data_dir)
    torrc = data_dir / "torrc"
    torrc.write_text(
        "DisableNetwork 1\n"
        f"SocksPort 127.0.0.1:{tor.socks_port}\n"
        f"ControlPort 127.0.0.1:{tor.control_port}\n"
        "CookieAuthentication 1\n"
        f"DataDirectory {data_dir / 'data'}\n"
        "Log notice stdout\n"
    )
    process = subprocess.Popen(
        ["/usr/bin/tor", "-f", str(torrc), "--ignore-missing-torrc"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(tor.control_port, process)
        yield tor
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"tor exited with {process.returncode}:\n{output}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"tor's control port {port} did not open")
