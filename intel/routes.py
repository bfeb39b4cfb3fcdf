"""Shipping routes: how many listings, vendors and markets offer each origin -> destination.

A route row is (origin, destination, category, shipping method[, period]) with the number of
listings on it and of distinct vendors (market + handle) and markets behind them. The origin
is each of the listing's `ships_from` codes, the destination each of its `ships_to` codes
(`WW`, worldwide, is a destination of its own and is not expanded); a listing with several
destinations or methods counts once on each (origin, destination, method) it names, so the
rows of one listing are not to be summed. A listing without a ships-from or ships-to code
counts under `unknown`; one without a shipping method under `unspecified`.

The category is the classifier's (`annotations.category`). The window takes the listings that
were online during it (`intel.windows`); `by` buckets them by the month or ISO week they were
first seen. The report holds aggregates only; vendor handles (personal data) are added only
when asked for (`with_vendors`), and the header says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from crawlers.listing import Listing
from intel.windows import Bucket, Window, bucket_of

MethodView = Literal["as_listed", "class", "none"]
METHOD_VIEWS: tuple[MethodView, ...] = ("as_listed", "class", "none")
UNKNOWN = "unknown"
UNSPECIFIED = "unspecified"
OTHER_METHOD = "other"
WORLDWIDE = "WW"


class ListingSource(Protocol):
    """What routes and pattern reports read from an index (`index.backend.IndexBackend`)."""

    def scan_listings(self, query: str = "*") -> Iterable[Listing]: ...


@dataclass(frozen=True)
class RouteRow:
    origin: str
    destination: str
    category: str
    method: str
    period: str | None
    listings: int
    vendors: int
    markets: int
    vendor_handles: tuple[str, ...] | None = None  # "market/handle", only when asked for


@dataclass(frozen=True)
class RouteReport:
    generated_at: datetime
    window: Window
    category: str | None
    by: Bucket
    methods: MethodView
    with_vendors: bool
    listings: int  # listings counted (in the window, of the category)
    sources: int
    rows: tuple[RouteRow, ...] = field(default=())

    def header(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "period": self.window.describe(),
            "filters": {"category": self.category, "by": self.by, "methods": self.methods},
            "sources": self.sources,
            "listings": self.listings,
            "aggregates_only": not self.with_vendors,
            "personal_data": (
                "vendor handles included on request" if self.with_vendors else "none"
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            data = asdict(row)
            if not self.with_vendors:
                data.pop("vendor_handles")
            else:
                data["vendor_handles"] = list(row.vendor_handles or ())
            rows.append(data)
        return {"header": self.header(), "routes": rows}


@dataclass
class _Tally:
    listings: set[str] = field(default_factory=set)
    vendors: set[str] = field(default_factory=set)
    markets: set[str] = field(default_factory=set)


_RouteKey = tuple[str, str, str, str, str | None]


def build_routes(
    listings: Iterable[Listing],
    *,
    window: Window,
    category: str | None = None,
    by: Bucket = "none",
    methods: MethodView = "as_listed",
    with_vendors: bool = False,
    generated_at: datetime | None = None,
) -> RouteReport:
    """The route rows of the listings in the window (and of the category, when given)."""
    tallies: dict[_RouteKey, _Tally] = defaultdict(_Tally)
    counted: set[str] = set()
    sources: set[str] = set()
    for listing in listings:
        listing_category = _category(listing)
        if category is not None and listing_category != category:
            continue
        if not window.overlaps(listing):
            continue
        counted.add(listing.id)
        sources.add(listing.source)
        period = bucket_of(listing.first_seen, by)
        for origin, destination, method in _legs(listing, methods):
            tally = tallies[(origin, destination, listing_category, method, period)]
            tally.listings.add(listing.id)
            tally.markets.add(listing.market)
            if listing.vendor is not None:
                tally.vendors.add(f"{listing.market}/{listing.vendor.handle}")
    rows = tuple(
        _row(key, tally, with_vendors) for key, tally in sorted(tallies.items(), key=_order)
    )
    return RouteReport(
        generated_at=generated_at or datetime.now(UTC),
        window=window,
        category=category,
        by=by,
        methods=methods,
        with_vendors=with_vendors,
        listings=len(counted),
        sources=len(sources),
        rows=rows,
    )


def routes_from_index(
    index: ListingSource,
    *,
    window: Window,
    category: str | None = None,
    by: Bucket = "none",
    methods: MethodView = "as_listed",
    with_vendors: bool = False,
) -> RouteReport:
    query = f"category:{category}" if category else "*"
    return build_routes(
        index.scan_listings(query),
        window=window,
        category=category,
        by=by,
        methods=methods,
        with_vendors=with_vendors,
    )


def _category(listing: Listing) -> str:
    return listing.annotations.category if listing.annotations else "none"


def _legs(listing: Listing, view: MethodView) -> list[tuple[str, str, str]]:
    origins = _unique(listing.ships_from) or [UNKNOWN]
    destinations = _unique(listing.ships_to) or [UNKNOWN]
    methods = _methods(listing.shipping_methods, view)
    return [(o, d, m) for o in origins for d in destinations for m in methods]


def _methods(listed: list[str], view: MethodView) -> list[str]:
    if view == "none":
        return ["any"]
    if view == "as_listed":
        return _unique(method.strip().lower() for method in listed if method.strip()) or [
            UNSPECIFIED
        ]
    return _unique(method_class(method) for method in listed) or [UNSPECIFIED]


def method_class(method: str) -> str:
    """post, courier, stealth, split_shipment, disassembled, dead_drop or pickup, as the
    shipping extractor reads a method in any of its languages; `other` when it reads none."""
    from extractors.signals import shipping

    found = [e.normalized for e in shipping.find(method, "shipping_methods") if e.normalized]
    classes = [value for value in found if value in shipping.METHOD_WORDS]
    return classes[0] if classes else OTHER_METHOD


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _order(item: tuple[_RouteKey, _Tally]) -> tuple[Any, ...]:
    (origin, destination, category, method, period), tally = item
    return (period or "", -len(tally.listings), origin, destination, category, method)


def _row(key: _RouteKey, tally: _Tally, with_vendors: bool) -> RouteRow:
    origin, destination, category, method, period = key
    return RouteRow(
        origin=origin,
        destination=destination,
        category=category,
        method=method,
        period=period,
        listings=len(tally.listings),
        vendors=len(tally.vendors),
        markets=len(tally.markets),
        vendor_handles=tuple(sorted(tally.vendors)) if with_vendors else None,
    )


CSV_COLUMNS = (
    "origin", "destination", "category", "method", "period", "listings", "vendors", "markets"
)  # fmt: skip


def csv_rows(report: RouteReport) -> list[list[str]]:
    """The rows as CSV cells (a `vendor_handles` column, `;`-joined, when asked for)."""
    header = [*CSV_COLUMNS, *(["vendor_handles"] if report.with_vendors else [])]
    lines = [header]
    for row in report.rows:
        cells = [str(getattr(row, column) or "") for column in CSV_COLUMNS]
        if report.with_vendors:
            cells.append(";".join(row.vendor_handles or ()))
        lines.append(cells)
    return lines
