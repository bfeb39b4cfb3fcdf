"""Index names and explicit mappings of the listings, history and vendors indices.

Every index is written through an alias onto a versioned index (`<prefix>-listings` ->
`<prefix>-listings-v1`), so `ElasticsearchIndex.migrate` can build a new version and swap the
alias atomically. The mapping is derived from the field registry, so a new field there gets a
mapping here. `MAPPING_FINGERPRINT` (in `_meta`) tells which mapping an index was built with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from index.elasticsearch.documents import (
    ENTITY_OBJECT,
    FOLDED_PREFIX,
    HISTORY_LISTING_ID,
    LISTING_KEY,
    SORT_ID,
    STEMMED_TEXT_FIELDS,
    documents_path_tree,
    stemmed_field,
)
from index.fields import FIELDS, FREE_TEXT_FIELDS, FieldKind
from index.stemming import ROUTES

DEFAULT_PREFIX = "armswatch"
# keyword values longer than this are kept in the Listing JSON but not indexed (Lucene's term
# limit is 32 KB; a bulk request would refuse the whole document)
KEYWORD_IGNORE_ABOVE = 4096

_TYPE_OF_KIND: dict[FieldKind, dict[str, Any]] = {
    "text": {"type": "text", "analyzer": "standard"},
    "keyword": {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE},
    "keyword_list": {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE},
    "number": {"type": "double"},
    "date": {"type": "date"},
    "bool": {"type": "boolean"},
}
# armswatch's own times at the microseconds SQLite keeps: a `date` keeps milliseconds, so two
# listings first seen within one millisecond tied here and sorted apart on the embedded index
_NANOS = {"type": "date_nanos"}
OWN_TIMES = ("first_seen", "last_seen", "captured_at")
_FOLDED_TEXT = {"type": "text", "analyzer": "whitespace", "search_analyzer": "whitespace"}
_STORED_ONLY = {"type": "object", "enabled": False}
_SETTINGS = {"number_of_shards": 1, "auto_expand_replicas": "0-1"}


@dataclass(frozen=True)
class IndexNames:
    """The aliases (what the backend reads and writes) of one prefix."""

    prefix: str = DEFAULT_PREFIX

    @property
    def listings(self) -> str:
        return f"{self.prefix}-listings"

    @property
    def history(self) -> str:
        return f"{self.prefix}-listings-history"

    @property
    def vendors(self) -> str:
        return f"{self.prefix}-vendors"

    def all_aliases(self) -> tuple[str, str, str]:
        return (self.listings, self.history, self.vendors)


def versioned_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


def listing_properties() -> dict[str, Any]:
    fields = {name: _TYPE_OF_KIND[field.kind] for name, field in FIELDS.items()}
    fields.update({name: _NANOS for name in OWN_TIMES})
    fields.update({FOLDED_PREFIX + name: _FOLDED_TEXT for name in FREE_TEXT_FIELDS})
    fields.update(
        {
            stemmed_field(name, route): _FOLDED_TEXT
            for name in STEMMED_TEXT_FIELDS
            for route in ROUTES
        }
    )
    fields[SORT_ID] = {"type": "keyword"}
    properties = documents_path_tree(fields)
    properties[LISTING_KEY] = _STORED_ONLY
    properties[ENTITY_OBJECT] = {"type": "object", "dynamic": True}
    return properties


def listings_mapping() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "dynamic_templates": [
            {
                "entity_values": {
                    "path_match": f"{ENTITY_OBJECT}.*",
                    "mapping": _TYPE_OF_KIND["keyword_list"],
                }
            }
        ],
        "properties": listing_properties(),
    }


def history_mapping() -> dict[str, Any]:
    """Earlier versions: the listing mapping (so the same queries search them) and the id."""
    mapping = listings_mapping()
    mapping["properties"][HISTORY_LISTING_ID] = {"type": "keyword"}
    return mapping


def vendors_mapping() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "properties": {
            "source": {"type": "keyword"},
            "handle": {"type": "keyword"},
            "market": {"type": "keyword"},
            "captured_at": {"type": "date"},
            "profile": _STORED_ONLY,
        },
    }


def _fingerprint(mapping: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(mapping, sort_keys=True).encode()).hexdigest()[:16]


def index_body(mapping: dict[str, Any]) -> dict[str, Any]:
    """Settings and mappings (with the fingerprint in `_meta`) to create an index with."""
    return {
        "settings": _SETTINGS,
        "mappings": {**mapping, "_meta": {"armswatch_mapping": _fingerprint(mapping)}},
    }


def mapping_of_alias(names: IndexNames, alias: str) -> dict[str, Any]:
    mappings = {
        names.listings: listings_mapping,
        names.history: history_mapping,
        names.vendors: vendors_mapping,
    }
    return mappings[alias]()
