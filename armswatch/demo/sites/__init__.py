"""The three demo sites, each rendered from the catalog of one day."""

from __future__ import annotations

from collections.abc import Sequence

from armswatch.demo.catalog import offers_by_site
from armswatch.demo.model import DemoOffer
from armswatch.demo.sites.classifieds import ClassifiedsSite
from armswatch.demo.sites.forum import ForumSite
from armswatch.demo.sites.market import MarketSite
from armswatch.demo.sites.page import Response, SiteApp
from armswatch.demo.vendors import vendors

__all__ = ["ClassifiedsSite", "ForumSite", "MarketSite", "Response", "SiteApp", "build_site"]


def build_site(site: str, day: int, offers: Sequence[DemoOffer] | None = None) -> SiteApp:
    """The app serving `site` ('market', 'forum' or 'classifieds') as it is on `day`, or
    serving `offers` instead of that day's catalog when they are given."""
    offers = offers_by_site(day)[site] if offers is None else offers
    if site == "market":
        return MarketSite(offers, vendors("market"))
    if site == "forum":
        return ForumSite(offers, vendors("forum"))
    if site == "classifieds":
        return ClassifiedsSite(offers)
    raise KeyError(f"no demo site called {site!r}")
