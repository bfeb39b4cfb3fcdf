"""Actors (vendors linked across markets), as the dashboard's vendor and listing views read them."""

from __future__ import annotations

from typing import Any, Protocol


class ActorDirectory(Protocol):
    def actor_of_vendor(self, market: str, handle: str) -> Any | None:
        """The actor a vendor belongs to, if any."""
        ...

    def actor(self, actor_id: str) -> Any | None: ...
