"""The search view: a Lucene query box with facets, highlighted hits, sorting and pages; saved
searches per account; exports of every match (CSV, JSON); and `/api/search`, which answers in
the shape of `armswatch search --json`.

Every search and export is audited with its query and how many listings it matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from markupsafe import Markup, escape
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from dashboards import context
from dashboards.faceted_search import faceted_search
from dashboards.highlights import marked_html
from dashboards.roles import Role
from dashboards.saved_searches import SavedSearchError, SavedSearches
from dashboards.search_export import EXPORTERS
from dashboards.search_query import FACETS, SORTS, SYNTAX, field_help, narrower
from dashboards.security import CurrentUser, require
from dashboards.templating import render
from index.backend import SORT_ORDERS, SearchHit, SearchResult, SortOrder
from index.errors import FacetFieldError, QuerySyntaxError
from index.query import build_query

router = APIRouter()
Analyst = Annotated[CurrentUser, Depends(require(Role.analyst))]
PAGE_SIZES = (20, 50, 100)
MAX_API_LIMIT = 10_000  # as `armswatch search --limit`
SNIPPET_CHARACTERS = 240
Limit = Annotated[int, Query(ge=1, le=max(PAGE_SIZES))]
Offset = Annotated[int, Query(ge=0)]
HELP = {"syntax": SYNTAX, "help_fields": field_help()}


@dataclass(frozen=True)
class HitRow:
    """One hit as the result list shows it: title and snippet as safe HTML."""

    hit: SearchHit
    title: Markup
    snippet: Markup


@router.get("/search")
def search_page(
    request: Request,
    user: Analyst,
    q: str = "",
    sort: SortOrder = "relevance",
    limit: Limit = PAGE_SIZES[0],
    offset: Offset = 0,
) -> Response:
    page: dict[str, Any] = {"q": q, "sort": sort, "limit": limit, "offset": offset, **HELP}
    page["saved"] = saved_searches(request).of(user.username)
    try:
        result = _search(request, q, limit=limit, offset=offset, sort=sort, facets=tuple(FACETS))
    except QuerySyntaxError as error:
        return render(request, "search.html", status_code=400, error=str(error), **page)
    return render(request, "search.html", **page, **_result_page(result, q, sort, limit, offset))


@router.get("/api/search")
def search_api(
    request: Request,
    _: Analyst,
    q: str = "",
    sort: SortOrder = "relevance",
    limit: Annotated[int, Query(ge=1, le=MAX_API_LIMIT)] = 20,
    offset: Offset = 0,
    facet: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The matching listings as `armswatch search --json` prints them."""
    try:
        result = _search(request, q, limit=limit, offset=offset, sort=sort, facets=facet or ())
    except (QuerySyntaxError, FacetFieldError) as error:
        raise HTTPException(400, str(error)) from None
    return JSONResponse(result_json(q, result))


@router.post("/search/saved")
def save_search(
    request: Request,
    user: Analyst,
    name: Annotated[str, Form()],
    q: Annotated[str, Form()] = "",
    sort: Annotated[str, Form()] = "relevance",
) -> Response:
    if sort not in SORT_ORDERS:
        raise HTTPException(400, f"unknown sort order {sort!r}; use one of {', '.join(SORTS)}")
    try:
        build_query(q)
        saved = saved_searches(request).save(user.username, name, q, sort)
    except (QuerySyntaxError, SavedSearchError) as error:
        raise HTTPException(400, str(error)) from None
    context.audit(request, "search.save", saved.name, query=saved.query, sort=saved.sort)
    return RedirectResponse(page_url(saved.query, saved.sort), status_code=303)


@router.post("/search/saved/{search_id}/delete")
def delete_saved_search(request: Request, user: Analyst, search_id: int) -> Response:
    store = saved_searches(request)
    saved = store.get(user.username, search_id)
    if saved is None or not store.delete(user.username, search_id):
        raise HTTPException(404, "no saved search of yours has that id")
    context.audit(request, "search.delete", saved.name, query=saved.query)
    return RedirectResponse(page_url(saved.query, saved.sort), status_code=303)


@router.get("/search/export.csv")
def export_csv(request: Request, _: Analyst, q: str = "", sort: SortOrder = "newest") -> Response:
    return _export(request, q, sort, "csv")


@router.get("/search/export.json")
def export_json(request: Request, _: Analyst, q: str = "", sort: SortOrder = "newest") -> Response:
    return _export(request, q, sort, "json")


