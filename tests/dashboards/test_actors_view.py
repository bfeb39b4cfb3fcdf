"""The actor and vendor views over the demo's planted cross-market actors, and the actor
directory behind them: resolved once, resolved again when the index or a decision changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from parsel import Selector

from armswatch.actors import intel_db
from armswatch.dashboard_actors import IntelActorDirectory
from armswatch.demo.vendors import planted_links
from crawlers.listing import Annotations, Entity, Listing, Vendor
from dashboards.audit import AuditLog
from dashboards.roles import Role
from index.selection import open_index
from intel.decisions import DecisionStore
from intel.vendor_records import VendorKey
from tests.dashboards.conftest import LoggedIn, app_settings, log_in

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def analyst(demo_app: FastAPI) -> LoggedIn:
    return log_in(demo_app, Role.analyst)


def _actor_of(analyst: LoggedIn, handle: str) -> str:
    """The id of the actor the /actors page lists with a vendor of `handle`."""
    page = Selector(analyst.client.get("/actors").text)
    for row in page.css("table.actors tbody tr"):
        if handle.casefold() in " ".join(row.css("td:nth-child(2) ::text").getall()).casefold():
            return row.css("a.actor-link::text").get("")
    raise AssertionError(f"no actor on /actors has a vendor {handle!r}")


def test_a_planted_actor_shows_its_listings_on_both_markets(analyst: LoggedIn) -> None:
    strong = [link for link in planted_links() if link.strong]
    assert strong, "the demo plants no actor with a shared identifier"
    for link in strong:
        actor_id = _actor_of(analyst, link.first[1])
        page = analyst.client.get(f"/actors/{actor_id}")
        assert page.status_code == 200
        html = Selector(page.text)
        rows = html.css("table.actor-listings tbody tr")
        markets = {row.attrib["data-market"] for row in rows}
        assert len(markets) >= 2, f"{link.actor_id}: listings on {markets} only"
        vendors = {row.css("td:nth-child(3)::text").get("").casefold() for row in rows}
        assert {link.first[1].casefold(), link.second[1].casefold()} <= vendors
        kinds = {
            text.strip().replace(" ", "_")
            for text in html.css(".evidence-links .badge::text").getall()
        }
        assert link.evidence_kinds <= kinds
        for href in rows.css("a::attr(href)").getall()[:3]:
            assert analyst.client.get(href).status_code == 200


def test_the_actor_list_counts_each_actors_listings(analyst: LoggedIn) -> None:
    page = Selector(analyst.client.get("/actors").text)
    rows = page.css("table.actors tbody tr")
    assert len(rows) >= sum(1 for link in planted_links() if link.strong)
    for row in rows:
        counts = [int(n) for n in row.css("td:nth-child(2) .muted::text").re(r", (\d+)\)")]
        assert int(row.css("td:nth-child(4)::text").get("0")) == sum(counts)
        assert int(row.css("td:nth-child(3)::text").get("0")) >= 2


def test_activity_counts_every_listing_once_per_month_and_market(analyst: LoggedIn) -> None:
    link = next(link for link in planted_links() if link.strong)
    html = Selector(analyst.client.get(f"/actors/{_actor_of(analyst, link.first[1])}").text)
    listed = len(html.css("table.actor-listings tbody tr"))
    cells = html.css("table.activity tbody td:not(:first-child)::text").getall()
    assert sum(int(cell) for cell in cells if cell.strip()) == listed
    markets = html.css("table.activity thead th:not(:first-child)::text").getall()
    assert len(markets) >= 2


def test_a_weakly_linked_vendor_has_its_own_page_with_the_suggestion(analyst: LoggedIn) -> None:
    weak = next(link for link in planted_links() if not link.strong)
    page = Selector(analyst.client.get("/actors?min_confidence=0").text)
    hrefs = page.css("table.suggestions a::attr(href)").getall()
    mine = [href for href in hrefs if href.casefold().endswith("/" + weak.first[1].casefold())]
    assert mine, f"no suggestion names {weak.first[1]}"
    vendor = analyst.client.get(mine[0])
    assert vendor.status_code == 200
    html = Selector(vendor.text)
    assert html.css("table.actor-listings tbody tr"), "the vendor page lists no listing"
    assert weak.second[1] in vendor.text  # the suggested link, as a possible one


def test_a_vendor_of_an_actor_redirects_to_the_actor(analyst: LoggedIn) -> None:
    link = next(link for link in planted_links() if link.strong)
    actor_id = _actor_of(analyst, link.first[1])
    listing = Selector(analyst.client.get(f"/actors/{actor_id}").text)
    first = listing.css("table.actor-listings tbody tr")[0]
    market = first.attrib["data-market"]
    handle = first.css("td:nth-child(3)::text").get("")
    answer = analyst.client.get(f"/vendors/{market}/{handle}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/actors/{actor_id}"


def test_unknown_actors_and_vendors_are_404(analyst: LoggedIn) -> None:
    assert analyst.client.get("/actors/Anothere").status_code == 404
    assert analyst.client.get("/vendors/No Market/nobody").status_code == 404


def test_actor_views_are_audited(analyst: LoggedIn, demo_data: Path) -> None:
    actor_id = _actor_of(analyst, next(link for link in planted_links() if link.strong).first[1])
    analyst.client.get(f"/actors/{actor_id}")
    entries = AuditLog(demo_data / "audit.db").entries()
    assert any(e.action == "actor.view" and e.target == actor_id for e in entries)


# the directory


def _listing(number: int, market: str, handle: str, email: str) -> Listing:
    entity = Entity(label="EMAIL", text=email, start=0, end=len(email), field="description",
                    normalized=email)  # fmt: skip
    return Listing(
        id=f"L{number}",
        source=market.casefold().replace(" ", "-"),
        market=market,
        url=f"http://{number}.test/",
        title=f"offer {number}",
        description=email,
        vendor=Vendor(handle=handle),
        annotations=Annotations(entities=[entity]),
        first_seen=NOW,
        last_seen=NOW,
        captured_at=NOW,
    )


def test_the_directory_keeps_its_resolution_until_the_index_or_a_decision_changes(
    tmp_path: Path,
) -> None:
    settings = app_settings(tmp_path)
    index = open_index(settings.index_url)
    index.upsert(
        [
            _listing(1, "Market A", "seller", "s@x.test"),
            _listing(2, "Market B", "Seller2", "s@x.test"),
        ]
    )
    directory = IntelActorDirectory(settings)
    first = directory.resolution(index)
    assert [actor.members for actor in first.actors] == [
        (VendorKey("Market A", "seller"), VendorKey("Market B", "seller2"))
    ]
    assert directory.resolution(index) is first  # kept
    index.upsert([_listing(3, "Market C", "third", "s@x.test")])
    grown = directory.resolution(index)
    assert VendorKey("Market C", "third") in grown.actors[0].members
    with DecisionStore(intel_db(settings)) as store:
        store.record(
            VendorKey("Market A", "seller"), VendorKey("Market B", "seller2"), "unlink",
            analyst="a", decided_at=NOW,
        )  # fmt: skip
    decided = directory.resolution(index)
    assert decided is not grown
    assert decided.rejected and decided.rejected[0].pair == (
        VendorKey("Market A", "seller"),
        VendorKey("Market B", "seller2"),
    )
    index.close()
