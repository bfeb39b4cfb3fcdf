"""Logging in and out: the only routes open without a session (`/login`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from dashboards.context import accounts, audit
from dashboards.login_limits import LoginLimiter
from dashboards.roles import Role
from dashboards.security import CurrentUser, client_address, require, start_session
from dashboards.templating import render

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "/search") -> Response:
    return render(request, "login.html", next=_local(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/search",
) -> Response:
    limiter: LoginLimiter = request.app.state.login_limiter
    keys = (f"address:{client_address(request)}", f"user:{username.strip().lower()}")
    wait = limiter.retry_after(*keys)
    if wait:
        audit(request, "login.locked", username, username=username)
        message = f"too many failed logins: try again in {wait} s"
        response = render(request, "login.html", status_code=429, next=next, error=message)
        response.headers["Retry-After"] = str(wait)
        return response
    account = accounts(request).authenticate(username.strip(), password)
    if account is None:
        limiter.failed(*keys)
        audit(request, "login.failed", username, username=username)
        error = "wrong username or password, or a disabled account"
        return render(request, "login.html", status_code=401, next=next, error=error)
    limiter.succeeded(*keys)
    start_session(request, account)
    audit(request, "login", account.username, username=account.username)
    return RedirectResponse(_local(next), status_code=303)


@router.post("/logout")
def logout(
    request: Request, user: Annotated[CurrentUser, Depends(require(Role.analyst))]
) -> Response:
    audit(request, "logout", user.username)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(_: Annotated[CurrentUser, Depends(require(Role.analyst))]) -> Response:
    return RedirectResponse("/search", status_code=303)


def _local(target: str) -> str:
    """Only a path on this site (no open redirect to another host)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/search"
    return target
