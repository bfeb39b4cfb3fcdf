"""The search page in Chromium: an analyst types a query, reads highlighted hits, narrows them
by a facet, sorts, turns a page, saves the search and exports every match as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

from dashboards.roles import Role
from index.selection import open_index
from tests.dashboards.conftest import save_screenshot


def _query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_an_analyst_searches_narrows_sorts_pages_saves_and_exports(
    page_as: Callable[[Role], Any], browser_data: Path
) -> None:
    page = page_as(Role.analyst)
    page.fill("input#q", "glock")
    page.press("input#q", "Enter")
    page.wait_for_url("**/search?q=glock**")
    assert page.locator("li.hit").count() == 20
    assert page.locator("li.hit h3 mark").first.inner_text().lower() == "glock"

    page.locator("section.facet[data-facet='Ships to'] li a").first.click()
    page.wait_for_url("**ships_to**")
    query = _query_of(page.url)["q"][0]
    assert query.startswith("glock AND ships_to:")
    page.click("nav.sorts >> text=Price ↑")
    page.wait_for_url("**sort=price_asc**")
    index = open_index(f"sqlite:///{browser_data / 'armswatch.db'}")
    try:
        total = index.count(query)
        cheapest = index.search(query, limit=1, sort="price_asc").hits[0].listing.id
    finally:
        index.close()
    assert page.locator("strong.total").inner_text() == str(total) and total > 20
    assert page.locator("li.hit").first.get_attribute("data-id") == cheapest
    page.click("nav.pager a.next")
    page.wait_for_url("**offset=20**")
    assert page.locator("li.hit").count() == min(20, total - 20)

    name = f"cheap glocks {uuid4().hex[:6]}"
    page.fill("form.save-search input[name=name]", name)
    page.click("form.save-search button[type=submit]")
    page.wait_for_url("**sort=price_asc**")
    saved = page.locator("li.saved-search a", has_text=name)
    assert saved.count() == 1
    save_screenshot(page, "search")

    with page.expect_download() as started:
        page.click("a.export-csv")
    download = started.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == total
    assert rows[0]["id"] == cheapest
