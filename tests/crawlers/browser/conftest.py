"""One browser crawl, shared by the tests of this package.

The demo market (a copy of `sources/demo-market.yaml` with `render: browser` and small limits)
and the fixture sites of `sites.py` (one source per case) are crawled side by side in one
subprocess (`tests.crawl_process`); the servers keep running while the tests read the results.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.listing import Listing
from tests.conftest import REPO, armswatch_env
from tests.crawlers.browser.sites import (
    OUTSIDE_HOST,
    RecordingServer,
    UdpRecorder,
    fixture_pages,
    leak_page,
)

DEMO_LIMITS = {"max_pages": 15, "max_listings": 5}


@dataclass
class BrowserCrawl:
    out: Path
    demo_url: str
    outside: list[RecordingServer] = field(default_factory=list)
    stun: UdpRecorder | None = None

    def listings(self, source: str) -> list[Listing]:
        lines = (self.out / f"{source}.jsonl").read_text().splitlines()
        return [Listing.model_validate_json(line) for line in lines]

    def stats(self, source: str) -> dict[str, Any]:
        return dict(json.loads((self.out / f"{source}.stats.json").read_text()))

    def events(self, event: str) -> list[dict[str, Any]]:
        lines = (self.out / "data" / "logs" / "armswatch.jsonl").read_text().splitlines()
        records = [json.loads(line) for line in lines]
        return [record for record in records if record.get("event") == event]

    @property
    def screenshots_dir(self) -> Path:
        return self.out / "data" / "screenshots"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fixture_source(name: str, start: str, **browser: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "market",
        "render": "browser",
        "browser": {"timeout": 30, **browser},
        "start_urls": [start],
        "index": {"listing_links": {"css": "a.item", "attr": "href", "many": True}},
        "detail": {"title": "h1.title"},
        "limits": {"max_pages": 30},
        "rate_limit": {"concurrency": 2, "download_delay": 0, "autothrottle": False, "retries": 0},
    }


def _demo_source(base_url: str) -> dict[str, Any]:
    definition = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
    definition.update(render="browser", start_urls=[base_url + "/"])
    definition["limits"].update(DEMO_LIMITS)
    return dict(definition)


def _sources(base: str, demo_url: str) -> list[dict[str, Any]]:
    load_more = [{"scroll": True}, {"click": "#more", "times": 5}]
    return [
        _demo_source(demo_url),
        _fixture_source("js-on", f"{base}/js/", javascript=True),
        _fixture_source("js-off", f"{base}/js/", javascript=False),
        _fixture_source("actions-on", f"{base}/more/", actions=load_more),
        _fixture_source("actions-off", f"{base}/more/"),
        _fixture_source("leak", f"{base}/leak/", actions=[{"wait_for": "body", "wait_ms": 1500}]),
    ]


def _run(out: Path, sources: list[dict[str, Any]]) -> None:
    paths = []
    for source in sources:
        path = out / "sources" / f"{source['name']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(source))
        paths.append(str(path))
    command = [sys.executable, "-m", "tests.crawl_process", str(out), *paths]
    env = armswatch_env(out / "data")
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="package")
def browser_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserCrawl]:
    from armswatch.demo.server import DemoSites

    out = tmp_path_factory.mktemp("browser-crawl")
    with (
        DemoSites(day=1, ports={"market": 0, "forum": 0, "classifieds": 0}) as demo,
        RecordingServer(OUTSIDE_HOST) as far,
        RecordingServer("127.0.0.1") as near,
        UdpRecorder(OUTSIDE_HOST) as stun,
    ):
        leak = leak_page(far.port, near.port, stun.port)
        with RecordingServer("127.0.0.1", fixture_pages(_closed_port(), leak)) as site:
            crawl = BrowserCrawl(out, demo.base_urls["market"], [far, near], stun)
            _run(out, _sources(f"http://127.0.0.1:{site.port}", crawl.demo_url))
            yield crawl
