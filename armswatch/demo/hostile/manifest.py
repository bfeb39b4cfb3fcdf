"""Every hostile page of Hostile Bazaar: where it is, what it does, how the site links it.

Pages `linked_as="listing"` sit among the ordinary listing links of the category pages (same
markup), so a crawler that follows listing links fetches them; `linked_as="index"` pages are
`a.more` links in the category pages' `<nav class="more">`, followed as index pages.
`browser_only` pages are harmless to a static crawler and hostile only when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

_THIS_MONTH = datetime.now(UTC)


@dataclass(frozen=True)
class HostilePage:
    name: str
    path: str
    what: str
    linked_as: Literal["listing", "index"]
    browser_only: bool = False
    title: str = ""  # the text of its link on the category pages


def _listing(name: str, path: str, what: str, title: str) -> HostilePage:
    return HostilePage(name, path, what, "listing", title=title)


def _index(name: str, path: str, what: str, title: str) -> HostilePage:
    return HostilePage(name, path, what, "index", title=title)


def _browser(name: str, path: str, what: str, title: str) -> HostilePage:
    return HostilePage(name, path, what, "listing", browser_only=True, title=title)


HOSTILE_PAGES: tuple[HostilePage, ...] = (
    _listing("gzip-bomb", "/bomb/gzip", "~1 MB gzip body inflating to 1 GiB", "Glock 19 bundle"),
    _listing("deflate-bomb", "/bomb/deflate", "~1 MB zlib body inflating to 1 GiB", "AR-15 kit"),
    _listing("brotli-bomb", "/bomb/br", "tiny brotli body inflating to 1 GiB", "9mm pallet"),
    _listing("big-page", "/big/page", "50 MiB page of table rows", "Parts catalogue, all"),
    _listing("big-textnode", "/big/textnode", "50 MiB description in one text node", "CZ lot"),
    _listing("deep-nesting", "/deep", "200,000 nested <div>s", "Makarov PM, boxed"),
    _listing(
        "charset-mislabelled",
        "/charset/mislabelled",
        "cp1251 Russian text labelled utf-8 (header and meta)",
        "Пистолет ТТ-33 с двумя магазинами",
    ),
    _listing(
        "charset-none",
        "/charset/none",
        "cp1251 Russian, no charset anywhere",
        "Автомат АК-74, охолощённый",
    ),
    _listing("malformed", "/malformed", "broken HTML with NUL bytes", "Beretta 92 parts kit"),
    _index(
        "trap-pagination", "/trap/pages?page=1", "endless pagination (a.next to N+1)", "All offers"
    ),
    _index(
        "trap-calendar",
        f"/trap/calendar/{_THIS_MONTH:%Y/%m}",  # forward, it passes a year ahead in 14 hops
        "calendar with next/previous month, from this month",
        "By month",
    ),
    _index("trap-loop", "/trap/loop/", "relative link x/ repeating path segments", "More"),
    _index("trap-grow", "/trap/grow?q=a", "query that doubles in length every hop", "Search"),
    _listing("slow-drip", "/slow/drip", "1 byte per second of a ~2 KB page", "SKS carbine, drip"),
    _listing("slow-stall", "/slow/stall", "headers, then nothing for 10 minutes", "TT-33 stall"),
    _listing("net-reset", "/net/reset", "TCP RST instead of an answer", "Glock 43 slide"),
    _listing(
        "net-ratelimited",
        "/net/ratelimited",
        "429 Retry-After: 2, then the page",
        "Glock 26 frame, OEM",
    ),
    _listing(
        "net-flaky", "/net/flaky", "three 503 Retry-After: 1, then the page", "AK-74 bolt carrier"
    ),
    _listing("redirect-loop", "/net/redirect-loop/a", "302 a -> b -> a", "M4 upper"),
    _listing("redirect-chain", "/net/redirect-chain/1", "302 n -> n+1 forever", "PPK/S"),
    _browser(
        "browser-never-load",
        "/browser/never-load",
        "image that never loads: no load event",
        "Walther P99 slide",
    ),
    _browser(
        "browser-dom-growth",
        "/browser/dom-growth",
        "script adds 2,000 elements every 50 ms",
        "Saiga 12 magazine",
    ),
    _browser("browser-popups", "/browser/popups", "script opens popups in a loop", "Uzi bolt"),
)


def pages_linked_as(kind: Literal["listing", "index"]) -> tuple[HostilePage, ...]:
    return tuple(page for page in HOSTILE_PAGES if page.linked_as == kind)
