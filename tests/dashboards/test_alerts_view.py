"""The alerts inbox and an alert's page over a copy of the demo crawl's alerts: filters and
pages, triage one at a time and in bulk, notes and assignment, CSRF, and the audit trail."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from markupsafe import escape

from crawlers.listing import Listing
from dashboards.audit import AuditLog
from dashboards.roles import Role
from rules.alert import Alert, AlertReason, Change, alert_id
from rules.store import AlertStore
from tests.dashboards.conftest import USERS, LoggedIn, copy_demo_data, log_in, make_app

_ROW = re.compile(r'name="ids" value="([0-9a-f]+)"')
# what the alerts view does not read: left out of the copy, which is then quick to make
_NOT_READ = ("evidence", "photos", "frontier", "logs", "locks")


def new_alert(
    listing: Listing,
    rule: str,
    *,
    reason: AlertReason = "new",
    changes: Sequence[Change] = (),
    at: datetime | None = None,
) -> Alert:
    """An alert of `rule` on `listing` (as the rule engine makes one)."""
    return Alert(
        id=alert_id(rule, listing.id, listing.version),
        rule=rule,
        severity="critical",
        listing_id=listing.id,
        listing_version=listing.version,
        reason=reason,
        changes=list(changes),
        matched_fields=["title", "annotations.category"],
        created_at=at or datetime.now(UTC),
        listing=listing,
    )


@pytest.fixture
def data_dir(demo_data: Path, tmp_path: Path) -> Path:
    """A copy of the demo crawl's data directory (the shared one is never written)."""
    return copy_demo_data(demo_data, tmp_path / "data", *_NOT_READ)


@pytest.fixture
def app(data_dir: Path) -> FastAPI:
    return make_app(data_dir)


@pytest.fixture
def analyst(app: FastAPI) -> LoggedIn:
    return log_in(app, Role.analyst)


def _store(data_dir: Path) -> AlertStore:
    return AlertStore(data_dir / "alerts.db")


def _listed(session: LoggedIn, url: str) -> list[str]:
    page = session.client.get(url)
    assert page.status_code == 200, page.text
    return _ROW.findall(page.text)


def _audited(data_dir: Path, action: str) -> list[tuple[str, list[str]]]:
    entries = AuditLog(data_dir / "audit.db").entries(action=action)
    return [(entry.username, entry.detail["alert_ids"]) for entry in entries]


def test_the_demo_crawl_alerted(demo_data: Path) -> None:
    with _store(demo_data) as store:
        assert len(store.alerts(status="new", limit=60)) > 50, "too few alerts to page through"


