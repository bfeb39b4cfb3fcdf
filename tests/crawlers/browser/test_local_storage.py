"""A persona's browser local storage is kept between runs: the second crawl's pages see what
the first crawl's pages stored, on the same origin; an anonymous crawl keeps nothing."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from crawlers.personas import storage_file
from tests.conftest import REPO, armswatch_env
from tests.crawlers.browser.sites import Page, RecordingServer, _html, _index

HTML = "text/html; charset=utf-8"
VISIT = """<h1 class='title'></h1><script>
const seen = window.localStorage.getItem('visitor');
if (seen === null) window.localStorage.setItem('visitor', 'v-1234');
const title = seen === null ? 'first visit' : 'returning ' + seen;
document.querySelector('h1.title').textContent = title;
</script>"""


def _pages(path: str) -> Page:
    pages = {"/": (200, HTML, _index(["/item/1"])), "/item/1": (200, HTML, _html("item", VISIT))}
    return pages.get(path, (404, "text/plain", b"not here"))


def _source(directory: Path, port: int, **changes: Any) -> Path:
    definition = {
        "name": "storage-site",
        "kind": "market",
        "render": "browser",
        "browser": {"timeout": 30, "screenshot": False},
        "start_urls": [f"http://127.0.0.1:{port}/"],
        "index": {"listing_links": {"css": "a.item", "attr": "href", "many": True}},
        "detail": {"title": "h1.title"},
        "rate_limit": {"concurrency": 1, "download_delay": 0, "autothrottle": False},
        **changes,
    }
    path = directory / "storage-site.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


def _titles(source: Path, data_dir: Path, out: Path) -> list[str]:
    command = [sys.executable, "-m", "tests.crawl_process", "--strict", str(out), str(source)]
    done = subprocess.run(
        command, cwd=REPO, env=armswatch_env(data_dir), capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (out / "storage-site.jsonl").read_text().splitlines()
    return [json.loads(line)["title"] for line in lines]


def test_a_personas_local_storage_is_restored_in_the_next_crawl(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with RecordingServer("127.0.0.1", _pages) as site:
        source = _source(tmp_path, site.port, persona="storage-tester")
        first = _titles(source, data_dir, tmp_path / "first")
        second = _titles(source, data_dir, tmp_path / "second")
    assert first == ["first visit"] and second == ["returning v-1234"]
    saved = storage_file(data_dir / "sessions", "storage-site", "storage-tester")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    origins = json.loads(saved.read_text())["origins"]
    assert origins == {f"http://127.0.0.1:{site.port}": {"visitor": "v-1234"}}


def test_an_anonymous_crawl_keeps_no_local_storage(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with RecordingServer("127.0.0.1", _pages) as site:
        source = _source(tmp_path, site.port)
        first = _titles(source, data_dir, tmp_path / "first")
        second = _titles(source, data_dir, tmp_path / "second")
    assert first == second == ["first visit"]
    assert not (data_dir / "sessions").exists()
