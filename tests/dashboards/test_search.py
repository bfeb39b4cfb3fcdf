"""The search view over the demo crawl: facets, highlights, sorting, pages, malformed queries,
saved searches, exports of every match, the audit trail, and the same hits as `armswatch
search` on the embedded index and on Elasticsearch."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from parsel import Selector

from crawlers.listing import Price
from dashboards.audit import AuditLog
from dashboards.faceted_search import faceted_search
from dashboards.highlights import marked_html
from dashboards.roles import Role
from dashboards.search_export import CSV_COLUMNS
from dashboards.search_query import FACETS, with_clause
from index.backend import IndexBackend
from index.copying import copy_index
from index.selection import open_index
from tests.conftest import run_armswatch
from tests.dashboards.conftest import LoggedIn, log_in, make_app
from tests.index.conftest import build_listing
from tests.index.contract.conftest import ES_URL, delete_prefix, require_elasticsearch

PARITY_QUERIES = ("glock", "category:conversion_device", "ships_to:DE AND category:firearm")


@pytest.fixture(scope="module")
def analyst(demo_app: FastAPI) -> LoggedIn:
    return log_in(demo_app, Role.analyst)


@pytest.fixture(scope="module")
def demo_index(demo_data: Path) -> Iterator[IndexBackend]:
    opened = open_index(f"sqlite:///{demo_data / 'armswatch.db'}")
    yield opened
    opened.close()


def page(session: LoggedIn, url: str, status: int = 200) -> Selector:
    answer = session.client.get(url)
    assert answer.status_code == status, answer.text[:2000]
    return Selector(answer.text)


def hit_ids(selector: Selector) -> list[str]:
    return selector.css("li.hit::attr(data-id)").getall()


def api_ids(session: LoggedIn, query: str, **parameters: object) -> list[str]:
    answer = session.client.get("/api/search", params={"q": query, **parameters})
    assert answer.status_code == 200, answer.text
    return [hit["id"] for hit in answer.json()["hits"]]


def test_the_page_counts_every_facet_and_a_click_on_a_value_filters_by_it(
    analyst: LoggedIn, demo_index: IndexBackend
) -> None:
    selector = page(analyst, "/search?q=glock")
    headings = selector.css("section.facet h2::text").getall()
    assert headings == [label for label in FACETS.values() if label in headings]
    assert {"Market", "Category", "Make", "Model", "Calibre", "Ships to"} <= set(headings)
    link = selector.css("section.facet[data-facet='Ships to'] li a::attr(href)").get()
    assert link is not None
    query = parse_qs(urlsplit(link).query)["q"][0]
    assert query.startswith("glock AND ships_to:")
    narrowed = page(analyst, link)
    total = int(narrowed.css("strong.total::text").get() or -1)
    assert total == demo_index.count(query) < demo_index.count("glock")
    chosen = narrowed.css("section.facet[data-facet='Ships to'] .chosen::text").get()
    assert chosen and query.endswith(f'"{chosen}"')


@pytest.mark.parametrize("query", ["*", "glock", "ships_to:DE AND category:firearm"])
def test_facets_counted_in_parallel_are_those_of_one_search(
    demo_index: IndexBackend, query: str
) -> None:
    facets = tuple(FACETS)
    whole = demo_index.search(query, limit=20, offset=20, sort="price_desc", facets=facets)
    parts = faceted_search(
        lambda: nullcontext(demo_index),
        query,
        limit=20,
        offset=20,
        sort="price_desc",
        facets=facets,
    )
    assert parts == whole and list(parts.facets) == list(facets)


def test_a_facet_clause_keeps_an_or_query_whole() -> None:
    assert with_clause("", "market", "x") == 'market:"x"'
    assert with_clause("a OR b", "market", 'say "hi"') == '(a OR b) AND market:"say \\"hi\\""'
    assert with_clause('glock AND market:"x"', "market", "x") is None


def test_highlights_keep_mark_and_escape_everything_else(tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script> Glock <img src=x onerror="alert(2)"> &amp; co'
    index = open_index(f"sqlite:///{tmp_path / 'armswatch.db'}")
    try:
        index.upsert([build_listing("h1", title=hostile, description=f"{hostile} glock")])
    finally:
        index.close()
    session = log_in(make_app(tmp_path), Role.analyst)
    html = session.client.get("/search", params={"q": "glock"}).text
    hit = Selector(html).css("li.hit").get() or ""
    assert "<mark>Glock</mark>" in hit and "<mark>glock</mark>" in hit
    assert "<script>" not in hit and "<img" not in hit
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit and "&amp;amp; co" in hit
    assert marked_html('<mark onclick="x">a</mark><b>b</b>') == (
        "&lt;mark onclick=&#34;x&#34;&gt;a&lt;/mark&gt;&lt;b&gt;b&lt;/b&gt;"
    )


@pytest.mark.parametrize("sort", ["price_asc", "price_desc"])
def test_sorting_by_price_orders_the_hits_by_their_usd_amount(analyst: LoggedIn, sort: str) -> None:
    answer = analyst.client.get("/api/search", params={"q": "pistol", "sort": sort, "limit": 50})
    amounts = [hit["price"]["amount_usd"] for hit in answer.json()["hits"] if hit["price"]]
    assert len(amounts) > 10
    assert amounts == sorted(amounts, reverse=sort == "price_desc")
    assert amounts[0] != amounts[-1]
    shown = hit_ids(page(analyst, f"/search?q=pistol&sort={sort}&limit=50"))
    assert shown == api_ids(analyst, "pistol", sort=sort, limit=50)


def test_pages_follow_each_other_without_gaps_or_repeats(analyst: LoggedIn) -> None:
    first = page(analyst, "/search?q=ships_to:DE&sort=newest")
    following = first.css("nav.pager a.next::attr(href)").get()
    assert following is not None and "offset=20" in following
    second = page(analyst, following)
    assert second.css("nav.pager a.previous::attr(href)").get() is not None
    shown = hit_ids(first) + hit_ids(second)
    assert shown == api_ids(analyst, "ships_to:DE", sort="newest", limit=40)
    assert len(set(shown)) == 40


def test_a_malformed_query_shows_where_it_went_wrong_with_status_400(analyst: LoggedIn) -> None:
    selector = page(analyst, "/search?q=glock%20AND%20(ships_to:DE", status=400)
    assert "invalid query" in (selector.css(".query-error pre::text").get() or "")
    assert selector.css("input#q::attr(value)").get() == "glock AND (ships_to:DE"
    unknown = analyst.client.get("/api/search", params={"q": "shipsto:DE"})
    assert unknown.status_code == 400 and "ships_to" in unknown.json()["detail"]
    export = analyst.client.get("/search/export.csv", params={"q": "a AND"})
    assert export.status_code == 400
    uncountable = analyst.client.get("/api/search", params={"q": "glock", "facet": "title"})
    assert uncountable.status_code == 400 and "facets need" in uncountable.json()["detail"]


def test_saved_searches_belong_to_their_account(demo_app: FastAPI, analyst: LoggedIn) -> None:
    name = f"conversion kits {uuid.uuid4().hex[:6]}"
    form = {"name": name, "q": "category:conversion_device", "sort": "newest"}
    saved = analyst.client.post(
        "/search/saved", data={**form, "csrf_token": analyst.csrf}, follow_redirects=False
    )
    assert saved.status_code == 303
    listed = page(analyst, "/search").css("li.saved-search")
    mine = [item for item in listed if item.css("a::text").get() == name]
    assert len(mine) == 1
    assert "category%3Aconversion_device" in (mine[0].css("a::attr(href)").get() or "")
    delete = mine[0].css("form::attr(action)").get() or ""
    other = log_in(demo_app, Role.supervisor)
    assert name not in other.client.get("/search").text
    refused = other.client.post(delete, data={"csrf_token": other.csrf})
    assert refused.status_code == 404
    bad = analyst.client.post(
        "/search/saved", data={**form, "q": "a AND", "csrf_token": analyst.csrf}
    )
    assert bad.status_code == 400
    gone = analyst.client.post(delete, data={"csrf_token": analyst.csrf}, follow_redirects=False)
    assert gone.status_code == 303
    assert name not in analyst.client.get("/search").text


@pytest.mark.parametrize("query", ["category:firearm", "ships_to:DE AND price.amount_usd:<500"])
def test_exports_hold_every_listing_the_query_matches(
    analyst: LoggedIn, demo_index: IndexBackend, query: str
) -> None:
    expected = {listing.id for listing in demo_index.scan_listings(query)}
    assert len(expected) == demo_index.count(query) > 20  # more than one page of hits
    as_csv = analyst.client.get("/search/export.csv", params={"q": query})
    assert as_csv.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["id"] for row in rows if row["id"] in expected] == [row["id"] for row in rows]
    assert {row["id"] for row in rows} == expected and len(rows) == len(expected)
    as_json = analyst.client.get("/search/export.json", params={"q": query})
    assert as_json.headers["content-disposition"].endswith('.json"')
    documents = json.loads(as_json.text)
    assert {document["id"] for document in documents} == expected
    assert len(documents) == len(expected)
    one = demo_index.get(documents[0]["id"])
    assert one is not None and documents[0] == one.model_dump(mode="json")


def test_an_exported_cell_never_runs_as_a_spreadsheet_formula(tmp_path: Path) -> None:
    index = open_index(f"sqlite:///{tmp_path / 'armswatch.db'}")
    try:
        index.upsert([build_listing("f1", title='=HYPERLINK("http://x")', price=Price(amount=5))])
    finally:
        index.close()
    session = log_in(make_app(tmp_path), Role.analyst)
    rows = list(csv.DictReader(io.StringIO(session.client.get("/search/export.csv").text)))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")' and rows[0]["price_amount"] == "5.0"


def test_searches_and_exports_are_audited(analyst: LoggedIn, demo_data: Path) -> None:
    query = f"glock OR {uuid.uuid4().hex[:8]}"
    total = analyst.client.get("/api/search", params={"q": query}).json()["total"]
    analyst.client.get("/search", params={"q": query, "sort": "oldest"})
    analyst.client.get("/search/export.json", params={"q": query})
    entries = AuditLog(demo_data / "audit.db").entries(username=analyst.username, limit=50)
    ours = [entry for entry in entries if entry.target == query]
    searches = [entry for entry in ours if entry.action == "search"]
    assert [entry.detail["total"] for entry in searches] == [total, total]
    exports = [entry for entry in ours if entry.action == "export"]
    assert [(entry.detail["count"], entry.detail["format"]) for entry in exports] == [
        (total, "json")
    ]


@pytest.mark.parametrize("query", [*PARITY_QUERIES, '"lower receiver" OR stem:Pistolen'])
def test_the_dashboard_finds_what_armswatch_search_finds(
    analyst: LoggedIn, demo_data: Path, query: str
) -> None:
    done = run_armswatch("search", query, "--json", "--limit", "50", data_dir=demo_data)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    answer = analyst.client.get("/api/search", params={"q": query, "limit": 50}).json()
    assert answer["total"] == printed["total"] > 0
    assert [hit["id"] for hit in answer["hits"]] == [hit["id"] for hit in printed["hits"]]
    assert answer["hits"] == printed["hits"]


@pytest.fixture(scope="module")
def es_app(demo_index: IndexBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The dashboard over an Elasticsearch copy of the demo crawl (on the node of the tests)."""
    require_elasticsearch()
    prefix = f"aw-search-{uuid.uuid4().hex[:8]}"
    url = f"{ES_URL}?prefix={prefix}"
    target = open_index(url)
    try:
        copied = copy_index(demo_index, target)
        assert copied.listings == demo_index.count()
    finally:
        target.close()
    try:
        yield make_app(tmp_path_factory.mktemp("search-es"), index_url=url)
    finally:
        delete_prefix(prefix)


