"""Writing listings, their history and vendor profiles into Elasticsearch.

`upsert_listings` applies the embedded backend's merge rule (`index.sqlite.versioning`) on the
client: it reads the stored versions of a batch with `mget`, merges each incoming capture in
order, archives replaced versions in the history index first and then writes the listings
with `streaming_bulk` (429s retried with backoff). A listing whose archive was refused is not
written, so a replay of the batch archives it again. Documents Elasticsearch refuses raise
`BulkWriteError` naming their ids. Writes are not refreshed here: `ElasticsearchIndex`
refreshes once before its next read, so a crawl's many batches cost one refresh, not one each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import scan, streaming_bulk

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.backend import UpsertReport
from index.elasticsearch.documents import (
    LISTING_KEY,
    archive_document,
    listing_document,
    listing_from_source,
)
from index.elasticsearch.mapping import IndexNames
from index.errors import IndexStageError
from index.fields import normalize_keyword
from index.sqlite.columns import format_timestamp
from index.sqlite.versioning import (
    UpsertOutcome,
    merge_listing,
    stronger_outcome,
    upsert_report,
)

MGET_CHUNK = 1000
BULK_CHUNK = 500
BULK_RETRIES = 5  # per chunk, on 429 (too many requests)
BULK_BACKOFF = 1.0  # seconds before the first retry; doubled each time
BULK_MAX_BACKOFF = 30.0
Action = dict[str, Any]


class BulkWriteError(IndexStageError):
    """Elasticsearch refused some documents of a batch."""

    def __init__(self, what: str, failed_ids: list[str], reasons: list[str]) -> None:
        self.failed_ids = failed_ids
        shown = ", ".join(failed_ids[:20]) + (" ..." if len(failed_ids) > 20 else "")
        reason = f"; first error: {reasons[0]}" if reasons else ""
        super().__init__(f"Elasticsearch refused {len(failed_ids)} {what}: {shown}{reason}")


@dataclass
class UpsertPlan:
    """What a batch does: outcome per id, listings to write, versions to archive."""

    outcomes: dict[str, UpsertOutcome] = field(default_factory=dict)
    writes: dict[str, Listing] = field(default_factory=dict)
    archives: list[Listing] = field(default_factory=list)


def plan_upsert(incoming: Iterable[Listing], stored: dict[str, Listing]) -> UpsertPlan:
    """Merge each capture in order with the current version (stored or merged just before)."""
    plan = UpsertPlan()
    current = dict(stored)
    for listing in incoming:
        merged = merge_listing(current.get(listing.id), listing)
        if merged.archived is not None:
            plan.archives.append(merged.archived)
        current[listing.id] = merged.listing
        plan.outcomes[listing.id] = stronger_outcome(plan.outcomes.get(listing.id), merged.outcome)
    for listing_id in plan.outcomes:
        before = stored.get(listing_id)
        after = current[listing_id]
        if before is None or before.model_dump_json() != after.model_dump_json():
            plan.writes[listing_id] = after
    return plan


def fetch_listings(client: Elasticsearch, alias: str, ids: Iterable[str]) -> dict[str, Listing]:
    """The stored listings among `ids`, by id (realtime: sees unrefreshed writes)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Listing] = {}
    for first in range(0, len(wanted), MGET_CHUNK):
        chunk = wanted[first : first + MGET_CHUNK]
        response = client.mget(index=alias, ids=chunk, source_includes=[LISTING_KEY])
        for doc in response["docs"]:
            if doc.get("found"):
                found[doc["_id"]] = listing_from_source(doc["_source"])
    return found


def upsert_listings(
    client: Elasticsearch, names: IndexNames, listings: Iterable[Listing]
) -> tuple[UpsertReport, bool]:
    """Merge and write a batch (unrefreshed); the report and whether anything was written."""
    batch = list(listings)
    if not batch:
        return UpsertReport(), False
    plan = plan_upsert(batch, fetch_listings(client, names.listings, (li.id for li in batch)))
    archive_failed, reasons = bulk_write(
        client, (_archive_action(names.history, listing) for listing in plan.archives)
    )
    refused_ids = {_archived_listing_id(doc_id) for doc_id in archive_failed}
    actions = (
        _index_action(names.listings, listing_id, listing_document(listing))
        for listing_id, listing in plan.writes.items()
        if listing_id not in refused_ids
    )
    write_failed, write_reasons = bulk_write(client, actions)
    failed = sorted(refused_ids | set(write_failed))
    if failed:
        raise BulkWriteError("listings", failed, reasons + write_reasons)
    return upsert_report(plan.outcomes), bool(plan.writes or plan.archives)


def restore_listings(
    client: Elasticsearch, names: IndexNames, items: Iterable[tuple[Listing, Sequence[Listing]]]
) -> int:
    """Write listings and their earlier versions exactly as given (no merge, unrefreshed);
    the number of listings written."""
    written = 0

    def actions() -> Iterator[Action]:
        nonlocal written
        for listing, versions in items:
            for version in versions:
                yield _archive_action(names.history, version)
            yield _index_action(names.listings, listing.id, listing_document(listing))
            written += 1

    failed, reasons = bulk_write(client, actions())
    if failed:
        raise BulkWriteError("restored listings", failed, reasons)
    return written


