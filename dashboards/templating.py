"""Server-side pages: Jinja2 templates (autoescaped) with the user, the CSRF token and the
navigation filled in for every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from dashboards.roles import Role
from dashboards.security import CurrentUser, csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
# (path, label, the role it needs): the pages named in the top bar
NAVIGATION = (
    ("/search", "Search", Role.analyst),
    ("/alerts", "Alerts", Role.analyst),
    ("/actors", "Vendors", Role.analyst),
    ("/trends", "Trends", Role.analyst),
    ("/sources", "Sources", Role.supervisor),
    ("/rules", "Rules", Role.supervisor),
    ("/admin/users", "Accounts", Role.administrator),
    ("/admin/audit", "Audit", Role.administrator),
)

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
templates = Jinja2Templates(env=_environment)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    user: CurrentUser | None = getattr(request.state, "user", None)
    navigation = [
        (path, label) for path, label, role in NAVIGATION if user is not None and user.role >= role
    ]
    return templates.TemplateResponse(
        request,
        template,
        {"user": user, "csrf_token": csrf_token(request), "navigation": navigation, **context},
        status_code=status_code,
    )
