"""Scrapy settings that keep a source's frontier in crash-safe storage.

- `SCHEDULER`: `FrontierScheduler`, which also filters duplicates (Scrapy's `DUPEFILTER_CLASS`
  is not used);
- `SPIDER_MIDDLEWARES`: `FrontierSpiderMiddleware`, which tells it what each response produced;
- `ARMSWATCH_FRONTIER_DB`: `<data>/frontier/<source>.db`;
- `ARMSWATCH_FRONTIER_SOURCE_KEY`: a hash of the source definition: a crawl resumes only the
  crawl of the same definition;
- `ARMSWATCH_FRONTIER_MAX_AGE`: an open crawl older than this many seconds is not resumed
  (default three days: a source's schedule runs it far more often);
- `ARMSWATCH_FRONTIER_CHECKPOINT_SIGNALS`: dotted paths of signals sent when the index has
  written a batch of listings, in a synchronous call that writes the batch's vendor profiles
  next: checkpoints once that call has returned. `crawlers.frontier.durable_checkpoint` is
  always heard, and applied at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from crawlers.source import Source

SCHEDULER = "crawlers.frontier.scheduler.FrontierScheduler"
MIDDLEWARE = "crawlers.frontier.middleware.FrontierSpiderMiddleware"
# below StartSpiderMiddleware (25) and HttpErrorMiddleware (50): the one next to the engine
MIDDLEWARE_ORDER = 10
FRONTIER_DB = "ARMSWATCH_FRONTIER_DB"
SOURCE_KEY = "ARMSWATCH_FRONTIER_SOURCE_KEY"
MAX_AGE = "ARMSWATCH_FRONTIER_MAX_AGE"
CHECKPOINT_SIGNALS = "ARMSWATCH_FRONTIER_CHECKPOINT_SIGNALS"
DEFAULT_MAX_AGE = 3 * 24 * 3600.0
# the index pipeline's signal, by name: crawlers import no index (stages join in settings)
INDEX_SIGNALS = ["index.pipeline.listings_indexed"]


def frontier_settings(source: Source, data_dir: Path) -> dict[str, Any]:
    """The scheduler and duplicate filter settings of a source's crawl."""
    return {
        "SCHEDULER": SCHEDULER,
        "SPIDER_MIDDLEWARES": {MIDDLEWARE: MIDDLEWARE_ORDER},
        FRONTIER_DB: str(frontier_path(source.name, data_dir)),
        SOURCE_KEY: source_key(source),
        MAX_AGE: DEFAULT_MAX_AGE,
        CHECKPOINT_SIGNALS: list(INDEX_SIGNALS),
    }


def frontier_path(name: str, data_dir: Path) -> Path:
    return data_dir / "frontier" / f"{name}.db"


def source_key(source: Source) -> str:
    """A hash of everything the source definition says."""
    return hashlib.sha256(source.model_dump_json().encode("utf-8")).hexdigest()[:24]
