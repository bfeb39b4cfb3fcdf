"""The query side of the search page: the facets it counts, the sort orders it offers, the
filter clause a click on a facet value adds, and the fields its help panel lists (read from
the index's field registry, so the panel names exactly what a query can)."""

from __future__ import annotations

from collections.abc import Callable

from luqum.tree import OrOperation

from index.backend import SortOrder
from index.fields import ENTITY_LABEL_PREFIX, FIELDS, STEMMED_FIELDS
from index.query.syntax import parse_lucene

# facet field -> its heading (`entity.<label>`: the extracted entities of one label)
FACETS: dict[str, str] = {
    "market": "Market",
    "category": "Category",
    "entity.make": "Make",
    "entity.model": "Model",
    "entity.calibre": "Calibre",
    "ships_from": "Ships from",
    "ships_to": "Ships to",
    "vendor": "Vendor",
    "language": "Language",
}
SORTS: dict[SortOrder, str] = {
    "relevance": "Relevance",
    "newest": "Newest",
    "oldest": "Oldest",
    "price_asc": "Price ↑",
    "price_desc": "Price ↓",
}
MATCH_ALL = frozenset({"", "*", "*:*"})
# (what one writes, what it means): the help panel's syntax table
SYNTAX: tuple[tuple[str, str], ...] = (
    ("glock 19", "both words, in title, description, vendor or the site's category"),
    ('"lower receiver"', "the phrase"),
    ("glock OR sig, glock AND NOT airsoft, -airsoft", "boolean logic; (a OR b) AND c groups"),
    ('title:glock, description:"no serial"', "a word or phrase in one text field"),
    ("ships_to:DE, ships_from:(NL OR BE), vendor:ironhand", "exact values, any case"),
    ("category:conversion_device, firearm_related:true", "the classifier's decision"),
    ('entity.model:"glock 19", entity.calibre:"9x19mm parabellum"', "extracted entities"),
    ("glo*, p3?0", "wildcards"),
    ("price.amount_usd:<500, price.amount_usd:[100 TO 500]", "numeric ranges"),
    ("first_seen:[2026-01-01 TO now], last_seen:>now-7d", "date ranges with date maths"),
    ("stem:Pistolen", "by word stems, in each listing's language"),
)


def with_clause(query: str, field: str, value: str) -> str | None:
    """`query` narrowed to `field:"value"`, or None when it has that clause already."""
    return narrower(query)(field, value)


def narrower(query: str) -> Callable[[str, str], str | None]:
    """`with_clause` for one query and many facet values (the query is parsed once).

    The clause is ANDed on; a query whose top is an OR is bracketed first, so the filter
    applies to all of it (`a OR b` becomes `(a OR b) AND field:"value"`)."""
    base = query.strip()
    if base not in MATCH_ALL and isinstance(parse_lucene(base), OrOperation):
        base = f"({base})"

    def narrowed(field: str, value: str) -> str | None:
        clause = f'{field}:"{_quoted(value)}"'
        if clause in base:
            return None
        return clause if base in MATCH_ALL else f"{base} AND {clause}"

    return narrowed


def field_help() -> list[tuple[str, str]]:
    """(field name, kind) of every field a query can name."""
    fields = [(name, field.kind) for name, field in FIELDS.items()]
    fields += [(name, "stemmed") for name in STEMMED_FIELDS]
    fields.append((f"{ENTITY_LABEL_PREFIX}<label>", "keyword_list"))
    return sorted(fields)


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
