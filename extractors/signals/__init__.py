"""Signal extractors: checksum-validated crypto addresses, PGP keys, contacts, shipping,
serial-number status, prices and quantities, found by rules in listing text.

Each extractor is a module with `find(text, field) -> list[Entity]`; `SIGNAL_EXTRACTORS` maps
a name to that function and `extract_signals` runs them (all, or the named ones) over one
field's text. Entities other than PGP ones that fall inside an armored PGP block are dropped:
base64 armor is not listing text.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    names = list(SIGNAL_EXTRACTORS) if only is None else list(only)
    unknown = [name for name in names if name not in SIGNAL_EXTRACTORS]
    if unknown:
        raise ValueError(f"unknown signal extractors {unknown}; known: {list(SIGNAL_EXTRACTORS)}")
    if not text:
        return []
    found = [found for name in names for found in SIGNAL_EXTRACTORS[name](text, field)]
    armor = pgp.armor_spans(text)
    if armor:
        found = [
            item
            for item in found
            if item.label in PGP_LABELS or not inside(armor, item.start, item.end)
        ]
    return sorted(found, key=lambda item: (item.start, item.end, item.label))


__all__ = ["SIGNAL_EXTRACTORS", "extract_signals"]
