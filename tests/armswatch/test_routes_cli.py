"""`armswatch routes` as a user runs it: formats, the sharing header, vendor handles on
request only, and clear errors for bad options."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from armswatch.cli import exit_codes
from tests.conftest import run_armswatch


def test_csv_starts_with_the_sharing_header_and_holds_no_handles(demo_data: Path) -> None:
    done = run_armswatch(
        "routes", "--category", "essential_component", "--since", "90d", "--format", "csv",
        data_dir=demo_data,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert "# aggregates_only: true" in header
    assert any(line.startswith('# filters: {"category": "essential_component"') for line in header)
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert rows and {row["category"] for row in rows} == {"essential_component"}
    assert "IronCurtain" not in done.stdout


def test_with_vendors_names_the_handles_and_says_so(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "routes.json"
    done = run_armswatch(
        "routes", "--category", "essential_component", "--with-vendors", "--methods", "class",
        "--format", "json", "--out", str(out), data_dir=demo_data,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["header"]["aggregates_only"] is False
    handles = {h for row in document["routes"] for h in row["vendor_handles"]}
    assert "Obsidian Bazaar/IronCurtain" in handles
    assert {row["method"] for row in document["routes"]} >= {"post", "courier"}


def test_table_shows_worldwide_and_the_header(demo_data: Path) -> None:
    done = run_armswatch("routes", data_dir=demo_data, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "aggregates only" in done.stdout and "worldwide" in done.stdout


def test_bad_options_exit_2_and_say_what_to_write(tmp_path: Path) -> None:
    done = run_armswatch("routes", "--since", "ninety days", data_dir=tmp_path)
    assert done.returncode == exit_codes.BAD_INPUT
    assert "90d" in done.stderr
    done = run_armswatch("routes", "--category", "guns", data_dir=tmp_path)
    assert done.returncode == exit_codes.BAD_INPUT
    assert "essential_component" in done.stderr
