"""Firearm leads as a STIX 2.1 bundle (the `stix2` library) for threat-sharing platforms (MISP,
OpenCTI...).

What the bundle holds:

* the TLP `marking-definition` chosen (`amber` by default; `clear` is TLP 1.0 WHITE, which the
  `stix2` library ships and which TLP 2.0 renamed CLEAR); every other object carries it in
  `object_marking_refs`;
* an `identity` for the producing unit (`identity_class` organization), the `created_by_ref`
  of each lead;
* per lead, an `observed-data` (the offer was seen online: `first_observed` / `last_observed`
  are the listing's first and last sighting, `number_observed` 1) whose `object_refs` name
  - a `url` SCO: the listing URL,
  - an `artifact` SCO, when the page was captured: the listing URL and the SHA-256 of the page
    body as captured (the WARC payload digest, `hashes: {"SHA-256": ...}`);
  the tracing record (`intel.sharing.tracing`) rides along as the custom property
  `x_armswatch_lead`, with the WARC file and record id that prove it; `confidence` is the
  classifier's score (0-100) and `external_references` name the market and its listing id.

No `indicator`: a listing URL is not a detection pattern, and most leads are gone within weeks.
No `relationship` objects: `object_refs` and `created_by_ref` already join everything.
Crypto addresses are left out: STIX 2.1 has no cryptocurrency-wallet object and `stix2` ships
none; a custom SCO would need an extension definition that receiving platforms do not know.

Ids are stable: SCOs get the library's deterministic UUIDv5 ids, the identity's and each
observed-data's are UUIDv5 of the producer name and of the listing id, and `created` /
`modified` come from the listing's first and last sighting, so exporting the same listings
again gives the same objects (and the same bundle id).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import stix2

from crawlers.listing import Listing
from intel.sharing.tracing import tracing_record

Tlp = Literal["clear", "green", "amber", "red"]
TLP_MARKINGS: dict[str, stix2.MarkingDefinition] = {
    "clear": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}
DEFAULT_PRODUCER = "armswatch"
# the namespace of armswatch's UUIDv5 ids: uuid5(NAMESPACE_URL, "urn:armswatch:stix")
ARMSWATCH_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:armswatch:stix")
# the identity's `created`: fixed, so that the same producer is the same object in every export
PRODUCER_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    """The TLP marking definition of a level; ValueError naming the levels for any other."""
    try:
        return TLP_MARKINGS[tlp.lower()]
    except KeyError:
        raise ValueError(f"unknown TLP level {tlp!r}; use {', '.join(TLP_MARKINGS)}") from None


def producer_identity(name: str, marking: stix2.MarkingDefinition) -> stix2.Identity:
    """The producing unit, with an id derived from its name."""
    if not name.strip():
        raise ValueError("the producer name is empty; name the unit that shares the leads")
    return stix2.Identity(
        id=f"identity--{uuid.uuid5(ARMSWATCH_NAMESPACE, f'producer:{name.strip()}')}",
        name=name.strip(),
        identity_class="organization",
        created=PRODUCER_CREATED,
        modified=PRODUCER_CREATED,
        object_marking_refs=[marking.id],
    )


def lead_objects(
    listing: Listing,
    producer: stix2.Identity,
    marking: stix2.MarkingDefinition,
    *,
    with_vendors: bool = False,
) -> list[Any]:
    """The SCOs of one lead and the observed-data that references them (last)."""
    record = tracing_record(listing, with_vendors=with_vendors)
    observables: list[Any] = [stix2.URL(value=listing.url, object_marking_refs=[marking.id])]
    if record.evidence_sha256:
        observables.append(
            stix2.Artifact(
                url=listing.url,
                hashes={"SHA-256": record.evidence_sha256},
                object_marking_refs=[marking.id],
            )
        )
    first, last = record.first_seen, max(record.last_seen, record.first_seen)
    key = f"lead:{listing.id}" + (":with-vendors" if with_vendors else "")
    observed = stix2.ObservedData(
        id=f"observed-data--{uuid.uuid5(ARMSWATCH_NAMESPACE, key)}",
        created_by_ref=producer.id,
        created=first,
        modified=last,
        first_observed=first,
        last_observed=last,
        number_observed=1,
        object_refs=[observable.id for observable in observables],
        object_marking_refs=[marking.id],
        labels=[f"armswatch:{record.category}"],
        confidence=_confidence(listing),
        external_references=[_reference(listing)],
        x_armswatch_lead=record.document(with_vendors),
        allow_custom=True,
    )
    return [*observables, observed]


def stix_bundle(
    listings: Iterable[Listing],
    *,
    producer: str = DEFAULT_PRODUCER,
    tlp: str = "amber",
    with_vendors: bool = False,
) -> stix2.Bundle:
    """A bundle of the marking, the producer and every lead's objects, in listing order."""
    marking = tlp_marking(tlp)
    identity = producer_identity(producer, marking)
    objects: list[Any] = [marking, identity]
    for listing in listings:
        objects.extend(lead_objects(listing, identity, marking, with_vendors=with_vendors))
    return stix2.Bundle(objects=objects, id=_bundle_id(objects), allow_custom=True)


def write_bundle(bundle: stix2.Bundle, out: TextIO) -> None:
    out.write(bundle.serialize(indent=2, ensure_ascii=False))
    out.write("\n")


def observed_leads(bundle: stix2.Bundle) -> Iterator[Any]:
    """The observed-data objects (one per lead) of a bundle."""
    return (obj for obj in bundle.objects if obj.type == "observed-data")


def _confidence(listing: Listing) -> int:
    score = listing.annotations.score if listing.annotations else 0.0
    return round(score * 100)


def _reference(listing: Listing) -> dict[str, str]:
    reference = {"source_name": listing.market, "url": listing.url}
    if listing.site_listing_id:
        reference["external_id"] = listing.site_listing_id
    return reference


def _bundle_id(objects: Iterable[Any]) -> str:
    """A bundle id from what the bundle holds: the same objects give the same id."""
    versions = sorted(f"{obj.id}@{getattr(obj, 'modified', '')}" for obj in objects)
    return f"bundle--{uuid.uuid5(ARMSWATCH_NAMESPACE, chr(10).join(versions))}"
