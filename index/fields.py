"""The field registry: every field a query can name, its type, and how to read it from a Listing.

One registry serves the query compiler and every backend, so a field means the same thing
everywhere. Kinds:

- `text`: analysed full text (title, description); matched by words and phrases.
- `keyword`: one exact value, compared case-insensitively (stored and queried lowercase).
- `keyword_list`: several exact values (ships_to, category_path, entity, ...), case-insensitive.
- `number`, `date`, `bool`: typed values for equality and ranges.
- `stemmed`: title and/or description matched by Snowball stems in each listing's language
  (`stem`, `title.stem`, `description.stem`; see `index.stemming`); words and phrases only.

Bare query terms search the free-text fields (`FREE_TEXT_FIELDS`): title, description, the
vendor handle and the site's category path, as analysed text.

Entities found by the extractors are searchable as `entity` (any label) and as
`entity.<label>` (e.g. `entity.calibre:"9x19mm parabellum"`), by normalized value or by text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from crawlers.listing import Listing
from index.errors import FacetFieldError

FieldKind = Literal["text", "keyword", "keyword_list", "number", "date", "bool", "stemmed"]
FieldValue = str | float | bool | datetime | tuple[str, ...] | None

ENTITY_FIELD = "entity"
ENTITY_LABEL_PREFIX = "entity."
FACETABLE_KINDS: frozenset[FieldKind] = frozenset({"keyword", "keyword_list", "bool"})
_ENTITY_LABEL = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class IndexField:
    """One queryable field: its name in queries, its kind and how to read it from a listing."""

    name: str
    kind: FieldKind
    read: Callable[[Listing], FieldValue]
    # how the field reads as free text for bare terms; None when bare terms do not search it
    read_free_text: Callable[[Listing], str] | None = None

    @property
    def facetable(self) -> bool:
        return self.kind in FACETABLE_KINDS


def normalize_keyword(value: str) -> str:
    """The stored and compared form of a keyword value: trimmed and lowercase."""
    return value.strip().lower()


def _keywords(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    normalized = (normalize_keyword(value) for value in values)
    return tuple(dict.fromkeys(value for value in normalized if value))


def _keyword(value: str | None) -> str | None:
    return normalize_keyword(value) if value else None


def _vendor_handle(listing: Listing) -> str:
    return listing.vendor.handle if listing.vendor else ""


def _price_part(part: str) -> Callable[[Listing], FieldValue]:
    def read(listing: Listing) -> FieldValue:
        value = getattr(listing.price, part) if listing.price else None
        return _keyword(value) if isinstance(value, str) else value

    return read


def entity_values(listing: Listing, label: str | None = None) -> tuple[str, ...]:
    """Normalized values and texts of the listing's entities (of one label, if given)."""
    if listing.annotations is None:
        return ()
    values: list[str] = []
    for entity in listing.annotations.entities:
        if label is None or normalize_keyword(entity.label) == label:
            values.extend(v for v in (entity.normalized, entity.text) if v)
    return _keywords(values)


def entity_labels(listing: Listing) -> tuple[str, ...]:
    if listing.annotations is None:
        return ()
    return _keywords([entity.label for entity in listing.annotations.entities])


def _annotation(name: str) -> Callable[[Listing], FieldValue]:
    def read(listing: Listing) -> FieldValue:
        value = getattr(listing.annotations, name) if listing.annotations else None
        return _keyword(value) if isinstance(value, str) else value

    return read


def _field(name: str, kind: FieldKind, read: Callable[[Listing], FieldValue]) -> IndexField:
    return IndexField(name, kind, read)


