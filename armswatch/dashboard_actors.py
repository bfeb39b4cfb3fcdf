"""Actors for the dashboard (`dashboards.ports.actor_directory`): the resolution `armswatch
actors` makes, over the index the dashboard lends, under the analysts' decisions of
`<data>/intel.db`.

Reading every vendor of the index is the slow part (seconds on a large index), so the vendors
are kept and read again only when the index changed: its number of listings and of earlier
versions, or its most recently seen listing. The decisions are read on every call (a small
table), and a new one re-resolves the vendors kept, without reading the index again.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping

from armswatch.actors import intel_db
from armswatch.settings import AppSettings
from index.backend import IndexBackend
from intel.decisions import Decision, DecisionStore, Pair
from intel.identifiers import gather
from intel.resolution import Resolution, resolve
from intel.vendor_records import VendorKey, VendorRecord


class IntelActorDirectory:
    def __init__(self, app: AppSettings) -> None:
        self.app = app
        self._lock = threading.Lock()  # one resolution at a time; the others wait for it
        self._vendors: Mapping[VendorKey, VendorRecord] = {}
        self._index_state: Hashable | None = None
        self._decisions: Mapping[Pair, Decision] | None = None
        self._resolution: Resolution | None = None

    def resolution(self, index: IndexBackend) -> Resolution:
        with self._lock:
            state = index_state(index)
            if state != self._index_state or self._resolution is None:
                self._vendors, self._index_state = gather(index), state
                self._resolution = None
            with DecisionStore(intel_db(self.app)) as store:
                decisions = store.current()
            if self._resolution is None or decisions != self._decisions:
                self._resolution = resolve(self._vendors, decisions)
                self._decisions = decisions
            return self._resolution


def index_state(index: IndexBackend) -> Hashable:
    """What changes when a crawl or an upsert changes the index's listings: the numbers of
    listings and of earlier versions, and the listing seen last (its id and when)."""
    latest = index.search("*", limit=1, highlight=False).hits
    newest = (latest[0].listing.id, latest[0].listing.last_seen) if latest else None
    return (index.count("*"), index.count("*", versions="earlier"), newest)
