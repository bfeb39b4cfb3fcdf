"""Acceptance (issue 7): `armswatch schedule run` with the demo sources scheduled every minute
crawls them again and again; a SIGKILL of the daemon during a crawl and a restart finish that
crawl; afterwards the index holds exactly the demo's listings, none lost, none duplicated.

The daemon is killed during the first crawls, once the market (900 listings, in batches of 50)
is partly in the index; its crawls die with it. The restarted daemon runs the unfinished crawls
again at once, then on schedule: the test waits for two complete runs of each source after the
restart, then stops the daemon with SIGTERM. The second test checks that the market's crawl
continued where it was killed (the crash-safe frontier) rather than starting over.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from armswatch.demo.catalog import offers_by_site
from armswatch.demo.server import DemoSites
from armswatch.runs import CrawlRun
from crawlers.frontier.state import unfinished
from crawlers.listing import listing_id
from tests.armswatch.scheduler.conftest import (
    DaemonProcess,
    alive,
    crawl_runs,
    wait_for,
    write_source,
)

pytestmark = pytest.mark.slow
SITES = ("market", "forum", "classifieds")
ENV = {"ARMSWATCH_INDEX_BATCH": "50"}
KILL_AT = 150  # market listings in the index when the daemon is killed (of 900)


@dataclass
class Story:
    data_dir: Path
    killed_at: datetime  # when the first daemon was killed
    market_indexed_at_kill: int
    runs: list[CrawlRun]  # every run recorded, oldest first
    stopped_with: int  # the second daemon's exit code on SIGTERM


def _indexed(data_dir: Path, source: str) -> int:
    database = data_dir / "armswatch.db"
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=30) as db:
        try:
            row = db.execute("SELECT count(*) FROM listings WHERE source = ?", (source,)).fetchone()
        except sqlite3.OperationalError:  # no table yet
            return 0
    return int(row[0])


def _complete_since(data_dir: Path, moment: datetime) -> dict[str, int]:
    counts = dict.fromkeys((f"demo-{site}" for site in SITES), 0)
    for run in crawl_runs(data_dir):
        if run.finish_reason == "finished" and run.started_at >= moment:
            counts[run.source] += 1
    return counts


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    root = tmp_path_factory.mktemp("schedule-daemon")
    sources, data = root / "sources", root / "data"
    with DemoSites(day=1, ports=dict.fromkeys(SITES, 0), sites=SITES) as demo:
        for site in SITES:
            write_source(sources, site, demo.base_urls[site], schedule="* * * * *")
        first = DaemonProcess(data, sources, "--poll", "2", env=ENV)
        try:
            wait_for(lambda: _indexed(data, "demo-market") >= KILL_AT, 600, "market listings")
        finally:
            first.kill()  # SIGKILL: no clean-up of any kind
        killed_at = datetime.now().astimezone()
        at_kill = _indexed(data, "demo-market")
        crawls = [unfinished(data, f"demo-{site}") for site in SITES]
        pids = [crawl.pid for crawl in crawls if crawl is not None and crawl.pid]
        wait_for(lambda: not any(alive(pid) for pid in pids), 15, "the crawls to die")

        second = DaemonProcess(data, sources, "--poll", "2", name="restarted", env=ENV)
        try:
            wait_for(
                lambda: min(_complete_since(data, killed_at).values()) >= 2,
                1500,
                "two complete runs of each source after the restart",
                every=2,
            )
        finally:
            code = second.stop(timeout=300)
    return Story(data, killed_at, at_kill, crawl_runs(data), code)


@pytest.mark.timeout(2400)
def test_the_daemon_crawls_on_schedule_survives_a_sigkill_and_the_index_holds_the_demo(
    story: Story,
) -> None:
    assert story.market_indexed_at_kill < 900, "the market crawl ended before the kill"
    assert story.stopped_with == 0
    expected = {
        listing_id(f"demo-{site}", offer.offer_id, "")
        for site, offers in offers_by_site(1).items()
        for offer in offers
    }
    with sqlite3.connect(story.data_dir / "armswatch.db") as db:
        rows = db.execute("SELECT id, status, version FROM listings").fetchall()
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)) == len(expected)  # none duplicated
    assert set(ids) == expected  # none lost, nothing else
    assert {(status, version) for _, status, version in rows} == {("active", 1)}
    for site in SITES:  # unfinished only if the daemon's SIGTERM cut its crawl short
        last = [run for run in story.runs if run.source == f"demo-{site}"][-1]
        crawl = unfinished(story.data_dir, f"demo-{site}")
        if last.finish_reason == "finished":
            assert crawl is None, f"demo-{site}: finished, yet its frontier says unfinished"
        else:  # on schedule every minute, the stop can fall inside a crawl: resumed next time
            assert last.finish_reason == "shutdown", (site, last)
            assert crawl is not None and crawl.finish_reason == "shutdown", (site, crawl)


@pytest.mark.timeout(2400)
def test_the_crawl_killed_with_the_daemon_continued_where_it_stopped(story: Story) -> None:
    market = [run for run in story.runs if run.source == "demo-market"]
    after = [run for run in market if run.started_at >= story.killed_at]
    # the last run may be one the final SIGTERM cut short: the whole run is the last complete
    resumed, whole = after[0], [run for run in after if run.finish_reason == "finished"][-1]
    assert resumed is not whole
    assert resumed.finish_reason == whole.finish_reason == "finished"
    # the killed crawl had fetched pages for KILL_AT listings or more: the resumed run
    # fetched the rest only (this needs the crash-safe frontier of crawlers.frontier)
    assert resumed.pages < whole.pages - KILL_AT / 2, (resumed.pages, whole.pages)
