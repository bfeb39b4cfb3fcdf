"""The trends page and `/api/trends`: the figures equal what the index histogram and the route
report give (on the demo crawl and on listings built here), the filters, the cache, the audit."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from crawlers.listing import Annotations, Entity, Listing, Price
from dashboards.audit import AuditLog
from dashboards.roles import Role
from dashboards.views.trends import CHARTED_CATEGORIES, TrendsCache
from index.backend import IndexBackend
from index.selection import open_index
from intel.routes import routes_from_index
from intel.windows import Window
from tests.dashboards.conftest import LoggedIn, log_in, make_app

NOW = datetime.now(UTC)
_DATA = re.compile(r'<script type="application/json" id="trends-data">(.*?)</script>', re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.S)
_CELL = re.compile(r'data-origin="([^"]+)" data-destination="([^"]+)">(\d*)</td>')


@pytest.fixture(scope="module")
def demo_analyst(demo_app: FastAPI) -> LoggedIn:
    return log_in(demo_app, Role.analyst)


@pytest.fixture(scope="module")
def demo_index(demo_data: Path) -> Iterator[IndexBackend]:
    backend = open_index(f"sqlite:///{demo_data / 'armswatch.db'}")
    yield backend
    backend.close()


def _trends(session: LoggedIn, **filters: str) -> dict[str, Any]:
    answer = session.client.get("/api/trends", params=filters)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def _matrix(data: dict[str, Any]) -> dict[tuple[str, str], int]:
    routes = data["routes"]
    return {
        (origin, destination): cell["listings"]
        for origin, row in zip(routes["origins"], routes["matrix"], strict=True)
        for destination, cell in zip(routes["destinations"], row, strict=True)
        if cell["listings"]
    }


def _report_cells(backend: IndexBackend, **options: Any) -> dict[tuple[str, str], int]:
    report = routes_from_index(backend, window=Window.since(None), methods="none", **options)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for row in report.rows:
        cells[(row.origin, row.destination)] += row.listings
    return dict(cells)


# -- on the demo crawl -------------------------------------------------------------------------


@pytest.mark.parametrize("interval", ["week", "month", "day"])
def test_listings_per_category_equal_the_index_histogram(
    demo_analyst: LoggedIn, demo_index: IndexBackend, interval: str
) -> None:
    histogram = _trends(demo_analyst, since="all", interval=interval)["histogram"]
    drawn = {
        series["category"]: {
            label: count
            for label, count in zip(histogram["labels"], series["counts"], strict=True)
            if count
        }
        for series in histogram["series"]
    }
    expected = {}
    for category in CHARTED_CATEGORIES:
        buckets = demo_index.histogram(f"category:{category}", "first_seen", interval)
        if buckets:
            expected[category] = {day.isoformat(): count for day, count in buckets}
    assert len(expected) > 2, "the demo crawl should hold several categories"
    assert drawn == expected


def test_the_route_matrix_equals_the_route_report(
    demo_analyst: LoggedIn, demo_index: IndexBackend
) -> None:
    data = _trends(demo_analyst, since="all")
    expected = _report_cells(demo_index)
    assert len(expected) > 3, "the demo crawl should ship along several routes"
    assert _matrix(data) == expected
    report = routes_from_index(demo_index, window=Window.since(None))
    assert data["routes"]["listings"] == report.listings
    page = demo_analyst.client.get("/trends?since=all").text
    shown = {(o, d): int(n) for o, d, n in _CELL.findall(page) if n}
    assert shown == expected
    assert all(flow["listings"] == expected[(flow["from"], flow["to"])]
               for flow in data["routes"]["flows"])  # fmt: skip


def test_a_category_filter_narrows_every_figure(
    demo_analyst: LoggedIn, demo_index: IndexBackend
) -> None:
    data = _trends(demo_analyst, since="all", category="firearm")
    assert [series["category"] for series in data["histogram"]["series"]] == ["firearm"]
    assert _matrix(data) == _report_cells(demo_index, category="firearm")
    assert {row["category"] for row in data["prices"]["models"]} <= {"firearm"}


def test_prices_per_model_agree_with_the_index(
    demo_analyst: LoggedIn, demo_index: IndexBackend
) -> None:
    prices = _trends(demo_analyst, since="all")["prices"]
    assert prices["models"], "the demo crawl should price some firearm models"
    for row in prices["models"]:
        assert row["min"] <= row["median"] <= row["max"]
        query = (f'entity.model:"{row["model"]}" AND category:{row["category"]}'
                 " AND price.amount_usd:*")  # fmt: skip
        listed = list(demo_index.scan_listings(query))
        amounts = sorted(
            listing.price.amount_usd
            for listing in listed
            if listing.price and listing.price.amount_usd is not None
        )
        assert row["listings"] == len(listed)
        assert (row["min"], row["max"]) == (round(amounts[0], 2), round(amounts[-1], 2))


def test_the_page_embeds_the_api_data_and_no_inline_script(demo_analyst: LoggedIn) -> None:
    page = demo_analyst.client.get("/trends?since=all&interval=month")
    assert page.status_code == 200
    embedded = _DATA.search(page.text)
    assert embedded, "the page has no trends-data JSON"
    api = _trends(demo_analyst, since="all", interval="month")
    assert json.loads(embedded[1]) == api
    for attributes in _SCRIPT.findall(page.text):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert '<canvas id="chart-categories"' in page.text and 'id="chart-flows"' in page.text
    assert "/static/vendor/chart.umd.min.js" in page.text


def test_the_vendored_charting_library_is_served(demo_analyst: LoggedIn) -> None:
    for name in ("chart.umd.min.js", "chartjs-chart-sankey.min.js"):
        answer = demo_analyst.client.get(f"/static/vendor/{name}")
        assert answer.status_code == 200 and "Released under the MIT" in answer.text[:400]
    assert demo_analyst.client.get("/static/trends.js").status_code == 200


# -- on listings built here --------------------------------------------------------------------


def _listing(
    number: int,
    *,
    days: float = 1,
    category: str = "firearm",
    usd: float | None = None,
    model: str | None = None,
    ships_from: str = "RS",
    ships_to: str = "DE",
) -> Listing:
    seen = NOW - timedelta(days=days)
    entities = []
    if model:
        entities.append(
            Entity(
                label="MODEL", text=model, start=0, end=len(model), field="title", normalized=model
            )
        )
    return Listing(
        id=f"l{number}",
        source="src",
        market="m",
        url=f"http://example.test/{number}",
        title=f"{model or 'thing'} offer {number}",
        price=Price(amount=usd, amount_usd=usd) if usd is not None else None,
        ships_from=[ships_from],
        ships_to=[ships_to],
        first_seen=seen,
        last_seen=seen,
        captured_at=seen,
        annotations=Annotations(
            firearm_related=True,
            category=category,
            entities=entities,
        ),
    )


@pytest.fixture
def built(tmp_path: Path) -> tuple[LoggedIn, IndexBackend]:
    app = make_app(tmp_path)
    backend = open_index(f"sqlite:///{tmp_path / 'armswatch.db'}")
    backend.upsert([
        _listing(1, usd=100, model="Glock 17"),
        _listing(2, usd=200, model="Glock 17", ships_to="AT"),
        _listing(3, usd=600, model="Glock 17"),
        _listing(4, usd=50, model="Glock 17", category="essential_component"),
        _listing(5, usd=900, model="AK-47", days=400, ships_from="UA"),
        _listing(6, category="ammunition", ships_from="BG"),
    ])  # fmt: skip
    return log_in(app, Role.analyst), backend


def test_prices_group_by_model_and_category(built: tuple[LoggedIn, IndexBackend]) -> None:
    session, _ = built
    models = _trends(session, since="all")["prices"]["models"]
    by_key = {(row["model"], row["category"]): row for row in models}
    glock = by_key[("Glock 17", "firearm")]
    assert (glock["listings"], glock["median"], glock["min"], glock["max"]) == (3, 200, 100, 600)
    assert by_key[("Glock 17", "essential_component")]["listings"] == 1
    assert ("AK-47", "firearm") in by_key
    assert models[0]["model"] == "Glock 17"  # the most listed first


def test_since_leaves_out_listings_from_before_the_window(
    built: tuple[LoggedIn, IndexBackend],
) -> None:
    session, backend = built
    recent, ever = _trends(session, since="1y"), _trends(session, since="all")
    assert "UA" not in recent["routes"]["origins"] and "UA" in ever["routes"]["origins"]
    assert ("AK-47", "firearm") not in {
        (r["model"], r["category"]) for r in recent["prices"]["models"]
    }
    firearms = {s["category"]: sum(s["counts"]) for s in recent["histogram"]["series"]}
    assert firearms["firearm"] == 3 and backend.count("category:firearm") == 4
    assert recent["window"]["start"] is not None and ever["window"]["start"] is None


def test_a_changed_index_is_not_answered_from_the_cache(
    built: tuple[LoggedIn, IndexBackend],
) -> None:
    session, backend = built
    before = _trends(session, since="all")
    assert _trends(session, since="all") == before
    backend.upsert([_listing(7, usd=300, model="Glock 17", ships_from="HR")])
    after = _trends(session, since="all")
    assert "HR" in after["routes"]["origins"] and "HR" not in before["routes"]["origins"]
    assert after["routes"]["listings"] == before["routes"]["listings"] + 1


def test_bad_filters_are_refused_with_the_reason(built: tuple[LoggedIn, IndexBackend]) -> None:
    session, _ = built
    for filters, reason in (
        ({"category": "rockets"}, "unknown category"),
        ({"interval": "hour"}, "unknown interval"),
        ({"since": "soon"}, "not a duration"),
    ):
        answer = session.client.get("/api/trends", params=filters)
        assert answer.status_code == 400 and reason in answer.json()["detail"]
        assert session.client.get("/trends", params=filters).status_code == 400


def test_viewing_trends_is_audited(built: tuple[LoggedIn, IndexBackend], tmp_path: Path) -> None:
    session, _ = built
    session.client.get("/trends?category=ammunition&since=30d&interval=month")
    session.client.get("/api/trends")
    entries = AuditLog(tmp_path / "audit.db").entries(action="trends.view")
    assert [(e.target, e.detail) for e in entries] == [
        ("/api/trends", {"category": "all", "since": "90d", "interval": "week"}),
        ("/trends", {"category": "ammunition", "since": "30d", "interval": "month"}),
    ]


def test_trends_need_a_session(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    anonymous = TestClient(make_app(tmp_path), base_url="http://127.0.0.1")
    assert anonymous.get("/api/trends").status_code == 401
    assert anonymous.get("/trends", follow_redirects=False).status_code == 303


def test_the_cache_keeps_few_entries_and_lets_them_expire() -> None:
    calls: list[str] = []

    def compute(key: str) -> str:
        calls.append(key)
        return key.upper()

    cache = TrendsCache(ttl=60, size=2)
    for key in ("a", "a", "b", "c", "a"):
        assert cache.get_or_compute(key, lambda key=key: compute(key)) == key.upper()  # type: ignore[misc]
    assert calls == ["a", "b", "c", "a"]  # "a" was the oldest when "c" came
    expired = TrendsCache(ttl=0)
    expired.get_or_compute("a", lambda: compute("a"))
    expired.get_or_compute("a", lambda: compute("a"))
    assert calls[-2:] == ["a", "a"]
