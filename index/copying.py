"""Copying an index into another, across backends (`armswatch index copy`).

Every listing matching a query is streamed from the source oldest first, a page at a time,
with its earlier versions (`earlier_versions`), and written to the target with `restore`, so
versions, statuses and first/last-seen times arrive unchanged; then every vendor profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from crawlers.vendor_profile import VendorProfile
from index.backend import IndexBackend

PAGE = 500
Item = TypeVar("Item")
Progress = Callable[[int], None]  # called with the number of listings just copied


@dataclass(frozen=True)
class CopyReport:
    listings: int
    versions: int
    vendors: int


def copy_index(
    source: IndexBackend, target: IndexBackend, query: str = "*", progress: Progress | None = None
) -> CopyReport:
    """Copy the listings matching `query` (with their history) and every vendor profile."""
    listings = versions = 0
    for page in batched(source.scan_listings(query, sort="oldest"), PAGE):
        earlier = source.earlier_versions(listing.id for listing in page)
        target.restore((listing, earlier.get(listing.id, [])) for listing in page)
        listings += len(page)
        versions += sum(len(found) for found in earlier.values())
        if progress:
            progress(len(page))
    vendors = copy_vendors(source.scan_vendors(), target)
    return CopyReport(listings, versions, vendors)


def copy_vendors(profiles: Iterable[VendorProfile], target: IndexBackend) -> int:
    return sum(target.upsert_vendors(page) for page in batched(profiles, PAGE))


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Lists of `size` items (the last one shorter), as Python 3.12's itertools.batched."""
    iterator = iter(items)
    while page := list(islice(iterator, size)):
        yield page
