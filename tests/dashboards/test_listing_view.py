"""The listing page: every field, entities marked (and escaped), versions with what changed,
the evidence state, the alerts it raised and the actor behind its vendor; plus the marking of
entities on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi import FastAPI
from parsel import Selector

from crawlers.listing import Annotations, Entity, Listing, Price, Vendor
from dashboards.audit import AuditLog
from dashboards.entity_marks import runs
from dashboards.roles import Role
from index.backend import IndexBackend
from index.selection import open_index
from rules.store import AlertStore
from tests.dashboards.conftest import LoggedIn, copy_demo_data, log_in, make_app

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def analyst(demo_app: FastAPI) -> LoggedIn:
    return log_in(demo_app, Role.analyst)


def _index(data_dir: Path) -> IndexBackend:
    return open_index(f"sqlite:///{data_dir / 'armswatch.db'}")


def _first(data_dir: Path, query: str) -> Listing:
    index = _index(data_dir)
    try:
        hits = index.search(query, limit=1, highlight=False).hits
    finally:
        index.close()
    assert hits, f"the demo has no listing for {query!r}"
    return hits[0].listing


def _marked_in_title(data_dir: Path) -> Listing:
    """A glock listing whose title entities do not overlap and whose reasons quote one."""
    index = _index(data_dir)
    try:
        hits = index.search("glock AND firearm_related:true", limit=50, highlight=False).hits
    finally:
        index.close()
    for hit in hits:
        annotations = hit.listing.annotations
        assert annotations is not None
        spans = sorted((e.start, e.end) for e in annotations.entities if e.field == "title")
        apart = all(end <= start for (_, end), (start, _) in pairwise(spans))
        quoted = any(reason.startswith('title "') for reason in annotations.reasons)
        if spans and apart and quoted:
            return hit.listing
    raise AssertionError("no glock listing of the demo has its title entities apart")


def _listing(**changes: object) -> Listing:
    values: dict[str, object] = {
        "id": "L1",
        "source": "test-source",
        "market": "Test Market",
        "url": "http://market.test/1",
        "title": "Glock 19",
        "first_seen": NOW,
        "last_seen": NOW,
        "captured_at": NOW,
    }
    return Listing.model_validate({**values, **changes})


def test_the_title_and_description_mark_each_entity_with_its_label_and_reasons(
    analyst: LoggedIn, demo_data: Path
) -> None:
    listing = _marked_in_title(demo_data)
    assert listing.annotations is not None
    page = analyst.client.get(f"/listings/{listing.id}")
    assert page.status_code == 200
    html = Selector(page.text)
    title_entities = [e for e in listing.annotations.entities if e.field == "title"]
    marks = html.css("h1.listing-title mark.entity")
    assert [mark.css("::text").get() for mark in marks] == [e.text for e in title_entities]
    for mark, entity in zip(marks, title_entities, strict=True):
        assert mark.attrib["data-label"] == entity.label
        assert entity.label in mark.attrib["title"]
    assert "".join(html.css("h1.listing-title ::text").getall()).strip() == listing.title
    reasons = html.css("ul.reasons li::text").getall()
    assert reasons == listing.annotations.reasons
    quoted = [mark.attrib["title"] for mark in marks if "classifier:" in mark.attrib["title"]]
    assert quoted, "no mark names the classifier's reason that quotes it"
    assert listing.id in html.css("dl.fields code::text").getall()


def test_a_hostile_title_is_escaped_inside_and_outside_its_marks(tmp_path: Path) -> None:
    title = '<script>alert(1)</script> Glock "19" <b>'
    entity = Entity(label="MODEL", text='Glock "19"', start=26, end=36, field="title")
    assert title[entity.start : entity.end] == entity.text
    hostile = _listing(
        title=title,
        description="<img src=x onerror=alert(2)>",
        annotations=Annotations(entities=[entity], reasons=['title "<i>" (MODEL)']),
        vendor=Vendor(handle="<svg/onload=alert(3)>", profile_url="javascript:alert(4)"),
    )
    index = _index(tmp_path)
    index.upsert([hostile])
    index.close()
    page = log_in(make_app(tmp_path), Role.analyst).client.get("/listings/L1")
    assert page.status_code == 200
    for raw in ("<script>alert", "<img src=x", "<svg/onload", "<b>", "<i>"):
        assert raw not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'href="javascript:' not in page.text
    mark = Selector(page.text).css("h1.listing-title mark.entity")
    assert mark.css("::text").get() == 'Glock "19"'


def test_versions_show_each_price_and_what_changed(demo_data: Path, tmp_path: Path) -> None:
    data = copy_demo_data(demo_data, tmp_path / "data")
    listing = _first(data, "glock AND price.amount:>0")
    assert listing.price is not None
    cheaper = listing.price.model_copy(
        update={"amount": listing.price.amount / 2, "amount_usd": None, "amount_eur": None}
    )
    later = listing.last_seen + timedelta(days=3)
    index = _index(data)
    report = index.upsert(
        [listing.model_copy(update={"price": cheaper, "last_seen": later, "captured_at": later})]
    )
    index.close()
    assert report.changed == (listing.id,)
    page = log_in(make_app(data), Role.analyst).client.get(f"/listings/{listing.id}")
    rows = Selector(page.text).css("table.versions tbody tr")
    assert [row.css("td:first-child::text").get() for row in rows] == ["1", "2"]
    assert f"{listing.price.amount:g}" in rows[0].css("td:nth-child(3)::text").get("")
    assert f"{cheaper.amount:g}" in rows[1].css("td:nth-child(3)::text").get("")
    changed = rows[1].css("ul.changes li strong::text").getall()
    assert changed == ["price"]
    assert "first seen" in rows[0].get()


def test_the_alerts_the_listing_raised_link_to_their_pages(
    analyst: LoggedIn, demo_data: Path
) -> None:
    with AlertStore(demo_data / "alerts.db") as store:
        alerts = store.alerts(suppressed=None, limit=1)
    assert alerts, "the demo crawl raised no alert"
    alert = alerts[0]
    page = analyst.client.get(f"/listings/{alert.listing_id}")
    links = Selector(page.text).css("ul.alerts a::attr(href)").getall()
    assert f"/alerts/{alert.id}" in links
    quiet = _first(demo_data, f"firearm_related:false AND NOT id:{alert.listing_id}")
    other = Selector(analyst.client.get(f"/listings/{quiet.id}").text)
    assert f"/alerts/{alert.id}" not in other.css("ul.alerts a::attr(href)").getall()


def test_the_actor_behind_a_linked_vendor_is_named(analyst: LoggedIn, demo_data: Path) -> None:
    listing = _first(demo_data, "vendor:NordicSteel")
    page = Selector(analyst.client.get(f"/listings/{listing.id}").text)
    actor = page.css("a.actor-link::attr(href)").get()
    assert actor is not None and actor.startswith("/actors/A")
    assert analyst.client.get(actor).status_code == 200
    assert any("nordic_steel" in other for other in page.css(".actor-card li::text").getall())


def test_an_unknown_listing_is_a_404_page(analyst: LoggedIn) -> None:
    page = analyst.client.get("/listings/no-such-listing")
    assert page.status_code == 404
    assert "no-such-listing" in page.text and "<html" in page.text


def test_each_view_is_audited(analyst: LoggedIn, demo_data: Path) -> None:
    listing = _first(demo_data, "glock")
    analyst.client.get(f"/listings/{listing.id}")
    entries = AuditLog(demo_data / "audit.db").entries()
    assert any(
        entry.action == "listing.view"
        and entry.target == listing.id
        and entry.username == analyst.username
        for entry in entries
    )


# marking on its own


def _entity(label: str, start: int, end: int, text: str, field: str = "title") -> Entity:
    return Entity(label=label, text=text[start:end], start=start, end=end, field=field)


def test_runs_give_the_text_back_with_each_entity_marked_once() -> None:
    text = "Glock 19 9mm with 2 mags"
    found = runs(text, "title", [_entity("MODEL", 0, 8, text), _entity("CALIBRE", 9, 12, text)])
    assert "".join(run.text for run in found) == text
    assert [(run.text, run.label) for run in found if run.marked] == [
        ("Glock 19", "MODEL"),
        ("9mm", "CALIBRE"),
    ]


def test_a_nested_entity_joins_the_mark_around_it_and_a_crossing_one_is_left_out() -> None:
    text = "AK-47 7.62x39 rifle"
    outer = _entity("MODEL", 0, 13, text)
    inner = _entity("CALIBRE", 6, 13, text)
    crossing = _entity("FIREARM_TYPE", 10, 19, text)
    beyond = Entity(label="X", text="?", start=15, end=99, field="title")
    elsewhere = _entity("MODEL", 0, 5, text, field="description")
    found = runs(text, "title", [crossing, inner, outer, beyond, elsewhere])
    marked = [run for run in found if run.marked]
    assert [run.text for run in marked] == ["AK-47 7.62x39"]
    assert marked[0].entities == (outer, inner)
    assert "CALIBRE" in marked[0].title
    assert "".join(run.text for run in found) == text


def test_a_mark_names_the_reasons_that_quote_its_entity() -> None:
    text = "Glock switch"
    entity = Entity(
        label="COMPONENT", text="Glock switch", start=0, end=12, field="title",
        normalized="conversion_device/auto_sear",
    )  # fmt: skip
    reasons = ['title "Glock switch" (COMPONENT = conversion_device/auto_sear)', "other"]
    (run,) = runs(text, "title", [entity], reasons)
    assert run.reasons == (reasons[0],)
    assert run.title.splitlines() == [
        "COMPONENT = conversion_device/auto_sear",
        f"classifier: {reasons[0]}",
    ]


def test_a_text_without_entities_is_one_plain_run() -> None:
    assert [(run.text, run.marked) for run in runs("", "title", [])] == [("", False)]
    assert [(run.text, run.marked) for run in runs("plain", "title", [])] == [("plain", False)]


def test_a_listing_without_a_vendor_or_annotations_still_shows(tmp_path: Path) -> None:
    index = _index(tmp_path)
    index.upsert([_listing(price=Price(amount=10, currency="EUR"))])
    index.close()
    page = log_in(make_app(tmp_path), Role.analyst).client.get("/listings/L1")
    assert page.status_code == 200
    html = Selector(page.text)
    assert html.css(".evidence-state::text").get() == "no evidence"
    assert "The page names no vendor." in page.text
