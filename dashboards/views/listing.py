"""The listing view: one listing with everything known of it.

`GET /listings/{id}`: every field of the `Listing`; its title and description with the
extracted entities marked (`dashboards.entity_marks`); its versions with price and what
changed; its screenshot and a link to the captured page (`dashboards.views.evidence`); its
evidence SHA-256 with the record re-hashed against the ledger (`dashboards.evidence_status`);
the alerts it raised; the actor behind its vendor. Each view is audited (`listing.view`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from crawlers.listing import Listing
from dashboards import context
from dashboards.captures import screenshot_file
from dashboards.entity_marks import runs
from dashboards.evidence_status import evidence_status
from dashboards.roles import Role
from dashboards.security import CurrentUser, require
from dashboards.templating import render
from dashboards.version_history import price_chart, version_rows
from index.backend import IndexBackend
from intel.resolution import Actor
from intel.vendor_records import VendorKey
from rules.alert import Alert
from rules.store import AlertStore

logger = logging.getLogger(__name__)
router = APIRouter()
Analyst = Annotated[CurrentUser, Depends(require(Role.analyst))]


@router.get("/listings/{listing_id}")
def listing_page(request: Request, listing_id: str, user: Analyst) -> Response:
    config = context.config(request)
    with context.index(request) as index:
        listing = index.get(listing_id)
        if listing is None:
            raise HTTPException(404, f"no listing {listing_id!r} in the index")
        versions = version_rows(index.history(listing_id) or [listing])
        actor = _actor(request, index, listing)
    context.audit(request, "listing.view", listing_id, version=listing.version)
    annotations = listing.annotations
    entities = annotations.entities if annotations else []
    reasons = annotations.reasons if annotations else []
    return render(
        request,
        "listing.html",
        listing=listing,
        title_runs=runs(listing.title, "title", entities, reasons),
        description_runs=runs(listing.description, "description", entities, reasons),
        versions=versions,
        price_chart=price_chart(versions),
        status=evidence_status(config.evidence_dir, listing),
        has_screenshot=screenshot_file(config.screenshots_dir, listing) is not None,
        alerts=alerts_of(config.alerts_db, listing_id),
        actor=actor,
        vendor_key=_vendor_key(listing),
    )


def alerts_of(alerts_db: Path, listing_id: str) -> list[Alert]:
    """The alerts raised for the listing (any version, suppressed ones too), newest first."""
    if not alerts_db.is_file():
        return []
    with AlertStore(alerts_db) as store:
        return store.alerts(listing_id=listing_id, suppressed=None)


def _vendor_key(listing: Listing) -> VendorKey | None:
    if listing.vendor is None or not listing.vendor.handle.strip():
        return None
    return VendorKey.of(listing.market, listing.vendor.handle)


def _actor(request: Request, index: IndexBackend, listing: Listing) -> dict[str, Any] | None:
    """The actor behind the listing's vendor: its id and its other vendors (None: none)."""
    key = _vendor_key(listing)
    if key is None:
        return None
    resolution = context.services(request).actors.resolution(index)
    actor: Actor | None = resolution.actor_of(key)
    if actor is None:
        return None
    others = [
        resolution.vendors[member].label if member in resolution.vendors else str(member)
        for member in actor.members
        if member != key
    ]
    return {"id": actor.id, "others": others, "markets": sorted({m.market for m in actor.members})}
