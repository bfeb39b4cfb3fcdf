"""The alerts inbox (`/alerts`) and one alert's page (`/alerts/{id}`), where analysts triage:
acknowledge, escalate, dismiss or reopen an alert, assign it, add notes, one alert at a time or
several at once (`/alerts/bulk`).

Every change goes through `AlertStore` (as `armswatch alerts ...` does), kept in the alert's notes
with who made it, and in the audit trail with the alert ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from dashboards.alert_inbox import inbox_page
from dashboards.context import accounts, audit, config, index
from dashboards.roles import Role
from dashboards.security import CurrentUser, require
from dashboards.templating import render
from rules.alert import ALERT_STATUSES, Alert, AlertStatus, Note
from rules.alert_filter import UNASSIGNED, AlertFilter
from rules.model import SEVERITIES, Severity
from rules.store import AlertStore

router = APIRouter()
Analyst = Annotated[CurrentUser, Depends(require(Role.analyst))]

ALL = "all"
STATUS_TABS = (*ALERT_STATUSES, ALL)
STATUS_AUDIT: dict[AlertStatus, str] = {
    "acknowledged": "alert.ack",
    "escalated": "alert.escalate",
    "dismissed": "alert.dismiss",
    "new": "alert.reopen",
}
# bulk action -> the status it sets (assign-to-me sets none)
BULK_ACTIONS: dict[str, AlertStatus | None] = {
    "acknowledge": "acknowledged",
    "escalate": "escalated",
    "dismiss": "dismissed",
    "assign-to-me": None,
}
MINE = "me"
MAX_NOTE = 4000


@router.get("/alerts")
def inbox(
    request: Request,
    user: Analyst,
    status: str = "new",
    rule: str = "",
    severity: str = "",
    assignee: str = "",
    page: int = 1,
) -> Response:
    chosen = AlertFilter(
        status=None if status == ALL else _status(status),
        rule=rule or None,
        severity=_severity(severity) if severity else None,
        assignee=user.username if assignee == MINE else (assignee or None),
    )
    with _alerts(request) as store:
        shown = inbox_page(store, chosen, max(1, page))
        counts = store.count_by_status(chosen)
        rules = store.alerted_rules()
    counts[ALL] = sum(counts.values())
    filters = {"status": status, "rule": rule, "severity": severity, "assignee": assignee}
    return render(
        request,
        "alerts.html",
        shown=shown,
        titles=_current_titles(request, shown.alerts),
        counts=counts,
        tabs=STATUS_TABS,
        rules=rules,
        severities=SEVERITIES,
        people=_people(request),
        filters=filters,
        inbox_url=lambda **changes: _inbox_url({**filters, "page": "", **changes}),
        here=_inbox_url({**filters, "page": str(page)}),
        unassigned=UNASSIGNED,
        mine=MINE,
    )


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: str, user: Analyst) -> Response:
    with _alerts(request) as store:
        alert = _required(store, alert_id)
        deliveries = store.deliveries(alert_id=alert.id)
    with index(request) as backend:
        current = backend.get(alert.listing_id)
    audit(request, "alert.view", alert.id, listing_id=alert.listing_id, rule=alert.rule)
    return render(
        request,
        "alert.html",
        alert=alert,
        listing=alert.listing,
        current=current,
        deliveries=deliveries,
        people=_people(request),
        statuses=ALERT_STATUSES,
    )


@router.post("/alerts/bulk")
def bulk(
    request: Request,
    user: Analyst,
    action: Annotated[str, Form()],
    ids: Annotated[list[str] | None, Form()] = None,
    next: Annotated[str, Form()] = "/alerts",
) -> Response:
    if action not in BULK_ACTIONS:
        raise HTTPException(400, f"unknown action {action!r}; use one of {', '.join(BULK_ACTIONS)}")
    if not ids:
        raise HTTPException(400, "select at least one alert")
    status, now = BULK_ACTIONS[action], _now()
    with _alerts(request) as store:
        alerts = [_required(store, alert_id) for alert_id in dict.fromkeys(ids)]
        for alert in alerts:
            if status is None:
                store.assign(alert.id, user.username, user.username, now)
            else:
                store.set_status(alert.id, status, user.username, now)
    audit(request, "alert.bulk", f"{len(alerts)} alerts", bulk_action=action, **_ids(alerts))
    return _back(next, "/alerts")


@router.post("/alerts/{alert_id}/status")
def change_status(
    request: Request,
    alert_id: str,
    user: Analyst,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    new_status, why = _status(status), _note_text(note, required=False)
    with _alerts(request) as store:
        alert = _required(store, alert_id)
        store.set_status(alert.id, new_status, user.username, _now(), why)
    audit(
        request,
        STATUS_AUDIT[new_status],
        alert.id,
        before=alert.status,
        after=new_status,
        note=why,
        **_ids([alert]),
    )
    return _back(next, f"/alerts/{alert.id}")


@router.post("/alerts/{alert_id}/assign")
def assign(
    request: Request,
    alert_id: str,
    user: Analyst,
    assignee: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    taker = assignee.strip() or None
    if taker is not None and taker not in _people(request):
        raise HTTPException(400, f"no enabled account {taker!r} to assign the alert to")
    with _alerts(request) as store:
        alert = _required(store, alert_id)
        store.assign(alert.id, taker, user.username, _now())
    audit(request, "alert.assign", alert.id, before=alert.assignee, after=taker, **_ids([alert]))
    return _back(next, f"/alerts/{alert.id}")


@router.post("/alerts/{alert_id}/notes")
def add_note(
    request: Request,
    alert_id: str,
    user: Analyst,
    text: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    written = _note_text(text, required=True)
    with _alerts(request) as store:
        alert = _required(store, alert_id)
        store.add_note(alert.id, Note(at=_now(), author=user.username, text=written))
    audit(request, "alert.note", alert.id, note=written, **_ids([alert]))
    return _back(next, f"/alerts/{alert.id}")


@contextmanager
def _alerts(request: Request) -> Iterator[AlertStore]:
    with AlertStore(config(request).alerts_db) as store:
        yield store


def _required(store: AlertStore, alert_id: str) -> Alert:
    alert = store.get(alert_id)
    if alert is None:
        raise HTTPException(404, f"no alert {alert_id!r}")
    return alert


def _status(value: str) -> AlertStatus:
    for status in ALERT_STATUSES:
        if value == status:
            return status
    raise HTTPException(400, f"unknown status {value!r}; use one of {', '.join(ALERT_STATUSES)}")


def _severity(value: str) -> Severity:
    for severity in SEVERITIES:
        if value == severity:
            return severity
    raise HTTPException(400, f"unknown severity {value!r}; use one of {', '.join(SEVERITIES)}")


def _note_text(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise HTTPException(400, "the note is empty")
    if len(text) > MAX_NOTE:
        raise HTTPException(400, f"the note is longer than {MAX_NOTE} characters")
    return text


def _ids(alerts: Sequence[Alert]) -> dict[str, Any]:
    """The audit detail naming the alerts acted on (and their listings)."""
    return {
        "alert_ids": [alert.id for alert in alerts],
        "listing_ids": sorted({alert.listing_id for alert in alerts}),
    }


def _people(request: Request) -> list[str]:
    """The usernames an alert can be assigned to (enabled accounts)."""
    return [account.username for account in accounts(request).all() if not account.disabled]


def _current_titles(request: Request, alerts: Sequence[Alert]) -> dict[str, str]:
    """Each listing's title as the index holds it now (the alert keeps the one it fired on)."""
    with index(request) as backend:
        found = backend.get_many({alert.listing_id for alert in alerts})
    return {listing_id: listing.title for listing_id, listing in found.items()}


def _inbox_url(params: dict[str, str]) -> str:
    kept = {name: value for name, value in params.items() if value}
    return "/alerts" + (f"?{urlencode(kept)}" if kept else "")


def _back(target: str, default: str) -> RedirectResponse:
    """See other: back to the page the form was on (a path on this site only)."""
    local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return RedirectResponse(target if local else default, status_code=303)


def _now() -> datetime:
    return datetime.now(UTC)
