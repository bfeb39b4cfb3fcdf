"""Which listings are firearm leads, and how an export finds them in the index.

A firearm lead is a current listing whose `annotations.category` is `firearm`: one lead per
listing, so an export of a query holds exactly as many records as
`armswatch search "(QUERY) AND category:firearm"` counts. With `include_components` the leads
also take in what the UN Firearms Protocol and the EU Firearms Directive trace like firearms:
essential components (`essential_component`), conversion devices that make a gun automatic
(`conversion_device`) and 3D-printed guns and frames (`3d_printed`). Accessories, ammunition,
manuals and everything else are never leads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from crawlers.listing import Category, Listing
from index.backend import IndexBackend

FIREARM_CATEGORIES: tuple[Category, ...] = ("firearm",)
COMPONENT_CATEGORIES: tuple[Category, ...] = (
    "essential_component",
    "conversion_device",
    "3d_printed",
)


def lead_categories(include_components: bool = False) -> tuple[Category, ...]:
    return FIREARM_CATEGORIES + (COMPONENT_CATEGORIES if include_components else ())


def lead_query(query: str, include_components: bool = False) -> str:
    """The Lucene query of the leads among the listings `query` finds."""
    categories = " OR ".join(lead_categories(include_components))
    return f"({query.strip() or '*'}) AND category:({categories})"


@dataclass(frozen=True)
class LeadSelection:
    """The leads of a query: how many, and the listings (streamed, oldest first)."""

    query: str
    count: int
    listings: Iterator[Listing]


def select_leads(
    index: IndexBackend, query: str = "*", *, include_components: bool = False
) -> LeadSelection:
    """The leads among the current listings `query` finds.

    Raises the index's QuerySyntaxError for a malformed query, pointing into `query` itself
    (it is checked alone before it is combined with the category condition).
    """
    index.count(query.strip() or "*")
    combined = lead_query(query, include_components)
    categories = set(lead_categories(include_components))
    listings = (
        listing
        for listing in index.scan_listings(combined, sort="oldest")
        if listing.annotations and listing.annotations.category in categories
    )
    return LeadSelection(query=query, count=index.count(combined), listings=listings)
