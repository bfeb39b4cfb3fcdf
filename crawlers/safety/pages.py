"""Checks on each parsed page: nesting depth, text much shorter than the page, field size, CPU.

lxml (through parsel) gives no sign when it cuts a page: it stops at a nesting depth (2,048
levels here) and drops what lies deeper. So a page nested deeper than `limits.max_parse_depth`
is flagged (`parse_too_deep`), and so is a page of at least `TEXT_CHECK_BYTES` whose text is
under `TEXT_RATIO` of its bytes (`text_much_shorter`): parts of it may be missing from the
listing. A field's text is kept up to `limits.max_field_chars` (`text_node_too_large`), and a
page whose fields took more than `limits.parse_seconds` of CPU is flagged (`parse_too_slow`;
the size cap bounds the work, and lxml's C code cannot be stopped half way). The most CPU one
page took is kept in the stats as `armswatch/parse/max_cpu_seconds`.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Protocol

from lxml import etree
from scrapy.http import TextResponse

from crawlers.anomalies import record_anomaly
from crawlers.listing import Listing
from crawlers.source import Limits

TEXT_CHECK_BYTES = 64 * 1024  # smaller pages are not checked for missing text
TEXT_RATIO = 0.01
MAX_CPU_STAT = "armswatch/parse/max_cpu_seconds"
CAPPED_FIELDS = ("title", "description")


class _Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def max_value(self, key: str, value: Any) -> None: ...


@functools.lru_cache(maxsize=8)
def _depth_path(depth: int) -> etree.XPath:
    """`/*/*/.../*`, `depth` steps: evaluated in C level by level, cheaper than the parse."""
    return etree.XPath("boolean(/" + "/".join(["*"] * depth) + ")")


def nested_at_least(root: Any, depth: int) -> bool:
    """Whether an element of `root`'s document lies `depth` levels deep (the root at 1)."""
    return bool(_depth_path(depth)(root))


def text_length(root: Any) -> int:
    return sum(len(text) for text in root.itertext())


class PageChecks:
    """The checks of one source's crawl; the anomalies go to `stats`. Not `enabled`, they
    check nothing (a crawl without the safety layer, to measure its cost)."""

    def __init__(self, limits: Limits, stats: _Stats | None, *, enabled: bool = True) -> None:
        self.limits = limits
        self.stats = stats
        self.enabled = enabled

    def check(self, response: TextResponse) -> None:
        """Flag a page nested too deep, or whose text is much shorter than its bytes."""
        if not self.enabled:
            return
        root = response.selector.root
        size = len(response.body)
        budget = self.limits.max_parse_depth
        if size >= 4 * budget and nested_at_least(root, budget):
            self._record("parse_too_deep", response.url, f"{budget} levels or more")
        if size >= TEXT_CHECK_BYTES:
            text = text_length(root)
            if text < size * TEXT_RATIO:
                detail = f"{text} characters of text in {size} bytes"
                self._record("text_much_shorter", response.url, detail)

    def cap_fields(self, listing: Listing) -> Listing:
        """The listing with each long field cut to `limits.max_field_chars`."""
        if not self.enabled:
            return listing
        cap = self.limits.max_field_chars
        cut = {
            name: value[:cap]
            for name in CAPPED_FIELDS
            if isinstance(value := getattr(listing, name), str) and len(value) > cap
        }
        for name in cut:
            self._record("text_node_too_large", listing.url, f"{name} cut to {cap} characters")
        return listing.model_copy(update=cut) if cut else listing

    def spent(self, started: float, url: str) -> None:
        """Account the CPU a page took since `started` (a `time.thread_time()`)."""
        if not self.enabled:
            return
        seconds = time.thread_time() - started
        if self.stats is not None:
            self.stats.max_value(MAX_CPU_STAT, round(seconds, 3))
        if seconds > self.limits.parse_seconds:
            self._record("parse_too_slow", url, f"{seconds:.1f} s of CPU")

    def _record(self, kind: str, url: str, detail: str) -> None:
        record_anomaly(self.stats, kind, url, detail=detail)
