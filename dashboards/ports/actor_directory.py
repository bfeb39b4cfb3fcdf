"""Actors (vendors linked across markets), as the dashboard's vendor and listing views read them.

The app package resolves them (`armswatch.dashboard_actors`): the resolution needs the analysts'
link decisions, which it keeps. The dashboard hands it the index it borrowed for the request.
"""

from __future__ import annotations

from typing import Protocol

from index.backend import IndexBackend
from intel.resolution import Resolution


class ActorDirectory(Protocol):
    def resolution(self, index: IndexBackend) -> Resolution:
        """Every vendor of `index` resolved into actors under the analysts' decisions (kept
        while the index's listings and the decisions stay as they were)."""
        ...
