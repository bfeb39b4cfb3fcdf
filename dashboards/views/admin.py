"""Administration: the accounts (add, change role, reset password, disable, enable) and the
audit trail (filtered pages, the chain check, a CSV export). Administrators only.

Every account change is audited (`account.add`, `account.role`, `account.passwd`,
`account.disable`, `account.enable`) without the password, and ends the changed account's open
sessions (`AccountStore` moves its session epoch). An administrator cannot disable or demote
their own account, so the last administrator cannot lock everyone out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from dashboards.accounts import MIN_PASSWORD_LENGTH, Account, AccountError
from dashboards.audit import COLUMNS
from dashboards.context import accounts, audit, audit_log
from dashboards.roles import Role
from dashboards.security import CurrentUser, require, start_session
from dashboards.templating import render
from intel.sharing.tracing import inert_cell

router = APIRouter()

Administrator = Annotated[CurrentUser, Depends(require(Role.administrator))]
USERS_PAGE = "/admin/users"
FLASH_KEY = "admin_flash"
AUDIT_PAGE_SIZE = 50
EXPORT_BATCH = 1000


# -- accounts ----------------------------------------------------------------------------------


@router.get(USERS_PAGE)
def users_page(request: Request, user: Administrator) -> Response:
    return _users_page(request, user)


@router.post(USERS_PAGE)
def add_account(
    request: Request,
    user: Administrator,
    username: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    try:
        account = accounts(request).add(username, _role(role), password)
    except AccountError as error:
        return _users_page(request, user, error=str(error), status_code=400)
    audit(request, "account.add", account.username, role=account.role.name)
    return _done(request, f"Added {account.username} ({account.role.name}).")


@router.post(USERS_PAGE + "/{username}/role")
def change_role(
    request: Request, user: Administrator, username: str, role: Annotated[str, Form()]
) -> Response:
    new_role = _role(role)
    if username == user.username and new_role < user.role:
        refusal = "you cannot lower your own role: ask another administrator"
        return _users_page(request, user, error=refusal, status_code=400)
    previous = _existing(request, username)
    account = accounts(request).set_role(username, new_role)
    audit(request, "account.role", username, role=new_role.name, previous=previous.role.name)
    _keep_own_session(request, user, account)
    return _done(request, f"{username} is now {new_role.name}; their sessions have ended.")


@router.post(USERS_PAGE + "/{username}/password")
def reset_password(
    request: Request, user: Administrator, username: str, password: Annotated[str, Form()]
) -> Response:
    _existing(request, username)
    try:
        account = accounts(request).set_password(username, password)
    except AccountError as error:
        return _users_page(request, user, error=str(error), status_code=400)
    audit(request, "account.passwd", username)
    _keep_own_session(request, user, account)
    return _done(request, f"Set a new password for {username}; their sessions have ended.")


@router.post(USERS_PAGE + "/{username}/disable")
def disable_account(request: Request, user: Administrator, username: str) -> Response:
    if username == user.username:
        refusal = "you cannot disable your own account: ask another administrator"
        return _users_page(request, user, error=refusal, status_code=400)
    _existing(request, username)
    accounts(request).set_disabled(username, True)
    audit(request, "account.disable", username)
    return _done(request, f"Disabled {username}; their sessions have ended.")


@router.post(USERS_PAGE + "/{username}/enable")
def enable_account(request: Request, user: Administrator, username: str) -> Response:
    _existing(request, username)
    accounts(request).set_disabled(username, False)
    audit(request, "account.enable", username)
    return _done(request, f"Enabled {username}.")


def _users_page(
    request: Request, user: CurrentUser, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "admin_users.html",
        status_code=status_code,
        accounts=accounts(request).all(),
        roles=[role.name for role in Role],
        me=user.username,
        message=request.session.pop(FLASH_KEY, None),
        error=error,
        min_password_length=MIN_PASSWORD_LENGTH,
    )


def _role(name: str) -> Role:
    try:
        return Role.parse(name)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


def _existing(request: Request, username: str) -> Account:
    account = accounts(request).get(username)
    if account is None:
        raise HTTPException(404, f"no account {username!r}")
    return account


def _keep_own_session(request: Request, user: CurrentUser, account: Account) -> None:
    """A change to one's own account ends one's other sessions, not this one."""
    if account.username == user.username:
        start_session(request, account)


def _done(request: Request, message: str) -> Response:
    request.session[FLASH_KEY] = message
    return RedirectResponse(USERS_PAGE, status_code=303)


# -- the audit trail ---------------------------------------------------------------------------


@router.get("/admin/audit")
def audit_page(
    request: Request,
    user: Administrator,
    username: str = "",
    action: str = "",
    page: int = 1,
) -> Response:
    log = audit_log(request)
    filters: dict[str, Any] = {"username": username.strip(), "action": action.strip()}
    shown = {f"filter_{name}": value for name, value in filters.items() if value}
    audit(request, "audit.view", "", **shown, page=page)
    total = log.count(**filters)
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = log.entries(**filters, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE)
    return render(
        request,
        "admin_audit.html",
        entries=entries,
        filters=filters,
        total=total,
        page=page,
        pages=pages,
        faults=log.verify(),
        all_entries=log.count(),
    )


@router.get("/admin/audit/export.csv")
def audit_export(request: Request, user: Administrator) -> Response:
    """Every entry, oldest first, as CSV (this export's own entry last)."""
    audit(request, "audit.export", "audit.csv")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        _csv_lines(request),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="armswatch-audit-{stamp}.csv"'},
    )


def _csv_lines(request: Request) -> Iterator[str]:
    log = audit_log(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    offset = 0
    while True:
        batch = log.entries(limit=EXPORT_BATCH, offset=offset, newest_first=False)
        writer.writerows([inert_cell(value) for value in entry.row()] for entry in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH
