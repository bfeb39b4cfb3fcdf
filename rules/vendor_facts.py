"""What the index knows about a vendor beyond one listing, for the vendor conditions.

- `vendor_first_seen_within`: the vendor's earliest listing on this market was first seen
  at most that long before this listing was captured (a new vendor, or a known one new to
  this market); measured from the capture, a back-test judges each listing as it was then.
- `seen_on_markets_at_least`: the vendor's handle is on at least that many markets: this
  listing's market and those where it has listings matching `vendor_history_query` (any
  listing, when not given). So `2` with `category:firearm` means "seen selling firearms on
  another market". Handles are compared
  case-insensitively; linking different handles of one actor is the actor resolution's job.

Answers are cached per instance: make one per batch of listings.
"""

from __future__ import annotations

from datetime import datetime

from crawlers.listing import Listing
from index.backend import IndexBackend
from rules.conditions import quote
from rules.model import Conditions


class VendorFacts:
    def __init__(self, index: IndexBackend) -> None:
        self.index = index
        self._first_seen: dict[tuple[str, str], datetime | None] = {}
        self._markets: dict[tuple[str, str], frozenset[str]] = {}

    def first_seen(self, handle: str, market: str) -> datetime | None:
        """When the vendor's earliest listing on the market was first seen."""
        key = (handle.lower(), market.lower())
        if key not in self._first_seen:
            query = f"vendor:{quote(handle)} AND market:{quote(market)}"
            hits = self.index.search(query, limit=1, sort="oldest", highlight=False).hits
            self._first_seen[key] = hits[0].listing.first_seen if hits else None
        return self._first_seen[key]

    def markets(self, handle: str, history_query: str | None) -> frozenset[str]:
        """The markets (lower case) where the handle has listings matching `history_query`."""
        key = (handle.lower(), history_query or "")
        if key not in self._markets:
            query = f"vendor:{quote(handle)}"
            if history_query:
                query += f" AND ({history_query})"
            result = self.index.search(query, limit=0, facets=["market"], highlight=False)
            buckets = result.facets.get("market", [])
            self._markets[key] = frozenset(bucket.value.lower() for bucket in buckets)
        return self._markets[key]

    def satisfied(self, conditions: Conditions, listing: Listing) -> bool:
        """Whether the listing's vendor meets the vendor conditions (a listing without a
        vendor meets none)."""
        if not conditions.on_vendor:
            return True
        if listing.vendor is None:
            return False
        handle = listing.vendor.handle
        within = conditions.vendor_first_seen_within
        if within is not None:
            first = self.first_seen(handle, listing.market) or listing.first_seen
            if listing.captured_at - first > within:
                return False
        at_least = conditions.seen_on_markets_at_least
        if at_least is None:
            return True
        markets = self.markets(handle, conditions.vendor_history_query)
        return len(markets | {listing.market.lower()}) >= at_least
