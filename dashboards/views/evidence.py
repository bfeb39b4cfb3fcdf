"""The evidence view: what a crawl captured for a listing, and whether it is still intact.

- `GET /evidence/{listing_id}`: the capture's metadata (WARC file, record id and type, SHA-256s,
  capture time, fetched URL, HTTP status and headers, the warcinfo of its file) and its state
  (`dashboards.evidence_status`), the screenshot, links to the page and the raw record;
- `GET /evidence/{listing_id}/page`: the captured page itself. Market pages are hostile, so it
  is served sandboxed (`CAPTURED_PAGE_HEADERS`: no scripts, no forms, no requests but inline
  images and styles, no MIME sniffing), and only HTML or plain text is shown; anything else is
  a download;
- `GET /evidence/{listing_id}/record.warc.gz`: the raw WARC record (its gzip member as stored,
  a WARC file of one record that any WARC tool opens);
- `GET /evidence/{listing_id}/screenshot.png`: the listing's screenshot from the store.

The page and each download are audited (`evidence.view`, with what was viewed).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import FileResponse, Response

from crawlers.listing import Listing
from dashboards import context
from dashboards.captures import capture_entry, raw_record, read_capture, screenshot_file
from dashboards.evidence_status import listing_status
from dashboards.roles import Role
from dashboards.security import CurrentUser, require
from dashboards.templating import render

router = APIRouter()
Analyst = Annotated[CurrentUser, Depends(require(Role.analyst))]
CAPTURED_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
SHOWN_TYPES = frozenset({"text/html", "text/plain"})
CHARSET = re.compile(r"[A-Za-z0-9._-]{1,40}")


@router.get("/evidence/{listing_id}")
def evidence_page(request: Request, listing_id: str, user: Analyst) -> Response:
    config = context.config(request)
    listing = _listing(request, listing_id)
    entry = capture_entry(config.evidence_dir, listing)
    capture = read_capture(config.evidence_dir, entry) if entry else None
    status = listing_status(config.evidence_dir, listing, entry)
    context.audit(request, "evidence.view", listing_id, part="metadata")
    return render(
        request,
        "evidence.html",
        listing=listing,
        capture=capture,
        status=status,
        has_screenshot=screenshot_file(config.screenshots_dir, listing) is not None,
    )


@router.get("/evidence/{listing_id}/page")
def captured_page(request: Request, listing_id: str, user: Analyst) -> Response:
    config = context.config(request)
    entry = _entry(request, listing_id)
    capture = read_capture(config.evidence_dir, entry)
    if capture.error is not None:
        raise HTTPException(409, f"the captured record cannot be read: {capture.error}")
    context.audit(request, "evidence.view", listing_id, part="page")
    kind = capture.media_type
    if kind in SHOWN_TYPES:
        charset = _charset(capture.holder.content_type if capture.holder else "")
        media_type = f"{kind}; charset={charset}"
        return Response(capture.payload, media_type=media_type, headers=CAPTURED_PAGE_HEADERS)
    attachment = {"Content-Disposition": f'attachment; filename="{listing_id}-payload.bin"'}
    return Response(
        capture.payload,
        media_type="application/octet-stream",
        headers={**CAPTURED_PAGE_HEADERS, **attachment},
    )


@router.get("/evidence/{listing_id}/record.warc.gz")
def warc_record(request: Request, listing_id: str, user: Analyst) -> Response:
    config = context.config(request)
    entry = _entry(request, listing_id)
    try:
        data = raw_record(config.evidence_dir, entry)
    except OSError as error:
        raise HTTPException(404, f"the WARC file of this capture is gone: {error}") from None
    context.audit(request, "evidence.view", listing_id, part="record")
    name = f"{listing_id}-record.warc.gz"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type="application/warc", headers=headers)


@router.get("/evidence/{listing_id}/screenshot.png")
def screenshot(request: Request, listing_id: str, user: Analyst) -> Response:
    path = screenshot_file(context.config(request).screenshots_dir, _listing(request, listing_id))
    if path is None:
        raise HTTPException(404, f"no screenshot of listing {listing_id!r} in the store")
    return FileResponse(path, media_type="image/png", headers={"X-Content-Type-Options": "nosniff"})


def _listing(request: Request, listing_id: str) -> Listing:
    with context.index(request) as index:
        listing = index.get(listing_id)
    if listing is None:
        raise HTTPException(404, f"no listing {listing_id!r} in the index")
    return listing


def _entry(request: Request, listing_id: str) -> dict[str, Any]:
    entry = capture_entry(context.config(request).evidence_dir, _listing(request, listing_id))
    if entry is None:
        raise HTTPException(404, f"no captured record of listing {listing_id!r} in the ledger")
    return entry


def _charset(content_type: str) -> str:
    """The charset the capture was served with (utf-8 when none or an odd one is named)."""
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        value = value.strip().strip('"')
        if name.strip().lower() == "charset" and CHARSET.fullmatch(value):
            return value
    return "utf-8"
