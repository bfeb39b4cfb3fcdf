"""`armswatch patterns list|run` as a user runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from armswatch.cli import exit_codes
from tests.conftest import run_armswatch


def test_list_names_every_report(tmp_path: Path) -> None:
    done = run_armswatch("patterns", "list", data_dir=tmp_path, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    for name in ("new_vendors", "assembled_firearms", "price_anomalies", "separate_parcels",
                 "bursts"):  # fmt: skip
        assert name in done.stdout


def test_run_all_as_json_explains_each_finding(demo_data: Path) -> None:
    done = run_armswatch("patterns", "run", "all", "--since", "1y", "--format", "json",
                         data_dir=demo_data)  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    reports = {finding["report"] for finding in document["findings"]}
    assert {"separate_parcels", "assembled_firearms", "new_vendors"} <= reports
    assert all(f["listing_ids"] and f["explanation"] for f in document["findings"])


def test_run_one_to_a_csv_file(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "parcels.csv"
    done = run_armswatch("patterns", "run", "separate_parcels", "--since", "1y", "--format",
                         "csv", "--out", str(out), data_dir=demo_data)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert rows and {row["report"] for row in rows} == {"separate_parcels"}
    assert any("ironcurtain" in row["subject"].casefold() for row in rows)


def test_an_unknown_report_exits_2_and_lists_the_known_ones(tmp_path: Path) -> None:
    done = run_armswatch("patterns", "run", "guns", data_dir=tmp_path)
    assert done.returncode == exit_codes.BAD_INPUT
    assert "assembled_firearms" in done.stderr