def test_the_inbox_lists_the_new_alerts_newest_first_with_their_listings(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        newest = store.alerts(status="new")
    page = analyst.client.get("/alerts")
    assert _ROW.findall(page.text) == [alert.id for alert in newest[:50]]
    assert f"of {len(newest)}" in page.text
    for alert in newest[:50]:
        assert f'href="/alerts/{alert.id}"' in page.text
    assert newest[0].rule in page.text
    assert _listed(analyst, "/alerts?page=2") == [alert.id for alert in newest[50:100]]


def test_the_inbox_filters_by_status_rule_severity_and_assignee(
    analyst: LoggedIn, data_dir: Path
) -> None:
    now = datetime.now(UTC)
    with _store(data_dir) as store:
        first, second, third = store.alerts(status="new", limit=3)
        store.set_status(first.id, "escalated", "someone", now)
        store.assign(second.id, analyst.username, "someone", now)
        store.assign(third.id, USERS[Role.supervisor], "someone", now)
        by_rule = store.alerts(rule=first.rule)
        severity = first.severity
        of_severity = [a.id for a in store.alerts() if a.severity == severity]
    assert _listed(analyst, "/alerts?status=escalated") == [first.id]
    assert first.id not in _listed(analyst, "/alerts")
    everything = f"/alerts?status=all&rule={first.rule}"
    assert _listed(analyst, everything) == [a.id for a in by_rule][:50]
    severe = _listed(analyst, f"/alerts?status=all&severity={severity}")
    assert severe == of_severity[:50]
    assert _listed(analyst, "/alerts?assignee=me") == [second.id]
    assert _listed(analyst, f"/alerts?assignee={USERS[Role.supervisor]}") == [third.id]
    unassigned = _listed(analyst, "/alerts?status=all&assignee=none")
    assert second.id not in unassigned and third.id not in unassigned and first.id in unassigned
    assert analyst.client.get("/alerts?status=closed").status_code == 400
    assert analyst.client.get("/alerts?severity=urgent").status_code == 400


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("acknowledged", "alert.ack"),
        ("escalated", "alert.escalate"),
        ("dismissed", "alert.dismiss"),
    ],
)
def test_a_status_change_is_stored_noted_and_audited(
    analyst: LoggedIn, data_dir: Path, status: str, action: str
) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    done = analyst.client.post(
        f"/alerts/{alert.id}/status",
        data={"status": status, "note": "checked the vendor", "csrf_token": analyst.csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/alerts/{alert.id}"
    with _store(data_dir) as store:
        changed = store.get(alert.id)
    assert changed is not None and changed.status == status
    assert changed.notes[-1].author == analyst.username
    assert "checked the vendor" in changed.notes[-1].text
    assert _audited(data_dir, action) == [(analyst.username, [alert.id])]
    assert alert.id not in _listed(analyst, "/alerts")
    assert alert.id in _listed(analyst, f"/alerts?status={status}")


def test_a_bad_status_is_refused_and_an_unknown_alert_is_not_found(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    form = {"status": "closed", "csrf_token": analyst.csrf}
    assert analyst.client.post(f"/alerts/{alert.id}/status", data=form).status_code == 400
    form["status"] = "acknowledged"
    assert analyst.client.post("/alerts/0000/status", data=form).status_code == 404
    assert analyst.client.get("/alerts/0000").status_code == 404
    with _store(data_dir) as store:
        assert store.get(alert.id) == alert


def test_bulk_actions_change_every_selected_alert_and_are_audited_once(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        alerts = store.alerts(status="new", limit=5)
    dismissed, taken = [a.id for a in alerts[:3]], [a.id for a in alerts[3:]]
    back = "/alerts?status=new&page=1"
    form = {"action": "dismiss", "ids": dismissed, "next": back, "csrf_token": analyst.csrf}
    done = analyst.client.post("/alerts/bulk", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == back
    form = {"action": "assign-to-me", "ids": taken, "csrf_token": analyst.csrf}
    assert analyst.client.post("/alerts/bulk", data=form).status_code == 200
    with _store(data_dir) as store:
        assert [store.get(i).status for i in dismissed] == ["dismissed"] * 3  # type: ignore[union-attr]
        assert [store.get(i).assignee for i in taken] == [analyst.username] * 2  # type: ignore[union-attr]
    entries = AuditLog(data_dir / "audit.db").entries(action="alert.bulk")
    assert [(e.detail["bulk_action"], e.detail["alert_ids"]) for e in entries] == [
        ("assign-to-me", taken),
        ("dismiss", dismissed),
    ]
    assert {e.username for e in entries} == {analyst.username}
    assert set(_listed(analyst, "/alerts?assignee=me")) == set(taken)


def test_a_bulk_action_with_an_unknown_alert_or_action_changes_nothing(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    form = {"action": "dismiss", "ids": [alert.id, "0000"], "csrf_token": analyst.csrf}
    assert analyst.client.post("/alerts/bulk", data=form).status_code == 404
    form = {"action": "delete", "ids": [alert.id], "csrf_token": analyst.csrf}
    assert analyst.client.post("/alerts/bulk", data=form).status_code == 400
    assert (
        analyst.client.post(
            "/alerts/bulk", data={"action": "dismiss", "csrf_token": analyst.csrf}
        ).status_code
        == 400
    )
    with _store(data_dir) as store:
        assert store.get(alert.id) == alert
    assert _audited(data_dir, "alert.bulk") == []


def test_notes_and_the_assignee_show_on_the_alert_page(analyst: LoggedIn, data_dir: Path) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    officer = USERS[Role.supervisor]
    note = {"text": "Same photos as <b>vendor</b> on market B", "csrf_token": analyst.csrf}
    assert analyst.client.post(f"/alerts/{alert.id}/notes", data=note).status_code == 200
    assign = {"assignee": officer, "csrf_token": analyst.csrf}
    assert analyst.client.post(f"/alerts/{alert.id}/assign", data=assign).status_code == 200
    page = analyst.client.get(f"/alerts/{alert.id}").text
    assert "Same photos as &lt;b&gt;vendor&lt;/b&gt; on market B" in page
    assert f"assigned to {officer}" in page
    assert re.search(rf"data-assignee>{officer}<", page)
    assert _audited(data_dir, "alert.note") == [(analyst.username, [alert.id])]
    assert _audited(data_dir, "alert.assign") == [(analyst.username, [alert.id])]
    with _store(data_dir) as store:
        stored = store.get(alert.id)
    assert stored is not None and stored.assignee == officer
    assert [n.author for n in stored.notes] == [analyst.username] * 2


def test_an_empty_note_or_an_unknown_assignee_is_refused(analyst: LoggedIn, data_dir: Path) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    blank = {"text": "   ", "csrf_token": analyst.csrf}
    assert analyst.client.post(f"/alerts/{alert.id}/notes", data=blank).status_code == 400
    stranger = {"assignee": "nobody-here", "csrf_token": analyst.csrf}
    assert analyst.client.post(f"/alerts/{alert.id}/assign", data=stranger).status_code == 400
    with _store(data_dir) as store:
        assert store.get(alert.id) == alert


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    posts: dict[str, dict[str, str | list[str]]] = {
        f"/alerts/{alert.id}/status": {"status": "dismissed"},
        f"/alerts/{alert.id}/assign": {"assignee": analyst.username},
        f"/alerts/{alert.id}/notes": {"text": "forged"},
        "/alerts/bulk": {"action": "dismiss", "ids": [alert.id]},
    }
    for path, form in posts.items():
        assert analyst.client.post(path, data=form).status_code == 403, path
        forged = {**form, "csrf_token": "not-the-token"}
        assert analyst.client.post(path, data=forged).status_code == 403, path
    with _store(data_dir) as store:
        assert store.get(alert.id) == alert
    assert not [
        e
        for e in AuditLog(data_dir / "audit.db").entries()
        if e.action.startswith("alert.") and e.action != "alert.view"
    ]


def test_a_redirect_after_a_post_stays_on_this_site(analyst: LoggedIn, data_dir: Path) -> None:
    with _store(data_dir) as store:
        alert = store.alerts(status="new", limit=1)[0]
    form = {"status": "acknowledged", "next": "//evil.example/x", "csrf_token": analyst.csrf}
    done = analyst.client.post(f"/alerts/{alert.id}/status", data=form, follow_redirects=False)
    assert done.headers["location"] == f"/alerts/{alert.id}"


def test_the_alert_page_shows_what_changed_the_listing_and_the_deliveries(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        listing = store.alerts(limit=1)[0].listing
        hostile = listing.model_copy(update={"title": "<script>alert(1)</script> Glock 19"})
        changes = [Change(field="price", before="900 USD", after="650 USD")]
        alert = new_alert(hostile, "price-watch", reason="changed", changes=changes)
        assert store.add_alert(alert)
        store.add_delivery("key-1", alert.rule, "case-mailbox", [alert.id], datetime.now(UTC))
    page = analyst.client.get(f"/alerts/{alert.id}").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for shown in ("price-watch", "critical", "annotations.category", "900 USD", "650 USD"):
        assert shown in page
    assert f'href="/listings/{listing.id}"' in page
    assert "case-mailbox" in page and "pending" in page
    entries = AuditLog(data_dir / "audit.db").entries(action="alert.view")
    assert [(e.username, e.target) for e in entries] == [(analyst.username, alert.id)]


def test_the_inbox_shows_the_listing_title_the_index_holds_now(
    analyst: LoggedIn, data_dir: Path
) -> None:
    with _store(data_dir) as store:
        listing = store.alerts(limit=1)[0].listing
        renamed = listing.model_copy(update={"title": "an older title of the listing"})
        alert = new_alert(renamed, "title-check")
        store.add_alert(alert)
    page = analyst.client.get("/alerts?rule=title-check").text
    assert _ROW.findall(page) == [alert.id]
    row = page[page.index(f'data-alert="{alert.id}"') :]
    assert str(escape(listing.title)) in row[:2000] and "an older title" not in row[:2000]
