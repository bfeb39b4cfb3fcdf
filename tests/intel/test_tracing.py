"""Tracing records: the fields of a tracing request read from a listing, CSV and JSON output,
and which listings are firearm leads (on the real embedded index)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from crawlers.listing import Evidence
from index.errors import QuerySyntaxError
from index.sqlite import SqliteIndex
from intel.sharing.leads import lead_query, select_leads
from intel.sharing.tracing import (
    TracingRecord,
    columns,
    tracing_record,
    tracing_records,
    write_csv,
    write_json,
)
from tests.intel.sharing_listings import SHA, entity, lead


def test_a_named_model_gives_make_type_calibre_and_country_marked_as_inferred() -> None:
    record = tracing_record(lead(entities=[entity("MODEL", "Glock 19", "Glock 19")]))
    assert record.make == ("Glock",)
    assert record.model == ("Glock 19",)
    assert record.firearm_type == ("pistol",)
    assert record.calibre == ("9x19mm Parabellum",)
    assert record.country_of_manufacture == ("AT",)
    assert record.inferred_fields == ("make", "firearm_type", "calibre", "country_of_manufacture")


def test_what_the_listing_states_wins_and_is_not_marked_inferred() -> None:
    entities = [
        entity("MAKE", "Glock", "Glock"),
        entity("MODEL", "G19", "Glock 19"),
        entity("CALIBRE", ".40", ".40 S&W", field="description"),
        entity("FIREARM_TYPE", "handgun", "pistol", field="description"),
        entity("FIREARM_TYPE", "gun", "firearm", field="description"),
    ]
    record = tracing_record(lead(entities=entities))
    assert (record.make, record.calibre, record.firearm_type) == (
        ("Glock",),
        (".40 S&W",),
        ("pistol",),
    )
    assert record.inferred_fields == ("country_of_manufacture",)


def test_a_model_with_several_calibres_leaves_the_calibre_open() -> None:
    record = tracing_record(lead(entities=[entity("MODEL", "P226", "SIG Sauer P226")]))
    assert record.calibre == ()
    assert "calibre" not in record.inferred_fields


def test_submachine_guns_are_spelled_out() -> None:
    model = entity("MODEL", "MP5", "Heckler & Koch MP5")
    assert tracing_record(lead(entities=[model])).firearm_type == ("submachine gun",)


def test_a_removed_serial_outweighs_a_serial_mentioned_elsewhere() -> None:
    entities = [
        entity("SERIAL", "with serial", "serial/present", field="description"),
        entity("SERIAL", "serial number removed", "serial/removed", field="description"),
    ]
    record = tracing_record(lead(entities=entities))
    assert record.serial_number_status == "removed"
    assert record.serial_number is None


def test_a_serial_number_given_after_a_cue_is_kept() -> None:
    serial = entity("SERIAL", "S/N: BHK-41822", "serial/present", field="description")
    record = tracing_record(lead(entities=[serial]))
    assert (record.serial_number_status, record.serial_number) == ("present", "BHK-41822")


def test_a_listing_without_entities_or_annotations_still_makes_a_record() -> None:
    bare = tracing_record(lead(entities=[]))
    assert bare.make == bare.model == bare.country_of_manufacture == ()
    assert bare.serial_number_status == "not_mentioned"
    unannotated = tracing_record(lead(annotated=False))
    assert unannotated.category == "none"
    assert unannotated.inferred_fields == ()


def test_evidence_time_and_source_fields() -> None:
    record = tracing_record(lead())
    assert record.evidence_sha256 == SHA
    assert record.evidence_warc_record_id == "<urn:uuid:1>"
    document = record.document()
    assert document["first_seen"] == "2026-03-01T12:00:00Z"
    assert document["captured_at"] == "2026-03-04T08:30:00Z"
    assert (document["lead_id"], document["market"]) == ("lead0000000000000001", "Test Bazaar")
    assert (document["price_currency"], document["price_usd"]) == ("BTC", 1500.0)


def test_a_listing_without_evidence_has_empty_evidence_cells() -> None:
    row = tracing_record(lead(evidence=None)).row()
    assert row["evidence_sha256"] == row["evidence_warc_file"] == ""
    partial = tracing_record(lead(evidence=Evidence(sha256=SHA))).row()
    assert (partial["evidence_sha256"], partial["evidence_warc_record_id"]) == (SHA, "")


def test_vendors_only_when_asked_for() -> None:
    assert "vendor_handle" not in columns()
    assert "vendor_handle" not in tracing_record(lead()).document()
    with_vendor = tracing_record(lead(), with_vendors=True)
    assert with_vendor.document(with_vendors=True)["vendor_handle"] == "IronHands"
    assert columns(with_vendors=True)[-2:] == ["vendor_handle", "vendor_profile_url"]


def test_csv_has_a_header_and_one_row_per_record() -> None:
    listings = [
        lead(f"lead{n:016d}", entities=[entity("MAKE", "Glock", "Glock")]) for n in range(3)
    ]
    out = io.StringIO()
    assert write_csv(tracing_records(listings), out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["lead_id"] for row in rows] == [listing.id for listing in listings]
    assert list(rows[0]) == columns()
    assert rows[0]["ships_to"] == "DE; AT"
    assert rows[0]["make"] == "Glock"


def test_csv_cells_that_a_spreadsheet_would_run_are_shown_as_text() -> None:
    record = tracing_record(lead(title='=HYPERLINK("http://x","click")'))
    assert record.row()["title"] == '\'=HYPERLINK("http://x","click")'
    assert record.document()["title"].startswith("=")


def test_json_document_has_a_header_and_the_records() -> None:
    out = io.StringIO()
    count = write_json(tracing_records([lead(), lead("lead0000000000000002")]), out, query="glock")
    document = json.loads(out.getvalue())
    assert count == document["count"] == len(document["records"]) == 2
    assert document["query"] == "glock"
    assert document["generated_at"].endswith("Z")
    assert document["armswatch_version"]
    assert TracingRecord.model_validate(document["records"][0]).lead_id == "lead0000000000000001"


def test_leads_are_the_firearm_listings_of_the_query(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "leads.db")
    try:
        index.upsert(
            [
                lead("lead-firearm-glock01"),
                lead("lead-firearm-ak00001", title="AK-47 underfolder"),
                lead("lead-frame-glock001", category="essential_component"),
                lead("lead-mags-glock0001", category="accessory"),
            ]
        )
        glock = select_leads(index, "glock")
        assert glock.count == 1
        assert [listing.id for listing in glock.listings] == ["lead-firearm-glock01"]
        wider = select_leads(index, "glock", include_components=True)
        assert sorted(listing.id for listing in wider.listings) == [
            "lead-firearm-glock01",
            "lead-frame-glock001",
        ]
        assert select_leads(index).count == 2
    finally:
        index.close()


def test_a_malformed_query_is_reported_at_its_own_position(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "leads.db")
    try:
        with pytest.raises(QuerySyntaxError) as raised:
            select_leads(index, "glock AND (")
    finally:
        index.close()
    assert raised.value.query == "glock AND ("
    assert lead_query(" ") == "(*) AND category:(firearm)"