@pytest.mark.parametrize("sort", ["relevance", "newest", "price_asc"])
def test_the_dashboard_finds_the_same_listings_on_elasticsearch(
    analyst: LoggedIn, es_app: FastAPI, sort: str
) -> None:
    """The same listings in the same order; by relevance the same set (the backends score
    alike but not to the last digit, so ties may fall either way)."""
    on_elasticsearch = log_in(es_app, Role.analyst)
    limit = 500 if sort == "relevance" else 50
    for query in (*PARITY_QUERIES, "9mm AND price.amount_usd:<500"):
        parameters = {"q": query, "limit": limit, "sort": sort}
        embedded = analyst.client.get("/api/search", params=parameters).json()
        searched = on_elasticsearch.client.get("/api/search", params=parameters)
        assert searched.status_code == 200, searched.text
        assert searched.json()["total"] == embedded["total"] > 0, query
        ids = [hit["id"] for hit in searched.json()["hits"]]
        expected = [hit["id"] for hit in embedded["hits"]]
        if sort == "relevance":
            assert embedded["total"] < limit and sorted(ids) == sorted(expected), query
        else:
            assert ids == expected, query
    selector = Selector(on_elasticsearch.client.get("/search", params={"q": "glock"}).text)
    assert len(hit_ids(selector)) == 20 and selector.css("section.facet")
