"""The analysts' web app: `create_app(config, services)` (served by `armswatch serve`).

Every route sits behind `SessionGate` (a live session) and `csrf_protected` (a global
dependency), and declares its role with `require(role)`; views live in `dashboards.views`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, Response

from dashboards.accounts import AccountStore
from dashboards.audit import AuditLog
from dashboards.config import DashboardConfig
from dashboards.index_pool import IndexPool
from dashboards.login_limits import LoginLimiter
from dashboards.security import SecurityHeaders, SessionGate, csrf_protected
from dashboards.services import Services
from dashboards.templating import render
from dashboards.views import (
    actors,
    admin,
    alerts,
    auth,
    evidence,
    listing,
    rules_admin,
    search,
    sources,
    trends,
)

STATIC_DIR = Path(__file__).parent / "static"
VIEWS = (auth, search, listing, evidence, actors, alerts, trends, sources, rules_admin, admin)
SESSION_COOKIE = "armswatch_session"


def create_app(config: DashboardConfig, services: Services) -> FastAPI:
    pool = IndexPool(services.open_index)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = FastAPI(
        title="armswatch",
        dependencies=[Depends(csrf_protected)],
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.config = config
    app.state.services = services
    app.state.index_pool = pool
    app.state.accounts = AccountStore(config.accounts_db)
    app.state.audit = AuditLog(config.audit_db)
    window = config.login_failure_window.total_seconds()
    app.state.login_limiter = LoginLimiter(config.login_failures_allowed, window)
    for view in VIEWS:
        app.include_router(view.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SessionGate)  # inside the session middleware: it reads the session
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.session_secret(),
        session_cookie=SESSION_COOKIE,
        max_age=int(config.session_lifetime.total_seconds()),
        same_site="strict",
        https_only=config.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)  # outermost: on refusals and redirects too
    app.add_exception_handler(HTTPException, _http_error)
    return app


def view_routes() -> list[APIRoute]:
    """Every route of the views, as declared (the app includes them without a prefix)."""
    return [route for view in VIEWS for route in view.router.routes if isinstance(route, APIRoute)]


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    wants_json = request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )
    if wants_json:
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    return render(request, "error.html", status_code=error.status_code, error=error)
