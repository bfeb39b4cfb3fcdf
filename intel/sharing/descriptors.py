"""What a listing says about the firearm it offers, in the terms of a tracing request.

The values come from the extractors' entities (`normalized` forms): MAKE, MODEL, CALIBRE,
FIREARM_TYPE and SERIAL. Where the listing leaves a field out, the reference vocabulary
(`extractors/vocabularies/firearms.yaml`) may supply it from a named model: its make, its type,
its calibre when the model has exactly one. Those fields are named in `inferred`, so that a
tracing officer can tell what the offer claims from what armswatch deduced.

The country of manufacture is never stated by a listing: it is the make's home country from the
vocabulary (e.g. Glock -> AT), always inferred, and wrong for licensed copies and clones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crawlers.listing import Entity, Listing
from extractors.vocabulary import Vocabularies, load_vocabularies

# FIREARM_TYPE values that name no type ("gun", "weapon")
GENERIC_TYPES = frozenset({"firearm", "weapon"})
# the vocabulary's type names as tracing forms spell them
TYPE_NAMES = {"smg": "submachine gun", "machine_gun": "machine gun"}
# serial-number statuses, the one that matters most for tracing first
SERIAL_STATUSES = ("removed", "none", "untraceable", "present")
NOT_MENTIONED = "not_mentioned"
# a serial number as the SERIAL extractor accepts it after a cue ("SN: AB1234")
_SERIAL_NUMBER = re.compile(r"(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{2,19}$")


@dataclass(frozen=True)
class FirearmDescription:
    """The firearm fields of one listing; tuples hold distinct values, title first."""

    make: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    calibre: tuple[str, ...] = ()
    firearm_type: tuple[str, ...] = ()
    serial_number_status: str = NOT_MENTIONED
    serial_number: str | None = None
    country_of_manufacture: tuple[str, ...] = ()
    inferred: tuple[str, ...] = ()  # the fields above taken from the vocabulary


def describe(listing: Listing, vocabularies: Vocabularies | None = None) -> FirearmDescription:
    """The firearm description of a listing (empty fields where nothing was found)."""
    vocab = vocabularies or load_vocabularies()
    entities = _ordered(listing.annotations.entities if listing.annotations else [])
    models = _values(entities, "MODEL")
    known = [model for name in models if (model := vocab.model_by_name(name))]
    inferred: list[str] = []
    makes = _values(entities, "MAKE")
    with_models = _distinct([*makes, *(model.make for model in known)])
    if len(with_models) > len(makes):
        inferred.append("make")
    types = tuple(t for t in _values(entities, "FIREARM_TYPE") if t not in GENERIC_TYPES)
    if not types and known:
        types = _distinct(model.type for model in known)
        inferred.append("firearm_type")
    calibres = _values(entities, "CALIBRE")
    model_calibres = _distinct(calibre for model in known for calibre in model.calibres)
    if not calibres and len(model_calibres) == 1:
        calibres = model_calibres
        inferred.append("calibre")
    countries = _countries(vocab, with_models)
    if countries:
        inferred.append("country_of_manufacture")
    status, number = serial_status(entities)
    return FirearmDescription(
        make=with_models,
        model=models,
        calibre=calibres,
        firearm_type=tuple(TYPE_NAMES.get(t, t) for t in types),
        serial_number_status=status,
        serial_number=number,
        country_of_manufacture=countries,
        inferred=tuple(inferred),
    )


def serial_status(entities: Sequence[Entity]) -> tuple[str, str | None]:
    """The most telling serial-number status (removed, none, untraceable, present, else
    `not_mentioned`) and the number when the listing gives one ("SN: AB1234")."""
    statuses = {
        (e.normalized or "").removeprefix("serial/"): e for e in entities if e.label == "SERIAL"
    }
    for status in SERIAL_STATUSES:
        if status in statuses:
            number = _SERIAL_NUMBER.search(statuses[status].text.strip())
            return status, number.group(0) if number and status == "present" else None
    return NOT_MENTIONED, None


def _ordered(entities: Iterable[Entity]) -> list[Entity]:
    """Title entities first, then in the order of the text."""
    return sorted(entities, key=lambda e: (e.field != "title", e.field, e.start))


def _values(entities: Iterable[Entity], label: str) -> tuple[str, ...]:
    return _distinct(e.normalized or e.text for e in entities if e.label == label)


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _countries(vocab: Vocabularies, makes: Sequence[str]) -> tuple[str, ...]:
    by_name = {make.name: make.country for make in vocab.firearms.makes}
    return _distinct(country for make in makes if (country := by_name.get(make)))
