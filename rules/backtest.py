"""Back-testing: what a rule would have fired over the index's history, without sending.

Every stored version of a listing (the current one and the earlier ones kept when it
changed) captured within the window is one chance for the rule to fire, exactly as the
engine would have seen it on ingest: version 1 as a new listing, later ones as changes. The
vendor conditions are judged against the index as it is now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from crawlers.listing import Listing
from index.backend import IndexBackend, VersionScope
from rules.alert import AlertReason
from rules.conditions import listing_query
from rules.model import Rule
from rules.vendor_facts import VendorFacts

_PAGE = 500


@dataclass(frozen=True)
class WouldFire:
    """One alert the rule would have created: a listing version, and why."""

    listing: Listing
    reason: AlertReason

    @property
    def version(self) -> int:
        return self.listing.version


def window_query(rule: Rule, since: datetime | None) -> str:
    """The rule's listing query restricted to versions captured since `since`."""
    query = listing_query(rule)
    if since is None:
        return query
    return f'({query}) AND captured_at:>="{since.isoformat()}"'


def backtest(rule: Rule, index: IndexBackend, since: datetime | None = None) -> list[WouldFire]:
    """Every listing version in the window the rule matches, oldest capture first."""
    query = window_query(rule, since)
    facts = VendorFacts(index)
    fired = []
    for scope in ("current", "earlier"):
        for listing in _matching_versions(index, query, scope):
            if rule.conditions and not facts.satisfied(rule.conditions, listing):
                continue
            fired.append(WouldFire(listing, "new" if listing.version == 1 else "changed"))
    return sorted(fired, key=lambda item: (item.listing.captured_at, item.listing.id))


def _matching_versions(index: IndexBackend, query: str, scope: VersionScope) -> Iterator[Listing]:
    offset = 0
    while True:
        page = index.search(
            query, limit=_PAGE, offset=offset, sort="oldest", highlight=False, versions=scope
        )
        yield from (hit.listing for hit in page.hits)
        offset += len(page.hits)
        if not page.hits or offset >= page.total:
            return
