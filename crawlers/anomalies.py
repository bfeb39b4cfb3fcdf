"""Anomalies: what a crawl did not capture whole, counted by kind and logged with the URL.

A hostile or broken site is survived by cutting, skipping or giving up on what it serves: a
body over the size cap, a decompression bomb, a page nested too deep to parse, a trap URL, a
server that drips or stalls, a browser page that never finishes loading. None of that may be
silent: each one is counted in the crawl's stats as `armswatch/anomalies/<kind>` (and in
`armswatch/anomalies`, the total), which the crawl run keeps and `armswatch runs SOURCE`
shows, and logged as a warning (event `crawl_anomaly`) with its kind, URL and detail.

    record_anomaly(crawler.stats, "download_too_large", url, detail="over 5 MiB")

The kinds are the keys of `KINDS` (with what each one means to an analyst); an unknown kind is
still counted, under its own name.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

logger = logging.getLogger(__name__)

STATS_PREFIX = "armswatch/anomalies"

KINDS: dict[str, str] = {
    # size
    "download_too_large": "page over the download size cap, not fetched",
    "decompression_bomb": "compressed page that inflates past the size cap, not read",
    "download_size_warning": "page over the warning size, fetched",
    # parsing
    "parse_too_deep": "page nested deeper than the parse budget: the parser may have cut it",
    "parse_too_slow": "page whose fields took longer than the parse budget",
    "text_node_too_large": "a field's text over the size cap, cut",
    "text_much_shorter": "extracted text much shorter than the page: parts may be missing",
    "charset_mislabelled": "page not in the character set it declared, decoded as detected",
    "charset_missing": "page without a character set, decoded as detected",
    # traps
    "trap_url_too_long": "link longer than the URL cap, not followed",
    "trap_repeating_path": "link whose path repeats itself, not followed",
    "trap_calendar": "link to a date far outside the crawl's window, not followed",
    "trap_pagination": "pagination past the page budget, not followed",
    "depth_limit": "link deeper than the depth budget, not followed",
    # network
    "timeout": "server too slow (drip or stall), given up after the time-out",
    "connection_reset": "server reset or dropped the connection",
    "retry_after": "server asked to wait (Retry-After), waited within the cap",
    "retry_after_over_cap": "server asked to wait longer than the cap, waited the cap",
    "redirect_limit": "redirect chain or loop over the redirect limit, given up",
    # browser pages
    "browser_load_timeout": "page whose `load` never came within the time-out, captured as is",
    "browser_page_timeout": "page over its time budget in the browser (a hung script), lost",
    "browser_dom_capped": "rendered page over the size cap, its HTML cut",
    "browser_screenshot_capped": "page taller or wider than the screenshot cap, screenshot cut",
    "browser_popup_closed": "window a page opened, closed unread",
}


class _Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


def record_anomaly(
    stats: _Stats | None, kind: str, url: str, *, detail: str = "", **extra: Any
) -> None:
    """Count one anomaly of `kind` at `url` and log it (`detail`: what was seen, in words)."""
    if stats is not None:
        stats.inc_value(STATS_PREFIX)
        stats.inc_value(f"{STATS_PREFIX}/{kind}")
    meaning = KINDS.get(kind, kind.replace("_", " "))
    logger.warning(
        "%s: %s%s",
        url,
        meaning,
        f" ({detail})" if detail else "",
        extra={"event": "crawl_anomaly", "kind": kind, "url": url, "detail": detail, **extra},
    )


def anomaly_counts(stats: dict[str, Any]) -> dict[str, int]:
    """The anomalies of a run's stats by kind, e.g. {"decompression_bomb": 3}."""
    prefix = STATS_PREFIX + "/"
    return {
        key[len(prefix) :]: int(value)
        for key, value in stats.items()
        if key.startswith(prefix) and isinstance(value, int | float) and value
    }
