"""The actor resolution over the configured index, with the analysts' decisions of the data
directory (`<data>/intel.db`): what `armswatch actors`, `armswatch patterns` and the scheduled
reports share."""

from __future__ import annotations

from pathlib import Path

from armswatch.settings import AppSettings
from index.backend import IndexBackend
from intel.decisions import DecisionStore
from intel.identifiers import Progress, gather
from intel.resolution import Resolution, resolve

INTEL_DB = "intel.db"


def intel_db(app: AppSettings) -> Path:
    return app.data_dir / INTEL_DB


def resolve_actors(
    app: AppSettings, index: IndexBackend, progress: Progress | None = None
) -> Resolution:
    """Actors and suggestions of every vendor in `index`, under the analysts' decisions."""
    vendors = gather(index, progress)
    with DecisionStore(intel_db(app)) as store:
        decisions = store.current()
    return resolve(vendors, decisions)
