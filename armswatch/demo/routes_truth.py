"""Ground truth for `armswatch routes` on the demo data: the route rows the catalog implies.

Each offer counts on every (origin, destination, method) it names, the way `intel.routes`
counts a crawled listing: the origin is the ships-from text read as the crawler reads it
(`crawlers.normalize.to_country_codes`), the destinations are the offer's true
`ships_to_codes` (`WW` kept whole), the methods are the offer's shipping methods split and
lowercased as `crawlers.extraction` does. Vendors count as market + handle.

The planted route pattern (`armswatch.demo.generate`): planted actors send essential
components to DE and AT by registered mail (or its local equivalent), in separate parcels.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from armswatch.demo.catalog import DemoOffer, catalog
from armswatch.demo.model import SITE_NAMES
from crawlers.normalize import to_country_codes

_METHOD_SPLIT = re.compile(r"\s*[,;/|]\s*")


def expected_routes(
    day: int = 1, category: str | None = None, offers: Iterable[DemoOffer] | None = None
) -> list[dict[str, Any]]:
    """Route rows (as `armswatch routes --format json` writes them, without vendor handles)
    for the offers online on `day` of the true `category`, or for `offers` when given (e.g.
    the offers the classifier put in the category), sorted."""
    chosen = list(offers) if offers is not None else catalog(day)
    tallies: dict[tuple[str, str, str, str], dict[str, set[str]]] = defaultdict(
        lambda: {"listings": set(), "vendors": set(), "markets": set()}
    )
    for offer in chosen:
        if category is not None and offer.truth_category != category:
            continue
        market = SITE_NAMES[offer.site]
        for origin in to_country_codes([offer.ships_from]) or ["unknown"]:
            for destination in offer.ships_to_codes or ("unknown",):
                for method in crawled_methods(offer.shipping_methods) or ["unspecified"]:
                    tally = tallies[(origin, destination, offer.truth_category, method)]
                    tally["listings"].add(f"{offer.site}:{offer.offer_id}")
                    tally["vendors"].add(f"{market}/{offer.vendor}")
                    tally["markets"].add(market)
    rows = [
        {
            "origin": origin,
            "destination": destination,
            "category": row_category,
            "method": method,
            "period": None,
            **{name: len(values) for name, values in tally.items()},
        }
        for (origin, destination, row_category, method), tally in tallies.items()
    ]
    return sorted(rows, key=route_sort_key)


def crawled_methods(methods: Iterable[str]) -> list[str]:
    """The shipping methods as the crawler stores them: split on , ; / |, lowercased, once."""
    found: list[str] = []
    for value in methods:
        for method in _METHOD_SPLIT.split(value):
            cleaned = method.strip().lower()
            if cleaned and cleaned not in found:
                found.append(cleaned)
    return found


def route_sort_key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["origin"], row["destination"], row["category"], row["method"])
