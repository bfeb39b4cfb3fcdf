"""Crawl runs and source health, as the dashboard's sources view reads them."""

from __future__ import annotations

from typing import Any, Protocol


class CrawlHealth(Protocol):
    def runs(self, source: str | None = None, limit: int = 50) -> list[Any]:
        """The latest crawl runs, newest first."""
        ...

    def health(self) -> list[Any]:
        """Each configured source's health."""
        ...