def refresh_listings(client: Elasticsearch, names: IndexNames) -> None:
    """Make every write to the listings and history indices visible to searches."""
    client.indices.refresh(index=f"{names.listings},{names.history}")


def bulk_write(client: Elasticsearch, actions: Iterable[Action]) -> tuple[list[str], list[str]]:
    """Send actions in chunks; the ids and reasons of the documents refused."""
    failed: list[str] = []
    reasons: list[str] = []
    for ok, item in streaming_bulk(
        client,
        actions,
        chunk_size=BULK_CHUNK,
        max_retries=BULK_RETRIES,
        initial_backoff=BULK_BACKOFF,
        max_backoff=BULK_MAX_BACKOFF,
        raise_on_error=False,
        raise_on_exception=True,
        yield_ok=False,
    ):
        if not ok:
            (result,) = item.values()
            failed.append(str(result.get("_id")))
            reasons.append(str(result.get("error", result.get("status"))))
    return failed, reasons


def _index_action(index: str, doc_id: str, source: dict[str, Any]) -> Action:
    return {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source}


def _archive_action(history: str, listing: Listing) -> Action:
    return _index_action(history, f"{listing.id}@v{listing.version}", archive_document(listing))


def _archived_listing_id(doc_id: str) -> str:
    return doc_id.rpartition("@v")[0]


def listing_history(client: Elasticsearch, names: IndexNames, listing_id: str) -> list[Listing]:
    """Archived versions oldest first, then the current listing."""
    archived = [
        listing_from_source(hit["_source"])
        for hit in scan(
            client,
            index=names.history,
            query={"query": {"term": {"listing_id": listing_id}}, "sort": [{"version": "asc"}]},
            preserve_order=True,
        )
    ]
    current = fetch_listings(client, names.listings, [listing_id]).get(listing_id)
    return [*archived, current] if current else archived


def delete_listings(client: Elasticsearch, names: IndexNames, listing_ids: Iterable[str]) -> int:
    """Delete listings with their history; the number of listings that existed."""
    wanted = list(dict.fromkeys(listing_ids))
    if not wanted:
        return 0
    existing = list(fetch_listings(client, names.listings, wanted))
    actions = [
        {"_op_type": "delete", "_index": names.listings, "_id": listing_id}
        for listing_id in existing
    ]
    actions += [
        {"_op_type": "delete", "_index": names.history, "_id": doc_id}
        for doc_id in _history_doc_ids(client, names, wanted)
    ]
    failed, reasons = bulk_write(client, actions)
    refresh_listings(client, names)
    if failed:
        raise BulkWriteError("deletions", failed, reasons)
    return len(existing)


def _history_doc_ids(client: Elasticsearch, names: IndexNames, ids: list[str]) -> Iterator[str]:
    for first in range(0, len(ids), MGET_CHUNK):
        query = {"query": {"terms": {"listing_id": ids[first : first + MGET_CHUNK]}}}
        for hit in scan(client, index=names.history, query=query, _source=False):
            yield hit["_id"]


def vendor_doc_id(source: str, handle: str) -> str:
    key = f"{source}\x1f{normalize_keyword(handle)}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def upsert_vendor_profiles(
    client: Elasticsearch, names: IndexNames, profiles: Iterable[VendorProfile]
) -> int:
    """Store profiles by (source, handle), keeping the newest capture; the number written."""
    batch = list(profiles)
    if not batch:
        return 0
    ids = [vendor_doc_id(profile.source, profile.handle) for profile in batch]
    current = _stored_vendors(client, names.vendors, ids)
    changed: dict[str, VendorProfile] = {}
    written = 0
    for doc_id, profile in zip(ids, batch, strict=True):
        stored = current.get(doc_id)
        if stored is None or profile.captured_at >= stored.captured_at:
            current[doc_id] = changed[doc_id] = profile
            written += 1
    failed, reasons = bulk_write(
        client,
        (_index_action(names.vendors, i, _vendor_source(p)) for i, p in changed.items()),
    )
    client.indices.refresh(index=names.vendors)
    if failed:
        raise BulkWriteError("vendor profiles", failed, reasons)
    return written


def _stored_vendors(client: Elasticsearch, alias: str, ids: list[str]) -> dict[str, VendorProfile]:
    response = client.mget(index=alias, ids=list(dict.fromkeys(ids)), source_includes=["profile"])
    return {
        doc["_id"]: VendorProfile.model_validate(doc["_source"]["profile"])
        for doc in response["docs"]
        if doc.get("found")
    }


def _vendor_source(profile: VendorProfile) -> dict[str, Any]:
    return {
        "source": profile.source,
        "handle": normalize_keyword(profile.handle),
        "market": profile.market,
        "captured_at": format_timestamp(profile.captured_at),
        "profile": profile.model_dump(mode="json"),
    }


def get_vendor_profile(
    client: Elasticsearch, names: IndexNames, source: str, handle: str
) -> VendorProfile | None:
    try:
        doc = client.get(index=names.vendors, id=vendor_doc_id(source, handle))
    except NotFoundError:
        return None
    return VendorProfile.model_validate(doc["_source"]["profile"])
