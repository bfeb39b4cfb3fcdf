"""`armswatch share`: tracing records and STIX bundles of the demo crawl, through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import stix2

from tests.conftest import run_armswatch

REQUIRED_COLUMNS = {
    "lead_id",
    "url",
    "make",
    "model",
    "calibre",
    "firearm_type",
    "serial_number_status",
    "serial_number",
    "country_of_manufacture",
    "ships_from",
    "source",
    "market",
    "first_seen",
    "last_seen",
    "captured_at",
    "evidence_sha256",
    "evidence_warc_file",
    "evidence_warc_record_id",
}


def _firearm_listings(data_dir: Path, query: str = "category:firearm") -> dict[str, dict]:
    done = run_armswatch("search", query, "--json", "--limit", "10000", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["total"] == len(found["hits"])
    return {hit["id"]: hit for hit in found["hits"]}


def test_the_tracing_csv_holds_one_row_per_firearm_lead(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    done = run_armswatch("share", "tracing", "--out", str(out), data_dir=demo_data)
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    firearms = _firearm_listings(demo_data)
    assert len(firearms) > 50
    assert sorted(row["lead_id"] for row in rows) == sorted(firearms)
    assert f"{len(rows)} leads written" in done.stderr
    assert set(rows[0]) >= REQUIRED_COLUMNS
    assert "vendor_handle" not in rows[0]
    for row in rows:
        evidence = firearms[row["lead_id"]]["evidence"]
        assert row["evidence_sha256"] == evidence["sha256"]
        assert row["url"] == firearms[row["lead_id"]]["url"]
    assert {"removed", "not_mentioned"} <= {row["serial_number_status"] for row in rows}
    assert any(row["make"] == "Glock" and row["country_of_manufacture"] == "AT" for row in rows)


def test_the_tracing_json_of_a_query_to_stdout(demo_data: Path) -> None:
    done = run_armswatch(
        "share", "tracing", "glock", "--format", "json", "--with-vendors", data_dir=demo_data
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    expected = _firearm_listings(demo_data, "(glock) AND category:firearm")
    assert document["query"] == "glock"
    assert document["count"] == len(document["records"]) == len(expected) > 0
    for record in document["records"]:
        assert record["vendor_handle"] == expected[record["lead_id"]]["vendor"]["handle"]


def test_the_stix_bundle_of_the_demo_validates(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "leads.stix.json"
    done = run_armswatch(
        "share", "stix", "--out", str(out), "--producer", "Demo Unit", "--tlp", "green",
        data_dir=demo_data,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    bundle = stix2.parse(out.read_text(encoding="utf-8"), allow_custom=True)
    assert {obj.spec_version for obj in bundle.objects} == {"2.1"}
    observed = [obj for obj in bundle.objects if obj.type == "observed-data"]
    firearms = _firearm_listings(demo_data)
    assert sorted(obj.x_armswatch_lead["lead_id"] for obj in observed) == sorted(firearms)
    identity = next(obj for obj in bundle.objects if obj.type == "identity")
    assert identity.name == "Demo Unit"
    assert all(obj.object_marking_refs == [stix2.TLP_GREEN.id] for obj in observed)


def test_bad_input_is_named_with_exit_code_2(demo_data: Path, tmp_path: Path) -> None:
    bad_query = run_armswatch("share", "tracing", "glock AND (", data_dir=demo_data)
    assert bad_query.returncode == 2
    assert "invalid query" in bad_query.stderr and "glock AND (" in bad_query.stderr
    bad_tlp = run_armswatch("share", "stix", "--tlp", "purple", data_dir=demo_data)
    assert (bad_tlp.returncode, "use clear, green, amber, red" in bad_tlp.stderr) == (2, True)
    missing = tmp_path / "no" / "such" / "dir" / "x.csv"
    no_dir = run_armswatch("share", "tracing", "--out", str(missing), data_dir=demo_data)
    assert no_dir.returncode == 2 and "does not exist" in no_dir.stderr
    assert not missing.parent.exists()
