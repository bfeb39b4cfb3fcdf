"""In Chromium: from a search to a listing, its evidence and the actor behind its vendor (a
screenshot of each page is kept for review)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from armswatch.demo.vendors import planted_links
from dashboards.roles import Role
from tests.dashboards.conftest import save_screenshot


def test_a_search_hit_opens_its_listing_evidence_and_actor(
    page_as: Callable[[Role], Any],
) -> None:
    page = page_as(Role.analyst)
    page.goto("/search?q=glock")
    page.locator("a[href^='/listings/']").first.click()
    page.wait_for_url("**/listings/**")
    listing_id = page.url.rsplit("/", 1)[-1]
    marks = page.locator("h1.listing-title mark.entity, p.description mark.entity")
    assert marks.count() > 0
    assert marks.first.get_attribute("title")
    assert page.locator(".evidence-card .evidence-state").inner_text() == "verified"
    save_screenshot(page, "listing")

    page.click("a.evidence-link")
    page.wait_for_url(f"**/evidence/{listing_id}")
    assert page.locator(".evidence-state").inner_text() == "verified"
    assert page.locator("a.page-link").get_attribute("href") == f"/evidence/{listing_id}/page"
    save_screenshot(page, "evidence")

    captured = page.context.request.get(f"/evidence/{listing_id}/page")
    assert "sandbox" in captured.headers["content-security-policy"]

    handle = next(link for link in planted_links() if link.strong).first[1]
    page.goto("/actors")
    page.locator("table.actors tr", has_text=handle).locator("a.actor-link").click()
    page.wait_for_url("**/actors/A*")
    page.wait_for_selector("canvas[data-drawn='true']")  # the activity chart was drawn
    markets = page.locator("table.actor-listings tbody tr").evaluate_all(
        "rows => [...new Set(rows.map(row => row.dataset.market))]"
    )
    assert len(markets) >= 2
    save_screenshot(page, "actor")
