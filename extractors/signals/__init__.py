"""Signal extractors: checksum-validated crypto addresses, PGP keys, contacts, shipping,
serial-number status, prices and quantities, found by rules in listing text.

Each extractor is a module with `find(text, field) -> list[Entity]`; `SIGNAL_EXTRACTORS` maps
a name to that function and `extract_signals` runs them (all, or the named ones) over one
field's text, `extract_signals_many` over a batch of fields. Entities other than PGP ones that
fall inside an armored PGP block are dropped: base64 armor is not listing text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crawlers.listing import Entity
from extractors.signals import contacts, crypto, pgp, quantities, serial, shipping
from extractors.signals._base import Extractor, inside

SIGNAL_EXTRACTORS: dict[str, Extractor] = {
    "crypto": crypto.find,
    "pgp": pgp.find,
    "contacts": contacts.find,
    "shipping": shipping.find,
    "serial": serial.find,
    "quantities": quantities.find,
}
PGP_LABELS = frozenset({"PGP_KEY", "PGP_KEY_INVALID", "PGP_FINGERPRINT"})


def extract_signals(text: str, field: str, only: Iterable[str] | None = None) -> list[Entity]:
    """Entities of the chosen extractors (default: all) for one field, sorted by start."""
    return extract_signals_many([(text, field)], only)[0]


def extract_signals_many(
    items: Sequence[tuple[str, str]], only: Iterable[str] | None = None
) -> list[list[Entity]]:
    """For each (text, field) pair, exactly what `extract_signals(text, field, only)` gives.

    The batch form for the annotator: the extractor names are checked once per batch, and
    each text is lowercased and gated once for all extractors (see `_base.gates`).
    """
    extractors = _chosen(only)
    return [_extract(text, field, extractors) if text else [] for text, field in items]


def _chosen(only: Iterable[str] | None) -> list[Extractor]:
    names = list(SIGNAL_EXTRACTORS) if only is None else list(only)
    unknown = [name for name in names if name not in SIGNAL_EXTRACTORS]
    if unknown:
        raise ValueError(f"unknown signal extractors {unknown}; known: {list(SIGNAL_EXTRACTORS)}")
    return [SIGNAL_EXTRACTORS[name] for name in names]


def _by_position(item: Entity) -> tuple[int, int, str]:
    return item.start, item.end, item.label


def _extract(text: str, field: str, extractors: list[Extractor]) -> list[Entity]:
    found = [found for extractor in extractors for found in extractor(text, field)]
    if len(found) > 1:
        found.sort(key=_by_position)
    armor = pgp.armor_spans(text) if found else []
    if armor:
        found = [
            item
            for item in found
            if item.label in PGP_LABELS or not inside(armor, item.start, item.end)
        ]
    return found


__all__ = ["SIGNAL_EXTRACTORS", "extract_signals", "extract_signals_many"]
