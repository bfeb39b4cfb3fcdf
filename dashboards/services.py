"""What the dashboard reads, handed to `create_app` by the app package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dashboards.ports.actor_directory import ActorDirectory
from dashboards.ports.crawl_health import CrawlHealth
from index.backend import IndexBackend


@dataclass(frozen=True)
class Services:
    open_index: Callable[[], IndexBackend]
    crawl_health: CrawlHealth
    actors: ActorDirectory
