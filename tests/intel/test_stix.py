"""STIX 2.1 bundles of firearm leads: valid for the stix2 library, stable ids, TLP on everything."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import stix2

from intel.sharing.stix import observed_leads, producer_identity, stix_bundle, write_bundle
from tests.intel.sharing_listings import SHA, entity, lead

REMOVED = entity("SERIAL", "serial filed off", "serial/removed", field="description")


def _leads() -> list[Any]:
    return [
        lead("lead0000000000000001", entities=[entity("MODEL", "AK-47", "AK-47"), REMOVED]),
        lead("lead0000000000000002", evidence=None, title="pistol, no papers"),
        lead("lead0000000000000003", annotated=False),
    ]


def _serialized(**options: Any) -> str:
    out = io.StringIO()
    write_bundle(stix_bundle(_leads(), **options), out)
    return out.getvalue()


def test_the_bundle_parses_back_and_every_object_is_stix_2_1() -> None:
    parsed = stix2.parse(_serialized(), allow_custom=True)
    assert parsed.type == "bundle"
    assert {obj.spec_version for obj in parsed.objects} == {"2.1"}
    types = [obj.type for obj in parsed.objects]
    assert types.count("observed-data") == 3
    assert types.count("identity") == types.count("marking-definition") == 1


def test_only_the_lead_property_is_custom() -> None:
    document = json.loads(_serialized())
    for obj in document["objects"]:
        obj.pop("x_armswatch_lead", None)
    stix2.parse(document, allow_custom=False)  # raises on any other custom content


def test_each_lead_references_its_url_and_captured_page() -> None:
    parsed = stix2.parse(_serialized(), allow_custom=True)
    by_id = {obj.id: obj for obj in parsed.objects}
    first, second, _ = list(observed_leads(parsed))
    url, artifact = (by_id[ref] for ref in first.object_refs)
    assert url.value == "http://127.0.0.1:9/listing/lead0000000000000001"
    assert artifact.hashes == {"SHA-256": SHA}
    assert [by_id[ref].type for ref in second.object_refs] == ["url"]  # no evidence, no artifact
    assert first.x_armswatch_lead["serial_number_status"] == "removed"
    assert first.x_armswatch_lead["make"] == ["Kalashnikov"]
    assert first.x_armswatch_lead["evidence_sha256"] == SHA
    assert first.first_observed.isoformat() == "2026-03-01T12:00:00+00:00"
    assert first.last_observed.isoformat() == "2026-03-04T08:30:00+00:00"
    assert by_id[first.created_by_ref].type == "identity"


def test_exporting_again_gives_the_same_bundle() -> None:
    assert _serialized() == _serialized()
    other = json.loads(_serialized(producer="Another unit"))
    assert other["id"] != json.loads(_serialized())["id"]


def test_every_object_carries_the_tlp_marking() -> None:
    parsed = stix2.parse(_serialized(tlp="red"), allow_custom=True)
    marked = [obj for obj in parsed.objects if obj.type != "marking-definition"]
    assert {tuple(obj.object_marking_refs) for obj in marked} == {(stix2.TLP_RED.id,)}
    clear = stix2.parse(_serialized(tlp="clear"), allow_custom=True)
    assert clear.objects[0].id == stix2.TLP_WHITE.id


def test_vendors_are_shared_only_when_asked_for() -> None:
    plain = list(observed_leads(stix_bundle(_leads())))
    named = list(observed_leads(stix_bundle(_leads(), with_vendors=True)))
    assert "vendor_handle" not in plain[0].x_armswatch_lead
    assert named[0].x_armswatch_lead["vendor_handle"] == "IronHands"
    assert plain[0].id != named[0].id  # different content is a different object


def test_the_producer_identity_is_derived_from_its_name() -> None:
    amber = stix2.TLP_AMBER
    assert producer_identity("Unit 7", amber).id == producer_identity(" Unit 7 ", amber).id
    assert producer_identity("Unit 7", amber).id != producer_identity("Unit 8", amber).id


@pytest.mark.parametrize(
    ("options", "message"),
    [({"tlp": "purple"}, "unknown TLP level 'purple'"), ({"producer": " "}, "producer name")],
)
def test_bad_options_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stix_bundle(_leads(), **options)


def test_an_empty_selection_is_a_valid_bundle() -> None:
    out = io.StringIO()
    write_bundle(stix_bundle([]), out)
    parsed = stix2.parse(out.getvalue(), allow_custom=True)
    assert list(observed_leads(parsed)) == []
