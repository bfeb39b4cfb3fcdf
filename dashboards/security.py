"""Sessions, roles and CSRF: no route but the login page answers without a session.

- `SessionGate` (middleware) admits a request only with a live session of an enabled account
  whose `session_epoch` still matches (a password change, role change or disabling ends its
  sessions); pages get a redirect to the login page, the API a 401.
- `require(role)` is the dependency every route declares; it answers 403 to a lower role.
  `required_role(route)` reads it back, so a test can walk every route.
- `csrf_protected` runs on every route (a global dependency): an unsafe method must carry the
  session's CSRF token as the `csrf_token` form field or the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse, RedirectResponse, Response

from dashboards.accounts import Account, AccountStore
from dashboards.roles import Role

PUBLIC_PATHS = frozenset({"/login"})
PUBLIC_PREFIXES = ("/static/",)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# no inline scripts or event handlers: a page's scripts are files under /static, its data JSON
# in <script type="application/json"> blocks; a response may set a stricter policy of its own
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # leads stay out of shared and back-button caches
}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: Role
    address: str


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class SessionGate(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if is_public(request.url.path):
            return await call_next(request)
        accounts: AccountStore = request.app.state.accounts
        account = _live_account(request, accounts)
        if account is None:
            request.session.pop("user", None)
            return _refused(request)
        request.state.user = CurrentUser(account.username, account.role, client_address(request))
        return await call_next(request)


class SecurityHeaders(BaseHTTPMiddleware):
    """`SECURITY_HEADERS` on every response that has not set its own."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def start_session(request: Request, account: Account) -> None:
    """A new session for `account` (the anonymous one, and its CSRF token, are dropped)."""
    request.session.clear()
    request.session.update(
        user=account.username,
        epoch=account.session_epoch,
        started=datetime.now(UTC).timestamp(),
        csrf=secrets.token_urlsafe(32),
    )


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made for an anonymous session on its first form)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def csrf_protected(request: Request) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        sent = (await request.form()).get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def require(role: Role) -> Callable[[Request], CurrentUser]:
    """The dependency of a route open to `role` and the roles above it."""

    def current_user(request: Request) -> CurrentUser:
        user: CurrentUser | None = getattr(request.state, "user", None)
        if user is None:
            raise HTTPException(401, "log in first")
        if user.role < role:
            raise HTTPException(403, f"this needs the {role.name} role")
        return user

    current_user.required_role = role  # type: ignore[attr-defined]
    return current_user


def required_role(route: APIRoute) -> Role | None:
    """The role a route's `require(...)` dependency asks for (None: the route has none)."""
    for dependency in route.dependant.dependencies:
        role = getattr(dependency.call, "required_role", None)
        if role is not None:
            return role
    return None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _live_account(request: Request, accounts: AccountStore) -> Account | None:
    username = request.session.get("user")
    if not username:
        return None
    started = float(request.session.get("started", 0))
    lifetime = request.app.state.config.session_lifetime.total_seconds()
    if datetime.now(UTC).timestamp() - started > lifetime:
        return None
    account = accounts.get(str(username))
    if account is None or account.disabled or account.session_epoch != request.session.get("epoch"):
        return None
    return account


def _refused(request: Request) -> Response:
    wants_page = request.method == "GET" and not request.url.path.startswith("/api/")
    if wants_page:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    body: dict[str, Any] = {"detail": "log in first"}
    return JSONResponse(body, status_code=401)


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
