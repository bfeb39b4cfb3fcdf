"""What a view reads from the app: the index, the stores, the audit trail, the current user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request

from dashboards.accounts import AccountStore
from dashboards.audit import AuditEntry, AuditLog
from dashboards.config import DashboardConfig
from dashboards.index_pool import IndexPool
from dashboards.security import CurrentUser, client_address
from dashboards.services import Services
from index.backend import IndexBackend


def config(request: Request) -> DashboardConfig:
    return request.app.state.config


def services(request: Request) -> Services:
    return request.app.state.services


def accounts(request: Request) -> AccountStore:
    return request.app.state.accounts


def audit_log(request: Request) -> AuditLog:
    return request.app.state.audit


@contextmanager
def index(request: Request) -> Iterator[IndexBackend]:
    """An index backend for this request (from the app's pool)."""
    pool: IndexPool = request.app.state.index_pool
    with pool.borrow() as backend:
        yield backend


def audit(request: Request, action: str, target: str = "", **detail: Any) -> AuditEntry:
    """Record what the current user (or, before login, the named one) did, and from where."""
    user: CurrentUser | None = getattr(request.state, "user", None)
    username = user.username if user else str(detail.pop("username", "anonymous"))
    return audit_log(request).record(username, action, target, client_address(request), **detail)
