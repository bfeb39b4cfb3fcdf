"""The actor and vendor views: vendors linked into actors across markets (`intel.resolution`,
resolved and kept by `services.actors`).

- `GET /actors`: every actor (two vendors or more) with its markets, evidence and listings,
  then the suggested links at or above a confidence (`?min_confidence=`, `?firearms=1` for
  those with firearm-related listings only);
- `GET /actors/{actor_id}`: its vendors and all their listings across markets, each link with
  the identifiers that made it and where each vendor showed them (listings, profile pages,
  first and last seen), every identifier of each vendor, and the listings per month per market;
- `GET /vendors/{market}/{handle}`: a vendor in no actor the same way: its listings and its
  identifiers, with the suggestions touching it (a vendor of an actor redirects to the actor).

Each page is audited (`actor.view`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.responses import RedirectResponse, Response

from crawlers.listing import Listing
from dashboards import context
from dashboards.actor_pages import (
    actor_rows,
    find_actor,
    listings_of,
    monthly_activity,
)
from dashboards.roles import Role
from dashboards.security import CurrentUser, require
from dashboards.templating import render
from intel.actor_report import firearm_related, show_document, suggestion_document
from intel.resolution import Resolution
from intel.vendor_records import VendorKey

router = APIRouter()
Analyst = Annotated[CurrentUser, Depends(require(Role.analyst))]


@router.get("/actors")
def actor_list(
    request: Request,
    user: Analyst,
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.5,
    firearms: bool = False,
) -> Response:
    with context.index(request) as index:
        resolution = context.services(request).actors.resolution(index)
    rows = [row for row in actor_rows(resolution) if not firearms or row.firearm_listings]
    suggestions = [
        {**suggestion_document(resolution, s), "vendors": _links(resolution, s.first, s.second)}
        for s in resolution.suggestions
        if s.confidence >= min_confidence
        and (not firearms or firearm_related(resolution, (s.first, s.second)))
    ]
    context.audit(request, "actor.view", "actors", firearms=firearms)
    return render(
        request,
        "actors.html",
        rows=rows,
        suggestions=suggestions,
        vendors=len(resolution.vendors),
        min_confidence=min_confidence,
        firearms=firearms,
    )


@router.get("/actors/{actor_id}")
def actor_page(request: Request, actor_id: str, user: Analyst) -> Response:
    with context.index(request) as index:
        resolution = context.services(request).actors.resolution(index)
        actor = find_actor(resolution, actor_id)
        if actor is None:
            raise HTTPException(
                404, f"no actor {actor_id!r}: vendors are linked anew as the index changes"
            )
        listings = listings_of(index, resolution, actor.members)
    context.audit(request, "actor.view", actor_id)
    return _page(request, show_document(resolution, actor.members), listings)


@router.get("/vendors/{market}/{handle:path}")
def vendor(request: Request, market: str, handle: str, user: Analyst) -> Response:
    key = VendorKey.of(market, handle)
    with context.index(request) as index:
        resolution = context.services(request).actors.resolution(index)
        if key not in resolution.vendors:
            raise HTTPException(404, f"no vendor {handle!r} on {market!r} in the index")
        actor = resolution.actor_of(key)
        if actor is not None:
            return RedirectResponse(f"/actors/{actor.id}", status_code=303)
        listings = listings_of(index, resolution, [key])
    context.audit(request, "actor.view", str(key))
    document = show_document(resolution, (key,))
    return _page(request, {**document, "vendor": resolution.vendors[key].label}, listings)


def _page(request: Request, document: dict[str, Any], listings: list[Listing]) -> Response:
    activity = monthly_activity(listings)
    return render(
        request,
        "actor.html",
        actor=document,
        listings=listings,
        activity=activity,
        activity_chart=activity.chart() if activity.months else None,
        markets=sorted({listing.market for listing in listings}),
    )


def _links(resolution: Resolution, *keys: VendorKey) -> list[tuple[str, str, str]]:
    """(label, market, handle as shown) of each vendor, for links to their pages."""
    found = []
    for key in keys:
        record = resolution.vendors.get(key)
        label, handle = (record.label, record.handle) if record else (str(key), key.handle)
        found.append((label, key.market, handle))
    return found
