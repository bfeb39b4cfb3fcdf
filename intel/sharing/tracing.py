"""Firearm leads as tracing records, written as CSV (one row per lead) or JSON.

The fields follow what an international tracing request asks for (INTERPOL iARMS, the UN
International Tracing Instrument (ITI) and the UN Firearms Protocol):

record field -> tracing field: where the value comes from

* `make` -> make / manufacturer (ITI §8a marking): MAKE entities, and the make of a named
  model (inferred);
* `model` -> model: MODEL entities;
* `calibre` -> calibre: CALIBRE entities, else a named model's only calibre (inferred);
* `firearm_type` -> type (pistol, revolver, rifle, shotgun, submachine gun, machine gun):
  FIREARM_TYPE entities, else a named model's type (inferred);
* `serial_number_status`, `serial_number` -> serial number, or why there is none: the SERIAL
  entities (removed, none, untraceable, present; `not_mentioned` without one) and the number
  when the listing gives one after a cue ("SN: AB1234");
* `country_of_manufacture` -> country of manufacture (ITI §8a marking): the make's home country
  in the vocabulary, always inferred (wrong for licensed copies and clones);
* `ships_from` -> the country of origin the offer claims (where it ships from; not a marking);
* `inferred_fields`: which of the fields above armswatch deduced rather than read.

The rest says where and when the lead was seen and how to prove it: `lead_id` and `url` (the
lead itself), `source`, `market`, `category`, `status`, `price_*`, `first_seen`,
`last_seen`, `captured_at` (UTC, ISO 8601) and `evidence_sha256` / `evidence_warc_file` /
`evidence_warc_record_id` (the captured page in the WARC archive). The vendor's handle and
profile are left out unless asked for (`with_vendors`): a lead names an offer, not a person.

Not available from a listing, and left to the officer who holds the firearm: the year of
manufacture, import markings (country and year of import, ITI §8b), proof and other marks,
barrel length, magazine capacity, and the last legal owner or state of record.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict

from crawlers.listing import Listing
from extractors.vocabulary import Vocabularies, load_vocabularies
from intel.sharing.descriptors import describe

LIST_SEPARATOR = "; "  # between the values of a many-valued field in a CSV cell
# a cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
VENDOR_FIELDS = ("vendor_handle", "vendor_profile_url")


class TracingRecord(BaseModel):
    """One firearm lead in the fields of a tracing request (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lead_id: str
    url: str
    title: str
    category: str
    status: str
    make: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    calibre: tuple[str, ...] = ()
    firearm_type: tuple[str, ...] = ()
    serial_number_status: str
    serial_number: str | None = None
    country_of_manufacture: tuple[str, ...] = ()
    inferred_fields: tuple[str, ...] = ()
    ships_from: tuple[str, ...] = ()
    ships_to: tuple[str, ...] = ()
    source: str
    source_kind: str | None = None
    market: str
    price_amount: float | None = None
    price_currency: str | None = None
    price_usd: float | None = None
    first_seen: datetime
    last_seen: datetime
    captured_at: datetime
    evidence_sha256: str | None = None
    evidence_warc_file: str | None = None
    evidence_warc_record_id: str | None = None
    vendor_handle: str | None = None
    vendor_profile_url: str | None = None

    def document(self, with_vendors: bool = False) -> dict[str, Any]:
        """The record as JSON values (times in UTC ISO 8601 with `Z`)."""
        exclude = None if with_vendors else set(VENDOR_FIELDS)
        return self.model_dump(mode="json", exclude=exclude)

    def row(self, with_vendors: bool = False) -> dict[str, str]:
        """The record as CSV cells: lists joined with `; `, nothing as an empty cell, and a
        cell that a spreadsheet would run as a formula (a title "=HYPERLINK(...)" written by a
        seller) prefixed with `'` so that it is shown as text; the JSON keeps values as seen."""
        return {name: _cell(value) for name, value in self.document(with_vendors).items()}


def columns(with_vendors: bool = False) -> list[str]:
    """The CSV header: every record field, the vendor ones only when asked for."""
    names = list(TracingRecord.model_fields)
    return names if with_vendors else [n for n in names if n not in VENDOR_FIELDS]


def tracing_record(
    listing: Listing, *, with_vendors: bool = False, vocabularies: Vocabularies | None = None
) -> TracingRecord:
    """The tracing record of one listing."""
    firearm = describe(listing, vocabularies)
    price, evidence, vendor = listing.price, listing.evidence, listing.vendor
    return TracingRecord(
        lead_id=listing.id,
        url=listing.url,
        title=listing.title,
        category=listing.annotations.category if listing.annotations else "none",
        status=listing.status,
        make=firearm.make,
        model=firearm.model,
        calibre=firearm.calibre,
        firearm_type=firearm.firearm_type,
        serial_number_status=firearm.serial_number_status,
        serial_number=firearm.serial_number,
        country_of_manufacture=firearm.country_of_manufacture,
        inferred_fields=firearm.inferred,
        ships_from=tuple(listing.ships_from),
        ships_to=tuple(listing.ships_to),
        source=listing.source,
        source_kind=listing.source_kind,
        market=listing.market,
        price_amount=price.amount if price else None,
        price_currency=price.currency if price else None,
        price_usd=price.amount_usd if price else None,
        first_seen=_utc(listing.first_seen),
        last_seen=_utc(listing.last_seen),
        captured_at=_utc(listing.captured_at),
        evidence_sha256=evidence.sha256 if evidence else None,
        evidence_warc_file=evidence.warc_file if evidence else None,
        evidence_warc_record_id=evidence.warc_record_id if evidence else None,
        vendor_handle=vendor.handle if vendor and with_vendors else None,
        vendor_profile_url=vendor.profile_url if vendor and with_vendors else None,
    )


def tracing_records(
    listings: Iterable[Listing], *, with_vendors: bool = False
) -> Iterator[TracingRecord]:
    """The tracing record of each listing, in order."""
    vocabularies = load_vocabularies()
    for listing in listings:
        yield tracing_record(listing, with_vendors=with_vendors, vocabularies=vocabularies)


def write_csv(records: Iterable[TracingRecord], out: TextIO, *, with_vendors: bool = False) -> int:
    """Write a header and one row per record; the number of rows."""
    writer = csv.DictWriter(out, fieldnames=columns(with_vendors), lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(record.row(with_vendors))
        count += 1
    return count


def write_json(
    records: Iterable[TracingRecord],
    out: TextIO,
    *,
    query: str,
    with_vendors: bool = False,
    generated_at: datetime | None = None,
) -> int:
    """Write one JSON document: a header (generated_at, query, count, armswatch_version,
    with_vendors) and `records`; the number of records."""
    documents = [record.document(with_vendors) for record in records]
    header = {
        "generated_at": _utc(generated_at or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "query": query,
        "count": len(documents),
        "armswatch_version": armswatch_version(),
        "with_vendors": with_vendors,
    }
    json.dump({**header, "records": documents}, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(documents)


def armswatch_version() -> str:
    """The installed armswatch version ("unknown" when run from an uninstalled tree)."""
    try:
        return metadata.version("armswatch")
    except metadata.PackageNotFoundError:
        return "unknown"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        text = LIST_SEPARATOR.join(str(item) for item in value)
    else:
        text = str(value)
    return inert_cell(text)


def inert_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would run as a formula gets a `'`."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
