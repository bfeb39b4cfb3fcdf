"""The dashboard's own settings: where its files are and how its cookies are set.

Built by the app package from `AppSettings` (`armswatch.dashboard_services`); the dashboard
never reads the environment itself.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class DashboardConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    index_url: str
    # https only session cookies: on wherever the dashboard is served over TLS (a reverse
    # proxy); off for http://127.0.0.1, where a browser would not send them back
    secure_cookies: bool = False
    session_lifetime: timedelta = timedelta(hours=8)
    login_failures_allowed: int = 5  # per client address and per account ...
    login_failure_window: timedelta = timedelta(minutes=15)  # ... within this window
    secret_key: str | None = None  # None: kept in `<data>/dashboard-secret`
    # alert rules (*.yaml, channels.yaml); None: the rules page says none is configured
    rules_dir: Path | None = None

    @property
    def accounts_db(self) -> Path:
        """Accounts and saved searches."""
        return self.data_dir / "dashboard.db"

    @property
    def audit_db(self) -> Path:
        """The append-only audit trail."""
        return self.data_dir / "audit.db"

    @property
    def alerts_db(self) -> Path:
        return self.data_dir / "alerts.db"

    @property
    def captcha_db(self) -> Path:
        return self.data_dir / "captcha.db"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def screenshots_dir(self) -> Path:
        return self.data_dir / "screenshots"

    def session_secret(self) -> str:
        """The key that signs session cookies: configured, or made once and kept (mode 0600)
        in the data directory, so sessions survive a restart of the server."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "dashboard-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip()