_REGISTERED: tuple[IndexField, ...] = (
    IndexField("title", "text", lambda li: li.title, lambda li: li.title),
    IndexField("description", "text", lambda li: li.description, lambda li: li.description),
    IndexField(
        "vendor", "keyword", lambda li: _keyword(_vendor_handle(li)), read_free_text=_vendor_handle
    ),
    IndexField(
        "category_path",
        "keyword_list",
        lambda li: _keywords(li.category_path),
        read_free_text=lambda li: " > ".join(li.category_path),
    ),
    _field("id", "keyword", lambda li: _keyword(li.id)),
    _field("url", "keyword", lambda li: _keyword(li.url)),
    _field("site_listing_id", "keyword", lambda li: _keyword(li.site_listing_id)),
    _field("market", "keyword", lambda li: _keyword(li.market)),
    _field("source", "keyword", lambda li: _keyword(li.source)),
    _field("source_kind", "keyword", lambda li: _keyword(li.source_kind)),
    _field("language", "keyword", lambda li: _keyword(li.language)),
    _field("status", "keyword", lambda li: _keyword(li.status)),
    _field("category", "keyword", _annotation("category")),
    _field("firearm_related", "bool", _annotation("firearm_related")),
    _field("score", "number", _annotation("score")),
    _field("ships_from", "keyword_list", lambda li: _keywords(li.ships_from)),
    _field("ships_to", "keyword_list", lambda li: _keywords(li.ships_to)),
    _field("shipping_methods", "keyword_list", lambda li: _keywords(li.shipping_methods)),
    _field(ENTITY_FIELD, "keyword_list", entity_values),
    _field("entity_label", "keyword_list", entity_labels),
    _field("price.amount", "number", _price_part("amount")),
    _field("price.amount_usd", "number", _price_part("amount_usd")),
    _field("price.amount_eur", "number", _price_part("amount_eur")),
    _field("price.currency", "keyword", _price_part("currency")),
    _field("quantity", "number", lambda li: li.quantity),
    _field("version", "number", lambda li: li.version),
    _field("first_seen", "date", lambda li: li.first_seen),
    _field("last_seen", "date", lambda li: li.last_seen),
    _field("captured_at", "date", lambda li: li.captured_at),
    _field("posted_at", "date", lambda li: li.posted_at),
)

FIELDS: dict[str, IndexField] = {field.name: field for field in _REGISTERED}
ALIASES: dict[str, str] = {"vendor.handle": "vendor", "annotations.category": "category"}
FREE_TEXT_FIELDS: tuple[str, ...] = tuple(f.name for f in _REGISTERED if f.read_free_text)
# stem fields: the text fields each one matches by stems
STEMMED_FIELDS: dict[str, tuple[str, ...]] = {
    "stem": ("title", "description"),
    "title.stem": ("title",),
    "description.stem": ("description",),
}


def _no_value(listing: Listing) -> FieldValue:
    return None


def stemmed_field(name: str) -> IndexField:
    """A stem field (`stem`, `title.stem`, `description.stem`); it has no stored value."""
    if name not in STEMMED_FIELDS:
        raise KeyError(f"not a stem field: {name!r}")
    return IndexField(name, "stemmed", _no_value)


def entity_label_field(label: str) -> IndexField:
    """The `entity.<label>` field: entities of one label, as a keyword list."""
    normalized = normalize_keyword(label)
    return IndexField(
        f"{ENTITY_LABEL_PREFIX}{normalized}",
        "keyword_list",
        lambda listing: entity_values(listing, normalized),
    )


def lookup_field(name: str) -> IndexField | None:
    """The field a query names (aliases and `entity.<label>` included), or None."""
    name = ALIASES.get(name, name)
    if name in FIELDS:
        return FIELDS[name]
    if name in STEMMED_FIELDS:
        return stemmed_field(name)
    label = name.removeprefix(ENTITY_LABEL_PREFIX)
    if name.startswith(ENTITY_LABEL_PREFIX) and _ENTITY_LABEL.match(normalize_keyword(label)):
        return entity_label_field(label)
    return None


def known_field_names() -> list[str]:
    return sorted([*FIELDS, *ALIASES, *STEMMED_FIELDS, f"{ENTITY_LABEL_PREFIX}<label>"])


def suggest_field(name: str) -> str | None:
    """The closest known field name, for a did-you-mean hint."""
    candidates = [*FIELDS, *ALIASES, *STEMMED_FIELDS]
    matches = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def labelled_entity_values(listing: Listing) -> Iterator[tuple[str, str]]:
    """(`entity.<label>`, value) pairs for every entity of the listing."""
    for label in entity_labels(listing):
        for value in entity_values(listing, label):
            yield f"{ENTITY_LABEL_PREFIX}{label}", value


def keyword_list_values(listing: Listing) -> Iterator[tuple[str, str]]:
    """(field, value) pairs of every keyword-list field, `entity.<label>` fields included."""
    for field in _REGISTERED:
        if field.kind == "keyword_list":
            values = field.read(listing)
            assert isinstance(values, tuple)
            for value in values:
                yield field.name, value
    yield from labelled_entity_values(listing)


def facet_field(name: str) -> IndexField:
    """The field a facet counts, or FacetFieldError when it cannot be counted."""
    field = lookup_field(name)
    if field is None:
        raise FacetFieldError(f"unknown facet field {name!r}")
    if not field.facetable:
        raise FacetFieldError(
            f"cannot count values of the {field.kind} field {name!r}; "
            "facets need a keyword, keyword-list or bool field"
        )
    return field
