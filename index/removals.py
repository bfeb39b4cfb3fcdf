"""Listings a source no longer shows: missed by complete crawls in a row, then `removed`.

A crawl is complete when its spider closed with the finish reason `finished` and its
pagination never stopped at the source's `max_pages`: it went through every index page. A
crawl cut short (a page, item or time budget, a failure, an unreachable site) says nothing
about what is gone and counts neither way.

After each complete crawl of a source, every listing of that source in the index that the
crawl did not see has one more miss (`HistoryStore.count_misses`); a listing it saw has none.
Seen counts what the crawl scraped and what the index took from it batch by batch (noted in
the history file as it goes, so a crawl killed and resumed counts as one crawl), and what
incomplete crawls since the last complete one saw: a listing seen then was still online.
A listing missed by `Source.removed_after` complete crawls in a row is upserted again with
status `removed`: the index makes a new version (active -> removed), so the history shows
when it went, and the alert rules see the change. A removed listing that is crawled again
becomes active again through the ordinary upsert: a new version, its history intact.

The count is `>=`, not `==`: a crawl that died between counting and upserting leaves listings
due, and the next complete crawl that misses them again removes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crawlers.listing import Listing
from crawlers.snapshots.pages import IMPORTED_PAGES
from index.backend import IndexBackend, UpsertReport
from index.history_store import HistoryStore

COMPLETE_REASON = "finished"
PAGINATION_CUT = "armswatch/pagination/max_pages_reached"  # the spider's stat


def is_complete(reason: str, stats: Mapping[str, Any]) -> bool:
    """Whether a crawl that ended with `reason` and `stats` went through the whole site."""
    imported = stats.get(IMPORTED_PAGES)  # saved pages: what the site held is not known
    return reason == COMPLETE_REASON and not stats.get(PAGINATION_CUT) and not imported


def phrase(value: str) -> str:
    """A query phrase that matches `value` exactly (quotes and backslashes escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def source_query(source: str) -> str:
    return f"source:{phrase(source)}"


@dataclass(frozen=True)
class RemovalPass:
    """What one complete crawl did to the removal counts of its source."""

    seen: int  # listings of the source the crawl saw
    missed: int  # stored listings of the source it did not see
    report: UpsertReport  # the upsert of the listings it marked removed

    @property
    def removed(self) -> int:
        return len(self.report.changed)


def due_for_removal(
    statuses: Mapping[str, str], misses: Mapping[str, int], removed_after: int
) -> list[str]:
    """Ids of listings not removed yet (`statuses`: status by id) that enough complete crawls
    in a row have missed."""
    return sorted(
        listing_id
        for listing_id, missed in misses.items()
        if missed >= removed_after and statuses.get(listing_id, "removed") != "removed"
    )


def removal_capture(listing: Listing, when: datetime) -> Listing:
    """The capture that reports `listing` gone at `when` (after its last capture)."""
    captured = max(when, listing.captured_at + timedelta(seconds=1))
    return listing.model_copy(update={"status": "removed", "captured_at": captured})


def stored_statuses(index: IndexBackend, source: str) -> dict[str, str]:
    """The status of every listing of a source in the index, by id."""
    index.refresh()  # the index pipeline wrote this crawl's listings with its own client
    return {listing.id: listing.status for listing in index.scan_listings(source_query(source))}


def apply_removals(
    index: IndexBackend,
    store: HistoryStore,
    source: str,
    seen: Iterable[str],
    removed_after: int,
    when: datetime,
) -> RemovalPass:
    """Count one complete crawl of `source` that saw `seen` and mark the listings it made due
    `removed` in the index."""
    statuses = stored_statuses(index, source)
    misses = store.count_misses(source, statuses, set(seen))
    due = due_for_removal(statuses, misses, removed_after)
    captures = [removal_capture(listing, when) for listing in _listings(index, due)]
    report = index.upsert(captures) if captures else UpsertReport()
    return RemovalPass(seen=len(statuses) - len(misses), missed=len(misses), report=report)


def _listings(index: IndexBackend, ids: Iterable[str]) -> list[Listing]:
    found = (index.get(listing_id) for listing_id in ids)
    return [listing for listing in found if listing is not None]
