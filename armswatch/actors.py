"""The actor resolution over the configured index, with the analysts' decisions of the data
directory (`<data>/intel.db`), and the pattern reports with vendors joined into actors: what
`armswatch actors`, `armswatch patterns` and the scheduled reports share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from armswatch.settings import AppSettings
from index.backend import IndexBackend
from intel.decisions import DecisionStore
from intel.identifiers import Progress, gather, gather_from
from intel.patterns import Finding, run_reports
from intel.resolution import Resolution, resolve, vendor_actors
from intel.vendor_records import VendorKey, VendorRecord

INTEL_DB = "intel.db"


def intel_db(app: AppSettings) -> Path:
    return app.data_dir / INTEL_DB


def resolve_actors(
    app: AppSettings, index: IndexBackend, progress: Progress | None = None
) -> Resolution:
    """Actors and suggestions of every vendor in `index`, under the analysts' decisions."""
    return resolve_vendors(app, gather(index, progress))


def resolve_vendors(app: AppSettings, vendors: Mapping[VendorKey, VendorRecord]) -> Resolution:
    """Actors and suggestions of vendors already gathered, under the analysts' decisions."""
    with DecisionStore(intel_db(app)) as store:
        decisions = store.current()
    return resolve(vendors, decisions)


def pattern_findings(
    app: AppSettings,
    index: IndexBackend,
    names: Sequence[str],
    since: str | None,
    now: datetime,
    *,
    actors: Mapping[str, str] | None = None,
    join_actors: bool = True,
) -> list[Finding]:
    """The findings of the reports `names` over one read of the index; vendors are joined into
    actors by `actors`, else by the actor resolution when `join_actors`."""
    listings = list(index.scan_listings("*", sort="oldest"))
    if actors is None and join_actors:
        vendors = gather_from(index.scan_vendors(), listings)
        actors = vendor_actors(resolve_vendors(app, vendors))
    return run_reports(names, listings, since, now, actors)
