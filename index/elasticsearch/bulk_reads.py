"""Reading Elasticsearch in bulk: earlier versions of many listings, every vendor profile.

For exports and copies between backends (`armswatch index copy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan

from crawlers.listing import Listing
from crawlers.vendor_profile import VendorProfile
from index.elasticsearch.documents import listing_from_source
from index.elasticsearch.mapping import IndexNames

CHUNK = 1000  # listing ids per terms query
SCAN_SIZE = 1000


def earlier_versions(
    client: Elasticsearch, names: IndexNames, listing_ids: Iterable[str]
) -> dict[str, list[Listing]]:
    """The archived versions of each listing, oldest first (listings without any left out)."""
    wanted = list(dict.fromkeys(listing_ids))
    versions: dict[str, list[Listing]] = {}
    for first in range(0, len(wanted), CHUNK):
        query = {"query": {"terms": {"listing_id": wanted[first : first + CHUNK]}}}
        for hit in scan(client, index=names.history, query=query, size=SCAN_SIZE):
            listing = listing_from_source(hit["_source"])
            versions.setdefault(listing.id, []).append(listing)
    for found in versions.values():
        found.sort(key=lambda listing: listing.version)
    return versions


def vendor_profiles(client: Elasticsearch, names: IndexNames) -> Iterator[VendorProfile]:
    """Every stored vendor profile (in no particular order)."""
    hits = scan(
        client,
        index=names.vendors,
        query={"query": {"match_all": {}}},
        size=SCAN_SIZE,
        _source_includes=["profile"],
    )
    for hit in hits:
        yield VendorProfile.model_validate(hit["_source"]["profile"])
