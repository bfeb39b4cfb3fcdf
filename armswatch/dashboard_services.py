"""The dashboard's settings and services from `AppSettings`: the index, crawl runs and source
health, actors. The dashboard reads them through `dashboards.ports`, never this package."""

from __future__ import annotations

from armswatch.dashboard_actors import IntelActorDirectory
from armswatch.dashboard_health import RunStoreHealth
from armswatch.settings import AppSettings
from dashboards.config import DashboardConfig
from dashboards.services import Services
from index.backend import IndexBackend
from index.selection import open_index


def dashboard_config(app: AppSettings, *, secure_cookies: bool = False) -> DashboardConfig:
    return DashboardConfig(
        data_dir=app.data_dir,
        index_url=app.index_url,
        secure_cookies=secure_cookies,
        rules_dir=app.rules_dir,
    )


def dashboard_services(app: AppSettings) -> Services:
    def index() -> IndexBackend:
        return open_index(app.index_url)

    return Services(
        open_index=index,
        crawl_health=RunStoreHealth(app),
        actors=IntelActorDirectory(app),
    )
