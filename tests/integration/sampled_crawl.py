"""`armswatch crawl` in a subprocess whose memory is sampled all along (for the hostile-site
acceptance tests): the crawl's own RSS, its whole process tree's, and its browser's.

The browser's memory is the proportional set size (PSS) of its processes: Chromium's many
processes share most of their pages, and summing their RSS counts them several times over.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from tests.conftest import REPO, armswatch_env


@dataclass
class Peaks:
    crawl: int = 0  # bytes: the crawl process's RSS
    tree: int = 0  # the crawl's RSS and its children's (workers, Playwright, Chromium)
    browser: int = 0  # Chromium's processes, PSS

    def sample(self, process: psutil.Process) -> None:
        rss = process.memory_info().rss
        children = process.children(recursive=True)
        tree = rss + sum(child.memory_info().rss for child in children)
        browsers = [child for child in children if "chromium" in child.name()]
        browser = sum(child.memory_full_info().pss for child in browsers)
        self.crawl, self.tree = max(self.crawl, rss), max(self.tree, tree)
        self.browser = max(self.browser, browser)

    def __str__(self) -> str:
        return (
            f"peak RSS {self.crawl >> 20} MiB (with its child processes {self.tree >> 20} MiB),"
            f" browser {self.browser >> 20} MiB PSS"
        )


def crawl_sampled(source: Path, data_dir: Path) -> tuple[int, Peaks]:
    """Run the crawl; its exit code and its memory peaks."""
    env = armswatch_env(data_dir, {"ARMSWATCH_RULES": str(data_dir.parent / "no-rules")})
    peaks = Peaks()
    with (data_dir.parent / "crawl.out").open("w") as output:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "armswatch", "crawl", str(source)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        process = psutil.Process(crawl.pid)
        while crawl.poll() is None:
            try:
                peaks.sample(process)
            except psutil.Error:  # it, or a child, has just ended
                continue
            time.sleep(0.1)
    return crawl.returncode, peaks


def run_stats(data_dir: Path) -> dict[str, Any]:
    with sqlite3.connect(data_dir / "runs.db") as db:
        [(stats,)] = db.execute("SELECT stats FROM runs").fetchall()
    return dict(json.loads(stats))


def indexed_titles(data_dir: Path) -> dict[str, str]:
    with sqlite3.connect(data_dir / "armswatch.db") as db:
        rows = db.execute("SELECT site_listing_id, document FROM listings").fetchall()
    return {str(site_id): str(json.loads(document)["title"]) for site_id, document in rows}


def anomaly_counts(stats: dict[str, Any]) -> dict[str, int]:
    return {
        key.removeprefix("armswatch/anomalies/"): int(value)
        for key, value in stats.items()
        if key.startswith("armswatch/anomalies/")
    }


def check_counts(counted: dict[str, int], expected: dict[str, int | tuple[int]]) -> None:
    """Each kind counted exactly as expected, or (a tuple) at least that often."""
    for kind, want in expected.items():
        if isinstance(want, tuple):
            assert counted.get(kind, 0) >= want[0], (kind, counted)
        else:
            assert counted.get(kind, 0) == want, (kind, counted)
