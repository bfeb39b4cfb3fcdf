"""Acceptance: a crawl killed with SIGKILL and started again continues where it stopped.

The demo forum (300 threads) is crawled by `armswatch crawl` into the embedded index, in
batches of 20 items; once 40 listings are in the index the process is killed with SIGKILL
(no clean shutdown of any kind), and the same crawl runs again. Afterwards the index holds
exactly the forum's listings, none lost and none changed twice, every vendor profile, and the
second run fetched fewer pages than a whole crawl: it resumed rather than restarted.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from armswatch.demo.catalog import offers_by_site
from armswatch.demo.server import DemoSites
from tests.conftest import REPO, armswatch_env, run_armswatch

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # two crawls, one of them whole

BATCH = 20
KILL_AFTER = 2 * BATCH  # listings in the index before the kill


class PathLog:
    """The path of every request the demo forum answered, in order."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def take(self) -> list[str]:
        with self.lock:
            taken, self.paths = self.paths, []
        return taken


@contextmanager
def recording_forum(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DemoSites, PathLog]]:
    """The demo sites on free ports, with a log of the forum's requests."""
    log = PathLog()
    with DemoSites(day=1, ports={"market": 0, "forum": 0, "classifieds": 0}) as sites:
        respond = sites.respond

        def recording(site: str, path: str) -> Any:
            if site == "forum":
                with log.lock:
                    log.paths.append(path)
            return respond(site, path)

        monkeypatch.setattr(sites, "respond", recording)
        yield sites, log


def forum_source(tmp_path: Path, forum_url: str) -> Path:
    source = yaml.safe_load((REPO / "sources" / "demo-forum.yaml").read_text())
    source["start_urls"] = [forum_url + "/"]
    path = tmp_path / "demo-forum.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False))
    return path


def indexed_count(data_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data_dir / 'armswatch.db'}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM listings").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def crawl_until_killed(source: Path, data_dir: Path, env: dict[str, str]) -> int:
    """Start the crawl, SIGKILL it once KILL_AFTER listings are indexed; how many were."""
    output = (data_dir.parent / "killed-crawl.out").open("w")  # a pipe nobody reads would fill
    crawl = subprocess.Popen(
        [sys.executable, "-m", "armswatch", "crawl", str(source)],
        cwd=REPO,
        env=armswatch_env(data_dir, env),
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        while (count := indexed_count(data_dir)) < KILL_AFTER:
            assert crawl.poll() is None, "the crawl ended before it was killed"
            assert time.monotonic() < deadline, "no listings reached the index"
            time.sleep(0.25)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        output.close()
    assert crawl.returncode == -signal.SIGKILL
    return count


def index_state(data_dir: Path) -> tuple[Counter[str], int, int]:
    """Site listing ids in the index (with their multiplicity), the highest version, and
    the number of vendor profiles."""
    with sqlite3.connect(data_dir / "armswatch.db") as db:
        ids = Counter(row[0] for row in db.execute("SELECT site_listing_id FROM listings"))
        (highest,) = db.execute("SELECT max(version) FROM listings").fetchone()
        (vendors,) = db.execute("SELECT count(*) FROM vendors").fetchone()
    return ids, int(highest), int(vendors)


def last_run_stats(data_dir: Path) -> dict[str, Any]:
    with sqlite3.connect(data_dir / "runs.db") as db:
        rows = db.execute("SELECT finish_reason, stats FROM runs ORDER BY id").fetchall()
    assert len(rows) == 1, "the killed run left no run record, the resumed one did"
    reason, stats = rows[0]
    assert reason == "finished"
    return dict(json.loads(stats))


def frontier_rows(data_dir: Path) -> tuple[str, int, int]:
    with sqlite3.connect(data_dir / "frontier" / "demo-forum.db") as db:
        (state,) = db.execute("SELECT state FROM crawl").fetchone()
        (requests,) = db.execute("SELECT count(*) FROM requests").fetchone()
        (seen,) = db.execute("SELECT count(*) FROM seen").fetchone()
    return str(state), int(requests), int(seen)


def test_a_crawl_killed_with_sigkill_resumes_and_loses_no_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offers = offers_by_site(1)["forum"]
    expected = Counter(offer.offer_id for offer in offers)
    vendors = len({offer.vendor for offer in offers})
    data_dir = tmp_path / "data"
    env = {  # annotated batches no larger than index batches: the margin below holds
        "ARMSWATCH_INDEX_BATCH": str(BATCH),
        "ARMSWATCH_EXTRACT_BATCH": str(BATCH),
        "ARMSWATCH_RULES": str(tmp_path / "no-rules"),
    }
    started = time.monotonic()
    with recording_forum(monkeypatch) as (sites, log):
        source = forum_source(tmp_path, sites.base_urls["forum"])
        indexed_at_kill = crawl_until_killed(source, data_dir, env)
        killed_after = time.monotonic() - started
        first = log.take()
        state, stored, _ = frontier_rows(data_dir)
        assert state == "open" and stored > 0, "the killed crawl left its frontier open"

        resumed = run_armswatch("crawl", str(source), data_dir=data_dir, env=env)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        second = log.take()

    ids, highest, vendor_profiles = index_state(data_dir)
    assert ids == expected  # every thread once: none lost, none twice
    assert highest == 1  # a listing fetched again was recognised unchanged
    assert vendor_profiles == vendors

    stats = last_run_stats(data_dir)
    assert stats["frontier/start/resumed"] == 1
    whole_crawl = set(first) | set(second)
    assert len(second) < len(whole_crawl), "the second run restarted the crawl"
    assert stats["armswatch/pages/detail"] < len(expected)
    # fetched again: the pages whose listings were not yet in the index (still in the
    # extraction or index pipeline, or in flight), and those of the last batch (the margin)
    threads = {path for path in first if path.startswith("/thread/")}
    threads_again = threads & set(second)
    assert len(threads_again) <= len(threads) - indexed_at_kill + 2 * BATCH
    assert frontier_rows(data_dir) == ("closed", 0, 0)  # the next run starts fresh
    refetched = sum((Counter(first) & Counter(second)).values())
    print(
        f"killed after {killed_after:.0f} s with {indexed_at_kill} listings indexed,"
        f" {len(first)} pages fetched ({len(threads)} threads); the resumed run fetched"
        f" {len(second)} pages of a whole crawl's {len(whole_crawl)}, {refetched} of them again"
        f" ({len(threads_again)} threads), re-queued {stats['frontier/start/requeued']};"
        f" {time.monotonic() - started:.0f} s in all"
    )
