"""Shared fixtures: the CLI as a subprocess, and one crawl of the demo sites per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CliRunner = Callable[..., subprocess.CompletedProcess[str]]


def armswatch_env(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of an `armswatch` subprocess: this one's, the data directory, the repo's
    sources and the embedded index, then `env` on top (e.g. an `ARMSWATCH_INDEX`)."""
    merged = {
        **os.environ,
        "ARMSWATCH_DATA": str(data_dir),
        "ARMSWATCH_SOURCES": str(REPO / "sources"),
    }
    merged.pop("ARMSWATCH_INDEX", None)
    merged.update(env or {})
    return merged


def run_armswatch(
    *args: str,
    data_dir: Path,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `armswatch ARGS` in a fresh process (Twisted's reactor starts once per process);
    `input` is what it reads on stdin (answers to its questions)."""
    full_env = armswatch_env(data_dir, env)
    return subprocess.run(
        [sys.executable, "-m", "armswatch", *args],
        cwd=REPO,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one crawl of all three demo sites as they are on day 1.

    The sites are stopped again afterwards, so tests that serve them themselves can.
    """
    from armswatch.demo.server import DemoSites

    data_dir = tmp_path_factory.mktemp("demo-data")
    with DemoSites(day=1):
        done = run_armswatch(
            "crawl", "demo-market", "demo-forum", "demo-classifieds", data_dir=data_dir
        )
    assert done.returncode == 0, done.stdout + done.stderr
    return data_dir
