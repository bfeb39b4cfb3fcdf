"""The administration pages in Chromium: an administrator adds an account, then finds the
change in the audit trail.

The demo dashboard's accounts are shared by the session, so the test adds an account of a
name no other test uses and changes no existing one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from dashboards.accounts import AccountStore
from dashboards.roles import Role
from tests.dashboards.conftest import save_screenshot


def test_an_administrator_adds_an_account_and_reads_the_audit_trail(
    page_as: Callable[[Role], Any], browser_data: Path
) -> None:
    username = f"browser-{uuid4().hex[:8]}"
    page = page_as(Role.administrator)

    page.goto("/admin/users")
    form = page.locator("section.add-account form")
    form.locator("input[name=username]").fill(username)
    form.locator("select[name=role]").select_option("supervisor")
    form.locator("input[name=password]").fill("a long enough password")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash[role=status]")
    assert f"Added {username} (supervisor)." in page.locator(".flash").inner_text()
    row = page.locator(f'tr[data-username="{username}"]')
    assert row.count() == 1 and "supervisor" in row.inner_text()
    account = AccountStore(browser_data / "dashboard.db").get(username)
    assert account is not None and account.role == Role.supervisor
    save_screenshot(page, "admin-users")

    page.click("nav >> text=Audit")
    page.wait_for_url("**/admin/audit")
    assert page.locator("[data-chain=intact]").count() == 1
    page.fill(".audit-filters input[name=action]", "account.add")
    page.click(".audit-filters button[type=submit]")
    page.wait_for_url("**/admin/audit?**")
    added = page.locator("table.audit tbody tr", has_text=username)
    assert added.count() == 1 and "role=supervisor" in added.inner_text()
    page.goto("/admin/audit")
    save_screenshot(page, "admin-audit")
