"""`armswatch demo --hostile --browser` crawls Hostile Bazaar on 127.0.0.1:8305, with its static
source and in Chromium, and says what each cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from armswatch.demo.hostile import NORMAL_LISTINGS, PATIENT_LISTINGS
from tests.conftest import run_armswatch

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_the_hostile_demo_captures_every_ordinary_listing_and_shows_the_cuts(
    tmp_path: Path,
) -> None:
    ordinary = len(NORMAL_LISTINGS) + len(PATIENT_LISTINGS)
    demo = run_armswatch(
        "demo",
        "--hostile",
        "--browser",
        data_dir=tmp_path / "data",
        env={"COLUMNS": "200"},
        timeout=500,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    for source in ("demo-hostile:", "demo-hostile-browser:"):
        assert source in demo.stdout, demo.stdout
    assert demo.stdout.count(f"ordinary listings captured: {ordinary}/{ordinary}") == 2
    for kind in ("decompression_bomb", "trap_calendar", "timeout", "charset_mislabelled"):
        assert kind in demo.stdout, demo.stdout
    runs = run_armswatch("runs", "demo-hostile", data_dir=tmp_path / "data")
    assert "cut: " in runs.stdout
