"""Crawl runs and source health for the dashboard (`dashboards.ports.crawl_health`)."""

from __future__ import annotations

from typing import Any

from armswatch.runs import RunStore
from armswatch.settings import AppSettings


class RunStoreHealth:
    def __init__(self, app: AppSettings) -> None:
        self.app = app

    def runs(self, source: str | None = None, limit: int = 50) -> list[Any]:
        if not self.app.runs_db.exists():
            return []
        store = RunStore(self.app.runs_db)
        try:
            return list(store.recent(source, limit=limit))
        finally:
            store.close()

    def health(self) -> list[Any]:
        return []  # filled in by the sources view's work
