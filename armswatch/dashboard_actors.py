"""Actors for the dashboard (`dashboards.ports.actor_directory`)."""

from __future__ import annotations

from typing import Any

from armswatch.settings import AppSettings


class IntelActorDirectory:
    def __init__(self, app: AppSettings) -> None:
        self.app = app

    def actor_of_vendor(self, market: str, handle: str) -> Any | None:
        return None  # filled in by the vendor view's work

    def actor(self, actor_id: str) -> Any | None:
        return None
