"""Scrapy settings that keep a source's frontier in crash-safe storage (being built)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawlers.source import Source


def frontier_settings(source: Source, data_dir: Path) -> dict[str, Any]:
    """The scheduler and duplicate filter settings of a source's crawl."""
    return {}
