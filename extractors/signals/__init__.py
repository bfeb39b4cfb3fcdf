"""Signal extractors: checksum-validated crypto addresses, PGP keys, contacts, shipping,
serial-number status, prices and quantities, found by rules in listing text.

Each extractor is a module with `find(text, field) -> list[Entity]`; `SIGNAL_EXTRACTORS` maps
a name to that function and `extract_signals` runs them (all, or the named ones) over one
field's text, `extract_signals_many` over a batch of fields. Entities other than PGP ones that
fall inside an armored PGP block are dropped: base64 armor is not listing text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from crawlers.listing import Entity
from extractors.signals import contacts, crypto, pgp, quantities, serial, shipping
from extractors.signals._base import Extractor, inside, scanned

SIGNAL_EXTRACTORS: dict[str, Extractor] = {
    "crypto": crypto.find,
    "pgp": pgp.find,
    "contacts": contacts.find,
    "shipping": shipping.find,
    "serial": serial.find,
    "quantities": quantities.find,
}
PGP_LABELS = frozenset({"PGP_KEY", "PGP_KEY_INVALID", "PGP_FINGERPRINT"})


class _Gated(NamedTuple):
    """An extractor as `extract_signals` runs it: only for a text its pre-filter lets through,
    which is one whose pre-filter text is None, or that holds one of the `gate` bits, or for
    whose lowercased text `also` holds. `find` is then called without filtering it again."""

    find: Extractor
    gate: int
    also: Callable[[str], bool] | None = None


_GATED: dict[str, _Gated] = {
    "crypto": _Gated(crypto.find_unfiltered, crypto.GATE, crypto.long_run),
    "pgp": _Gated(pgp.find_unfiltered, pgp.GATE, pgp.grouped_hex),
    "contacts": _Gated(contacts.find_unfiltered, contacts.GATE),
    "shipping": _Gated(shipping.find, shipping.GATE),
    "serial": _Gated(serial.find, serial.GATE),
    "quantities": _Gated(quantities.find, quantities.GATE),
}


def extract_signals(text: str, field: str, only: Iterable[str] | None = None) -> list[Entity]:
    """Entities of the chosen extractors (default: all) for one field, sorted by start."""
    return extract_signals_many([(text, field)], only)[0]


def extract_signals_many(
    items: Sequence[tuple[str, str]], only: Iterable[str] | None = None
) -> list[list[Entity]]:
    """For each (text, field) pair, exactly what `extract_signals(text, field, only)` gives.

    The batch form for the annotator: the extractor names are checked once per batch, and
    each text is lowercased and gated once for all extractors (see `_base.scanned`), which
    are not even called for a text their gate rules out.
    """
    extractors = _chosen(only)
    return [_extract(text, field, extractors) if text else [] for text, field in items]


def _chosen(only: Iterable[str] | None) -> list[_Gated]:
    names = list(SIGNAL_EXTRACTORS) if only is None else list(only)
    unknown = [name for name in names if name not in SIGNAL_EXTRACTORS]
    if unknown:
        raise ValueError(f"unknown signal extractors {unknown}; known: {list(SIGNAL_EXTRACTORS)}")
    return [_GATED.get(name) or _Gated(SIGNAL_EXTRACTORS[name], 0, _always) for name in names]


def _always(lower: str) -> bool:
    return True


def _by_position(item: Entity) -> tuple[int, int, str]:
    return item.start, item.end, item.label


def _extract(text: str, field: str, extractors: list[_Gated]) -> list[Entity]:
    lower, prefilter, held = scanned(text)
    found: list[Entity] = []
    for find, gate, also in extractors:
        if prefilter is None or held & gate or (also is not None and also(lower)):
            found.extend(find(text, field))
    if len(found) > 1:
        found.sort(key=_by_position)
    armor = pgp.armor_spans(text) if found and (prefilter is None or "pgp" in lower) else []
    if armor:
        found = [
            item
            for item in found
            if item.label in PGP_LABELS or not inside(armor, item.start, item.end)
        ]
    return found


__all__ = ["SIGNAL_EXTRACTORS", "extract_signals", "extract_signals_many"]
