"""The alerts inbox in Chromium: open the inbox and an alert, acknowledge it, dismiss two at once
(picked with "select all").

The browser tests' dashboard serves a copy of the demo crawl (`browser_data`), shared by the
browser tests, so the test acts only on alerts it adds under a rule of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from dashboards.audit import AuditLog
from dashboards.roles import Role
from rules.alert import Alert
from rules.store import AlertStore
from tests.dashboards.conftest import USERS, save_screenshot
from tests.dashboards.test_alerts_view import new_alert


def _fresh_alerts(data_dir: Path, count: int) -> list[Alert]:
    """`count` new alerts, on demo listings, under a rule no other test uses."""
    rule = f"browser-check-{uuid4().hex[:8]}"
    with AlertStore(data_dir / "alerts.db") as store:
        listings = {alert.listing_id: alert.listing for alert in store.alerts(limit=50)}
        fresh = [new_alert(listing, rule) for listing in list(listings.values())[:count]]
        for alert in fresh:
            assert store.add_alert(alert)
    return fresh


def _status(data_dir: Path, alert_id: str) -> str | None:
    with AlertStore(data_dir / "alerts.db") as store:
        alert = store.get(alert_id)
    return alert.status if alert else None


def test_an_analyst_triages_alerts_in_the_inbox(
    page_as: Callable[[Role], Any], browser_data: Path
) -> None:
    opened, *others = _fresh_alerts(browser_data, 3)
    page = page_as(Role.analyst)

    page.goto("/alerts")
    row = page.locator(f'tr[data-alert="{opened.id}"]')
    assert row.locator(".badge").inner_text() == "new"
    save_screenshot(page, "alerts-inbox")

    row.locator(f'a[href="/alerts/{opened.id}"]').click()
    page.wait_for_url(f"**/alerts/{opened.id}")
    assert page.locator("[data-status]").inner_text() == "new"
    assert page.locator(f'a[href="/listings/{opened.listing_id}"]').count() == 1
    save_screenshot(page, "alert")
    page.fill("#status-note", "looked at it in the browser")
    page.click("button[name=status][value=acknowledged]")
    page.wait_for_load_state()
    assert page.locator("[data-status]").inner_text() == "acknowledged"
    assert page.get_by_text("looked at it in the browser").count() == 1
    assert _status(browser_data, opened.id) == "acknowledged"

    page.goto(f"/alerts?rule={opened.rule}")
    bulk = page.locator("[data-bulk][value=dismiss]")
    assert bulk.is_disabled()  # nothing selected yet
    page.check(f'input[name=ids][value="{others[0].id}"]')
    assert page.locator("[data-selected-count]").inner_text() == "1 selected:"
    page.check("[data-select-all]")  # picks the rest of the page
    assert page.locator("input[name=ids]:checked").count() == 2
    assert page.locator("[data-selected-count]").inner_text() == "2 selected:"
    bulk.click()
    page.wait_for_url(f"**/alerts?*rule={opened.rule}*")
    assert page.locator("tr[data-alert]").count() == 0  # gone from the new ones
    assert [_status(browser_data, alert.id) for alert in others] == ["dismissed", "dismissed"]
    dismissed = page.locator(".alert-tabs a", has_text="Dismissed").locator(".count")
    assert dismissed.inner_text() == "2"

    bulk_entries = AuditLog(browser_data / "audit.db").entries(action="alert.bulk", limit=10)
    mine = [e for e in bulk_entries if set(e.detail["alert_ids"]) == {a.id for a in others}]
    assert [e.username for e in mine] == [USERS[Role.analyst]]
