"""How a Listing becomes an Elasticsearch document, and where each query field lives in it.

The document holds the full Listing JSON under `listing` (stored, not indexed: `get` reads it
back) and one indexed value per field of the registry (`index/fields.py`), read the same way
the embedded backend reads it: keyword values trimmed and lowercased in Python.

Full text is tokenised in Python exactly as the embedded index's FTS5 `unicode61
remove_diacritics 2` tokenizer does (runs of letters and digits, lowercased, diacritics
removed; see `index.query.terms`) and indexed under `folded.<field>` as space-separated tokens
with the `whitespace` analyzer, so `AR-15`, `G.lock`, `9x19`, `P320` and `Zürich` match the
same listings on both backends (the node has no folding token filters). The original text is
indexed under `title` / `description` with the standard analyzer for other tools (Kibana).

For stemmed search the title and description are also indexed under
`stemmed.<field>.<route>`, the route being the listing's language (`index.stemming`), as their
folded Snowball stems (`folded_stems`), again with the `whitespace` analyzer: armswatch stems
as the embedded index does, so any stock Elasticsearch 8 cluster serves it, without plugins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from crawlers.listing import Listing
from index.fields import (
    ENTITY_LABEL_PREFIX,
    FIELDS,
    FREE_TEXT_FIELDS,
    STEMMED_FIELDS,
    FieldValue,
    labelled_entity_values,
)
from index.query.terms import fold_token, token_runs
from index.sqlite.columns import format_timestamp
from index.stemming import stem_route, stem_tokens

LISTING_KEY = "listing"
FOLDED_PREFIX = "folded."
STEMMED_PREFIX = "stemmed."
ENTITY_OBJECT = "entity_by_label"
SORT_ID = "sort_id"  # the listing id as given (the `id` field is lowercased), for tie-breaks
HISTORY_LISTING_ID = "listing_id"  # the listing id as given, on every archived version

STEMMED_TEXT_FIELDS = STEMMED_FIELDS["stem"]  # title, description
TokenSpan = tuple[int, int, str]  # start offset, end offset, folded token


def token_spans(text: str) -> list[TokenSpan]:
    """The tokens of `text` with their offsets, folded as the embedded index stores them."""
    spans = [(run.start(), run.end(), fold_token(run.group())) for run in token_runs(text)]
    return [span for span in spans if span[2]]


def folded_tokens(text: str) -> list[str]:
    return [token for _, _, token in token_spans(text)]


def folded_text(text: str) -> str:
    """`text` as the space-separated folded tokens the `folded.*` fields index."""
    return " ".join(folded_tokens(text))


def es_field(name: str) -> str:
    """The document path of a (resolved) registry field name."""
    if name.startswith(ENTITY_LABEL_PREFIX):
        return f"{ENTITY_OBJECT}.{name.removeprefix(ENTITY_LABEL_PREFIX)}"
    return name


def folded_field(name: str) -> str:
    return f"{FOLDED_PREFIX}{name}"


def folded_stems(text: str, route: str) -> str:
    """`text` as the space-separated folded stems of stemming route `route` (the embedded index
    stores the stems and FTS5 folds them alike)."""
    return " ".join(fold_token(stem) for stem in stem_tokens(text, route))


def stemmed_field(name: str, route: str) -> str:
    """Where the text of field `name` is indexed for listings of stemming route `route`."""
    return f"{STEMMED_PREFIX}{name}.{route}"


def es_value(value: FieldValue) -> Any:
    """A field or query value as Elasticsearch takes it (dates as fixed-width UTC ISO)."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def listing_document(listing: Listing) -> dict[str, Any]:
    """The indexed document of a listing: fields by path, folded text, the Listing JSON."""
    document: dict[str, Any] = {LISTING_KEY: listing.model_dump(mode="json"), SORT_ID: listing.id}
    for path, value in _field_values(listing):
        _put(document, path, value)
    return document


def archive_document(listing: Listing) -> dict[str, Any]:
    """The history document of an earlier version: its listing document and the listing id."""
    return {**listing_document(listing), HISTORY_LISTING_ID: listing.id}


def _field_values(listing: Listing) -> Iterator[tuple[str, Any]]:
    for field in FIELDS.values():
        value = field.read(listing)
        if field.kind == "text":
            if value:  # an empty text has no value (`title:*` is false), as in the embedded index
                yield field.name, value
            continue
        if value is not None and value != ():
            yield field.name, es_value(value)
    for name in FREE_TEXT_FIELDS:
        reader = FIELDS[name].read_free_text
        assert reader is not None
        text = folded_text(reader(listing))
        if text:
            yield folded_field(name), text
    route = stem_route(listing.language)
    for name in STEMMED_TEXT_FIELDS:
        stems = folded_stems(getattr(listing, name), route)
        if stems:
            yield stemmed_field(name, route), stems
    by_label: dict[str, list[str]] = {}
    for name, value in labelled_entity_values(listing):
        by_label.setdefault(es_field(name), []).append(value)
    yield from by_label.items()


def _put(document: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in nested objects (`price.amount` -> {"price": {"amount": ...}})."""
    *parents, leaf = path.split(".")
    target = document
    for parent in parents:
        target = target.setdefault(parent, {})
    target[leaf] = value


def listing_from_source(source: dict[str, Any]) -> Listing:
    return Listing.model_validate(source[LISTING_KEY])


def documents_path_tree(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Mapping properties from dotted paths (`price.amount` -> price.properties.amount)."""
    properties: dict[str, Any] = {}
    for path, mapping in fields.items():
        *parents, leaf = path.split(".")
        target = properties
        for parent in parents:
            target = target.setdefault(parent, {"properties": {}})["properties"]
        target[leaf] = mapping
    return properties
