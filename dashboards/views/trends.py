"""The trends page: listings per category over time, asking prices per firearm model, and the
shipping routes (origin -> destination) as a heat matrix and a flow chart.

`/trends` draws the figures in the browser (Chart.js, `static/trends.js`) from the JSON the
page embeds; `/api/trends` answers the same JSON. The figures come from the index contract
(`histogram`, `scan_listings`) and `intel.routes`; the scans are cached per index state
(`TrendsCache`), so reloading the page or switching the chart does not rescan the index.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from itertools import islice
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import JSONResponse, Response

from crawlers.listing import Category, Listing
from dashboards.context import audit, config, index
from dashboards.roles import Role
from dashboards.security import CurrentUser, require
from dashboards.templating import render
from index.backend import IndexBackend
from intel.routes import WORLDWIDE, RouteReport, build_routes
from intel.windows import Window

router = APIRouter()

CATEGORIES: tuple[str, ...] = get_args(Category)
# the categories charted when none is chosen: "none" (not firearm-related) would dwarf the rest
CHARTED_CATEGORIES = tuple(category for category in CATEGORIES if category != "none")
INTERVALS = ("day", "week", "month")
SINCE_CHOICES = ("30d", "90d", "1y", "all")
PRICED_CATEGORIES = ("firearm", "essential_component")
MODEL_LABEL = "MODEL"
MAX_PRICED_LISTINGS = 20_000  # newest first: bounds the price scan on a large index
MAX_MODELS = 25  # the models with the most priced listings
MAX_MATRIX_SIDE = 40  # origins (rows) and destinations (columns) shown, by listings
MAX_FLOWS = 40  # the largest origin -> destination flows drawn
HEAT_LEVELS = 5  # CSS classes heat-0 .. heat-5


@dataclass(frozen=True)
class TrendFilters:
    category: str | None
    since: str | None  # a duration (90d, 1y), None for all time
    interval: str

    @classmethod
    def parse(cls, category: str = "", since: str = "90d", interval: str = "week") -> TrendFilters:
        """The filters from the query string (a dependency of the routes); HTTP 400 naming the
        bad value."""
        if category and category not in CATEGORIES:
            raise HTTPException(400, f"unknown category {category!r}; use {', '.join(CATEGORIES)}")
        if interval not in INTERVALS:
            raise HTTPException(400, f"unknown interval {interval!r}; use {', '.join(INTERVALS)}")
        duration = None if since in ("", "all") else since
        try:
            Window.since(duration)
        except ValueError as error:
            raise HTTPException(400, str(error)) from None
        return cls(category or None, duration, interval)


Filters = Annotated[TrendFilters, Depends(TrendFilters.parse)]


@router.get("/trends")
def trends_page(
    request: Request,
    user: Annotated[CurrentUser, Depends(require(Role.analyst))],
    filters: Filters,
) -> Response:
    data = _trends(request, filters)
    audit(request, "trends.view", "/trends", **_described(filters))
    return render(
        request,
        "trends.html",
        data=data,
        filters=filters,
        categories=CATEGORIES,
        intervals=INTERVALS,
        since_choices=SINCE_CHOICES,
        heat_levels=HEAT_LEVELS,
    )


@router.get("/api/trends")
def trends_api(
    request: Request,
    user: Annotated[CurrentUser, Depends(require(Role.analyst))],
    filters: Filters,
) -> Response:
    data = _trends(request, filters)
    audit(request, "trends.view", "/api/trends", **_described(filters))
    return JSONResponse(data)


def _described(filters: TrendFilters) -> dict[str, str]:
    return {
        "category": filters.category or "all",
        "since": filters.since or "all",
        "interval": filters.interval,
    }


def _trends(request: Request, filters: TrendFilters) -> dict[str, Any]:
    with index(request) as backend:
        state = index_state(backend)
        key = (config(request).index_url, state, filters)
        return _CACHE.get_or_compute(key, lambda: trends_data(backend, filters))


def trends_data(backend: IndexBackend, filters: TrendFilters) -> dict[str, Any]:
    """Every figure of the page, as the JSON the page embeds and `/api/trends` answers."""
    window = Window.since(filters.since)
    report = route_report(backend, filters, window)
    return {
        "filters": {
            "category": filters.category,
            "since": filters.since,
            "interval": filters.interval,
        },
        "window": window.describe(),
        "histogram": category_histogram(backend, filters, window),
        "prices": model_prices(backend, filters, window),
        "routes": route_figures(report),
    }


def category_histogram(
    backend: IndexBackend, filters: TrendFilters, window: Window
) -> dict[str, Any]:
    """New listings (by `first_seen`) per category and calendar interval in the window."""
    categories = [filters.category] if filters.category else list(CHARTED_CATEGORIES)
    since = f' AND first_seen:>="{window.start.isoformat()}"' if window.start else ""
    counts: dict[str, dict[str, int]] = {}
    for category in categories:
        buckets = backend.histogram(f"category:{category}{since}", "first_seen", filters.interval)
        if buckets:
            counts[category] = {day.isoformat(): count for day, count in buckets}
    labels = sorted({label for series in counts.values() for label in series})
    series = [
        {"category": category, "counts": [per_bucket.get(label, 0) for label in labels]}
        for category, per_bucket in counts.items()
    ]
    return {"field": "first_seen", "interval": filters.interval, "labels": labels, "series": series}


def model_prices(backend: IndexBackend, filters: TrendFilters, window: Window) -> dict[str, Any]:
    """Median and range of `price.amount_usd` per firearm model (the MODEL entities'
    normalized names) and category, of the priced firearm and component listings online in
    the window; at most `MAX_PRICED_LISTINGS` listings, newest first."""
    categories = [c for c in PRICED_CATEGORIES if filters.category in (None, c)]
    if not categories:
        return {"models": [], "listings": 0, "truncated": False}
    query = "(" + " OR ".join(f"category:{c}" for c in categories) + ")"
    query += " AND price.amount_usd:* AND entity.model:*"
    if window.start:
        query += f' AND last_seen:>="{window.start.isoformat()}"'
    prices: dict[tuple[str, str], list[float]] = defaultdict(list)
    scanned = 0
    for listing in islice(backend.scan_listings(query, sort="newest"), MAX_PRICED_LISTINGS):
        scanned += 1
        amount = listing.price.amount_usd if listing.price else None
        if amount is None or listing.annotations is None:
            continue
        for model in _models(listing):
            prices[(model, listing.annotations.category)].append(amount)
    ranked = sorted(prices.items(), key=lambda item: (-len(item[1]), item[0]))[:MAX_MODELS]
    models = [
        {
            "model": model,
            "category": category,
            "listings": len(amounts),
            "median": round(statistics.median(amounts), 2),
            "min": round(min(amounts), 2),
            "max": round(max(amounts), 2),
        }
        for (model, category), amounts in ranked
    ]
    return {"models": models, "listings": scanned, "truncated": scanned >= MAX_PRICED_LISTINGS}


def _models(listing: Listing) -> list[str]:
    entities = listing.annotations.entities if listing.annotations else []
    found = (e.normalized or e.text for e in entities if e.label == MODEL_LABEL)
    return list(dict.fromkeys(found))


def route_report(backend: IndexBackend, filters: TrendFilters, window: Window) -> RouteReport:
    """`intel.routes` over the listings of the category online in the window (the index is
    asked for those only, instead of every listing of the category), any shipping method."""
    clauses = [f"category:{filters.category}" if filters.category else "*"]
    if window.start:
        clauses.append(f'last_seen:>="{window.start.isoformat()}"')
    return build_routes(
        backend.scan_listings(" AND ".join(clauses)),
        window=window,
        category=filters.category,
        methods="none",
    )


def route_figures(report: RouteReport) -> dict[str, Any]:
    """The route report (one method view: `none`) as an origin x destination matrix of listing
    counts and the largest flows; a listing counts once per (origin, destination)."""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for row in report.rows:
        cells[(row.origin, row.destination)] += row.listings
    origins = _ranked(cells, 0)[:MAX_MATRIX_SIDE]
    destinations = _ranked(cells, 1)[:MAX_MATRIX_SIDE]
    peak = max(cells.values(), default=0)
    matrix = [
        [_cell(cells.get((origin, destination), 0), peak) for destination in destinations]
        for origin in origins
    ]
    flows = sorted(cells.items(), key=lambda item: (-item[1], item[0]))[:MAX_FLOWS]
    return {
        "listings": report.listings,
        "sources": report.sources,
        "origins": origins,
        "destinations": destinations,
        "destination_labels": [_place(code) for code in destinations],
        "matrix": matrix,
        "peak": peak,
        "omitted": {
            "origins": len({o for o, _ in cells}) - len(origins),
            "destinations": len({d for _, d in cells}) - len(destinations),
        },
        "flows": [{"from": o, "to": d, "listings": n} for (o, d), n in flows],
    }


def _ranked(cells: dict[tuple[str, str], int], side: int) -> list[str]:
    totals: dict[str, int] = defaultdict(int)
    for pair, count in cells.items():
        totals[pair[side]] += count
    return sorted(totals, key=lambda code: (-totals[code], code))


def _cell(count: int, peak: int) -> dict[str, int]:
    level = 0 if not count else max(1, round(HEAT_LEVELS * count / peak))
    return {"listings": count, "heat": level}


def _place(code: str) -> str:
    return "worldwide" if code == WORLDWIDE else code


# -- the cache: one entry per (index, index state, filters) ------------------------------------


def index_state(backend: IndexBackend) -> Hashable:
    """What changes when the index does: the number of listings and the one seen last (a
    filter-only query ranks by newest `last_seen`; an upsert moves it, a new version bumps
    it). A removal sweep that changes neither is picked up when the entry expires."""
    latest = backend.search("*", limit=1, highlight=False)
    if not latest.hits:
        return (latest.total,)
    newest = latest.hits[0].listing
    return (latest.total, newest.id, newest.version, newest.last_seen.isoformat())


class TrendsCache:
    """A small thread-safe cache of computed figures, each kept for `ttl` seconds at most."""

    def __init__(self, ttl: float = 300.0, size: int = 32) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] < self.ttl:
                return found[1]
        value = compute()
        with self._lock:
            self._entries[key] = (now, value)
            self._drop_oldest(len(self._entries) - self.size)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop_oldest(self, surplus: int) -> None:
        oldest = sorted(self._entries, key=lambda key: self._entries[key][0])
        for key in oldest[: max(surplus, 0)]:
            del self._entries[key]


_CACHE = TrendsCache()