def saved_searches(request: Request) -> SavedSearches:
    """The app's saved-search store (made on first use, in the accounts database)."""
    store: SavedSearches | None = getattr(request.app.state, "saved_searches", None)
    if store is None:
        store = SavedSearches(context.config(request).accounts_db)
        request.app.state.saved_searches = store
    return store


def page_url(q: str, sort: str = "relevance", limit: int = PAGE_SIZES[0], offset: int = 0) -> str:
    """The search page of a query, sort order and page."""
    parameters: dict[str, str | int] = {"q": q, "sort": sort}
    if limit != PAGE_SIZES[0]:
        parameters["limit"] = limit
    if offset:
        parameters["offset"] = offset
    return "/search?" + urlencode(parameters)


def result_json(query: str, result: SearchResult) -> dict[str, Any]:
    """The document `armswatch search --json` prints."""
    return {**result.document(query), "versions": "current"}


def _search(
    request: Request, q: str, *, limit: int, offset: int, sort: SortOrder, facets: Sequence[str]
) -> SearchResult:
    """One audited search (a malformed query is audited with its error, then raised)."""
    try:
        borrow = partial(context.index, request)
        result = faceted_search(borrow, q, limit=limit, offset=offset, sort=sort, facets=facets)
    except QuerySyntaxError as error:
        context.audit(request, "search", q, total=None, error=str(error))
        raise
    context.audit(request, "search", q, total=result.total, sort=sort, offset=offset)
    return result


def _result_page(
    result: SearchResult, q: str, sort: SortOrder, limit: int, offset: int
) -> dict[str, Any]:
    """What the template shows of a result: hits, facet links, sort links and pages."""
    narrowed = narrower(q)
    facets = [
        (label, [(bucket, narrowed(field, bucket.value)) for bucket in buckets])
        for field, label in FACETS.items()
        if (buckets := result.facets.get(field))
    ]
    return {
        "total": result.total,
        "rows": [_row(hit) for hit in result.hits],
        "facets": [(label, _facet_links(links, sort, limit)) for label, links in facets],
        "sorts": [(label, page_url(q, key, limit), key == sort) for key, label in SORTS.items()],
        "pages": _pages(result.total, q, sort, limit, offset),
        "page_sizes": [(size, page_url(q, sort, size), size == limit) for size in PAGE_SIZES],
        "export": urlencode({"q": q, "sort": "newest" if sort == "relevance" else sort}),
    }


def _facet_links(links: list[Any], sort: SortOrder, limit: int) -> list[Any]:
    """(bucket, link or None when the clause is in the query already) per facet value."""
    return [(bucket, page_url(new, sort, limit) if new else None) for bucket, new in links]


def _pages(total: int, q: str, sort: SortOrder, limit: int, offset: int) -> dict[str, Any]:
    last = max(0, (total - 1) // limit)
    number = offset // limit
    return {
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "number": number + 1,
        "count": last + 1,
        "previous": page_url(q, sort, limit, max(0, offset - limit)) if offset > 0 else None,
        "next": page_url(q, sort, limit, offset + limit) if offset + limit < total else None,
    }


def _row(hit: SearchHit) -> HitRow:
    listing, marked = hit.listing, hit.highlights
    title = marked_html(marked["title"][0]) if marked.get("title") else escape(listing.title)
    if marked.get("description"):
        snippet = Markup(" … ").join(marked_html(part) for part in marked["description"])
    else:
        text = listing.description
        short = text[:SNIPPET_CHARACTERS] + ("…" if len(text) > SNIPPET_CHARACTERS else "")
        snippet = escape(short)
    return HitRow(hit, title, snippet)


def _export(request: Request, q: str, sort: SortOrder, kind: str) -> Response:
    """Every listing matching `q`, streamed; audited before the first byte, with the count."""
    chunks, media_type = EXPORTERS[kind]
    try:
        with context.index(request) as index:
            count = index.count(q)
    except QuerySyntaxError as error:
        raise HTTPException(400, str(error)) from None
    context.audit(request, "export", q, count=count, format=kind, sort=sort)

    def listings() -> Any:
        with context.index(request) as index:
            yield from index.scan_listings(q, sort=sort)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    disposition = f'attachment; filename="armswatch-search-{stamp}.{kind}"'
    return StreamingResponse(
        chunks(listings()), media_type=media_type, headers={"Content-Disposition": disposition}
    )
