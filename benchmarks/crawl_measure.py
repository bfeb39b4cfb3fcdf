"""Run a crawl in a subprocess and sample its memory: the measuring half of `crawl.py`."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SAMPLE_INTERVAL = 0.2  # seconds between RSS samples
MIB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    at: float  # Unix seconds
    rss: int  # bytes, the process and its children together
    cpu: float  # CPU seconds (user + system) of the process so far
    children: dict[int, float] = field(default_factory=dict)  # CPU seconds of each child


@dataclass(frozen=True)
class Sampled:
    """A finished subprocess: its exit status, wall time and memory samples; and what else
    kept the machine busy meanwhile: this process's CPU seconds (the demo server's threads)
    and the 1-minute load average before and after."""

    returncode: int
    wall: float
    samples: list[Sample] = field(default_factory=list)
    server_cpu: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def peak_rss(self) -> int:
        return max((sample.rss for sample in self.samples), default=0)

    @property
    def cpu(self) -> float:
        """CPU seconds of the process and its children (give or take one interval)."""
        return (self.samples[-1].cpu if self.samples else 0.0) + self.children_cpu

    @property
    def children_cpu(self) -> float:
        """CPU seconds of the children (the workers), as last seen alive."""
        last_seen: dict[int, float] = {}
        for sample in self.samples:
            last_seen.update(sample.children)
        return sum(last_seen.values())


@dataclass(frozen=True)
class CrawlFigures:
    """What one crawl did (from its Scrapy stats) and how its process fared."""

    name: str
    pages: int
    listings: int
    elapsed: float  # seconds from spider open to close (Scrapy's elapsed_time_seconds)
    started: float  # Unix seconds
    finished: float
    process: Sampled

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0

    def rss_at(self, fraction: float) -> int:
        """RSS at the last sample taken by `fraction` of the crawl (0 = spider open)."""
        moment = self.started + fraction * (self.finished - self.started)
        before = [sample.rss for sample in self.process.samples if sample.at <= moment]
        return before[-1] if before else 0


def run_sampled(command: Sequence[str], env: Mapping[str, str], cwd: Path, log: Path) -> Sampled:
    """Run `command` to its end, sampling its RSS every SAMPLE_INTERVAL; stderr goes to `log`."""
    started, load_before, server_before = time.perf_counter(), os.getloadavg()[0], _own_cpu()
    samples: list[Sample] = []
    with log.open("wb") as errors:
        child = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors
        )
        process = psutil.Process(child.pid)
        while child.poll() is None:
            sample = _sample(process)
            if sample is not None:
                samples.append(sample)
            time.sleep(SAMPLE_INTERVAL)
        child.wait()
    wall = time.perf_counter() - started
    server_cpu = _own_cpu() - server_before
    return Sampled(child.returncode, wall, samples, server_cpu, (load_before, os.getloadavg()[0]))


def _own_cpu() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def _sample(process: psutil.Process) -> Sample | None:
    """RSS and CPU of the process and its children (the workers) together."""
    try:
        with process.oneshot():
            rss = process.memory_info().rss
            times = process.cpu_times()
            children = process.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    if not rss:  # exited, not yet reaped
        return None
    children_cpu: dict[int, float] = {}
    for child in children:
        try:
            with child.oneshot():
                rss += child.memory_info().rss
                child_times = child.cpu_times()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        children_cpu[child.pid] = child_times.user + child_times.system
    return Sample(time.time(), rss, times.user + times.system, children_cpu)


def mib(size: int) -> str:
    return f"{size / MIB:.0f} MiB"


def log_tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])
