"""Creating the versioned indices behind their aliases, and migrating to a new version.

`<prefix>-listings` is an alias onto `<prefix>-listings-v<N>` (likewise the history and the
vendors); an index template per alias (`<alias>-v*`) holds the settings and explicit mappings
every version is created with. `ensure_indices` creates version 1 of any alias that is
missing; on an index built with an older mapping it adds the new fields (so writes go on) and
warns that old documents lack them until a migration. `migrate_alias` builds version N+1 with
the current mapping, copies every document with `scan` + `bulk` (re-deriving listing and
history documents from their stored Listing JSON, so new fields are filled in), checks the
count, swaps the alias atomically and deletes the old index. Writes made while a migration
copies are not carried over: stop crawls first.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch
from elasticsearch.helpers import scan

from index.elasticsearch.documents import (
    archive_document,
    listing_document,
    listing_from_source,
)
from index.elasticsearch.mapping import IndexNames, index_body, mapping_of_alias, versioned_name
from index.elasticsearch.writes import bulk_write
from index.errors import BackendConfigError, IndexStageError

logger = logging.getLogger(__name__)
_VERSION = re.compile(r"-v(\d+)$")
TEMPLATE_PRIORITY = 200


def ensure_indices(client: Elasticsearch, names: IndexNames) -> None:
    for alias in names.all_aliases():
        if client.indices.exists_alias(name=alias):
            _warn_on_old_mapping(client, names, alias)
            continue
        if client.indices.exists(index=alias):
            raise BackendConfigError(
                f"{alias} is an index, not an alias onto a versioned index; "
                "use another ?prefix= or delete it"
            )
        _create(client, alias, 1, mapping_of_alias(names, alias), write=True)


def _create(
    client: Elasticsearch, alias: str, version: int, mapping: dict[str, Any], *, write: bool
) -> str:
    """Create version `version` of an alias's index through the alias's index template (put
    first, so the template always holds the current mapping); with `write`, the alias points
    at it as its write index. The index name."""
    _put_template(client, alias, mapping)
    index = versioned_name(alias, version)
    aliases = {alias: {"is_write_index": True}} if write else None
    try:
        client.indices.create(index=index, aliases=aliases)
    except BadRequestError as error:
        if error.error != "resource_already_exists_exception":  # created by another process
            raise
    return index


def _put_template(client: Elasticsearch, alias: str, mapping: dict[str, Any]) -> None:
    """The index template that gives every version of an alias (`<alias>-v<N>`) its settings
    and explicit mappings; priority above the stack's own templates (100)."""
    body = index_body(mapping)
    client.indices.put_index_template(
        name=alias,
        index_patterns=[f"{alias}-v*"],
        priority=TEMPLATE_PRIORITY,
        template={"settings": body["settings"], "mappings": body["mappings"]},
        meta={"managed_by": "armswatch"},
    )


def current_index(client: Elasticsearch, alias: str) -> str:
    """The versioned index the alias points at."""
    indices = list(client.indices.get_alias(name=alias))
    if len(indices) != 1:
        raise IndexStageError(f"alias {alias} points at {len(indices)} indices: {indices}")
    return indices[0]


def index_version(index: str) -> int:
    found = _VERSION.search(index)
    return int(found.group(1)) if found else 0


def _warn_on_old_mapping(client: Elasticsearch, names: IndexNames, alias: str) -> None:
    index = current_index(client, alias)
    meta = client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
    mapping = mapping_of_alias(names, alias)
    expected = index_body(mapping)["mappings"]["_meta"]
    if meta.get("armswatch_mapping") != expected["armswatch_mapping"]:
        logger.warning(
            "%s was built with an older mapping; its documents lack new fields until "
            "`armswatch index migrate` rebuilds it as a new version",
            index,
            extra={"event": "index_mapping_outdated", "index": index},
        )
        _add_new_fields(client, index, mapping)


def _add_new_fields(client: Elasticsearch, index: str, mapping: dict[str, Any]) -> None:
    """Add the current mapping's fields to an older index (its `_meta` stays old), so
    documents with new fields are accepted; a field whose type changed cannot be added."""
    try:
        client.indices.put_mapping(
            index=index,
            properties=mapping["properties"],
            dynamic_templates=mapping.get("dynamic_templates"),
        )
    except BadRequestError as error:
        logger.warning(
            "cannot add the new fields to %s (%s); writes may be refused until a migration",
            index,
            error.message,
            extra={"event": "index_mapping_conflict", "index": index},
        )


def migrate_alias(
    client: Elasticsearch, names: IndexNames, alias: str, new_version: int
) -> tuple[str, int]:
    """Move `alias` onto `<alias>-v<new_version>`; the new index and documents copied."""
    old_index = current_index(client, alias)
    if new_version <= index_version(old_index):
        raise ValueError(f"{alias} is at {old_index}; migrate to a higher version")
    new_index = _create(client, alias, new_version, mapping_of_alias(names, alias), write=False)
    rebuild = {names.listings: _rebuild_listing, names.history: _rebuild_version}.get(alias, _keep)
    actions = (
        {"_index": new_index, "_id": hit["_id"], "_source": rebuild(hit["_source"])}
        for hit in scan(client, index=old_index, query={"query": {"match_all": {}}})
    )
    failed, reasons = bulk_write(client, actions)
    client.indices.refresh(index=f"{old_index},{new_index}")
    copied = int(client.count(index=new_index)["count"])
    expected = int(client.count(index=old_index)["count"])
    if failed or copied != expected:
        client.indices.delete(index=new_index)
        raise IndexStageError(
            f"migration of {alias} to {new_index} copied {copied} of {expected} documents "
            f"({len(failed)} refused{': ' + reasons[0] if reasons else ''}); "
            f"{alias} still points at {old_index}"
        )
    client.indices.update_aliases(
        actions=[
            {"remove": {"index": old_index, "alias": alias}},
            {"add": {"index": new_index, "alias": alias, "is_write_index": True}},
        ]
    )
    client.indices.delete(index=old_index)
    return new_index, copied


def _rebuild_listing(source: dict[str, Any]) -> dict[str, Any]:
    return listing_document(listing_from_source(source))


def _rebuild_version(source: dict[str, Any]) -> dict[str, Any]:
    return archive_document(listing_from_source(source))


def _keep(source: dict[str, Any]) -> dict[str, Any]:
    return source


def delete_indices(client: Elasticsearch, names: IndexNames) -> None:
    """Delete every index behind the prefix's aliases, and their templates (tests and resets)."""
    for alias in names.all_aliases():
        if client.indices.exists_alias(name=alias):
            for index in list(client.indices.get_alias(name=alias)):
                client.indices.delete(index=index)
        if client.indices.exists_index_template(name=alias):
            client.indices.delete_index_template(name=alias)
