"""Application settings, read once from the environment.

- `ARMSWATCH_DATA`: the data directory (default `./data`): index, runs, logs, spool.
- `ARMSWATCH_INDEX`: the index URL (default `sqlite:///<data>/armswatch.db`).
- `ARMSWATCH_SOURCES`: source directories, separated by `:` (default `./sources`).
- `ARMSWATCH_TOR_PROXY`: Tor's SocksPort for `network: tor` sources (default
  `socks5h://127.0.0.1:9050`); `ARMSWATCH_I2P_PROXY`: the I2P router's HTTP proxy (default
  `http://127.0.0.1:4444`).
- `ARMSWATCH_TOR_CONTROL`: Tor's ControlPort as `host:port` (optional; cookie authentication,
  or the password in `ARMSWATCH_TOR_CONTROL_PASSWORD`).
- `ARMSWATCH_SECRETS`: a YAML file of persona credentials, kept outside the repository.
- `ARMSWATCH_CHROMIUM`: the Chromium binary for `render: browser` (default `/usr/bin/chromium`).
- `ARMSWATCH_RULES`: the alert rules directory, `*.yaml` rules and `channels.yaml` (default
  `./rules`).
- `ARMSWATCH_REPORTS`: the scheduled pattern reports directory, `*.yaml` (default `./reports`).
- `ARMSWATCH_DASHBOARD_URL`: where analysts open the dashboard, for links in alerts (default
  `http://127.0.0.1:8000`).
- `ARMSWATCH_SCHEDULE_DB`: the scheduler's job store and fire log, any SQLAlchemy URL (default
  `sqlite:///<data>/schedule.db`; e.g. `postgresql+psycopg://host/armswatch`).
- `ARMSWATCH_EVIDENCE`: `0` crawls without capturing evidence (default: every response a crawl
  receives goes into WARC files and the ledger under `<data>/evidence`).
- `ARMSWATCH_SAFETY`: `0` crawls without the hostile-site safety layer (`crawlers.safety`:
  its middlewares and page checks, and the browser pages' bounds of `crawlers.browser.bounded`;
  Scrapy's size cap stays). For measuring its cost
  (`benchmarks/crawl.py`), never for real crawls.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

# fields read from a variable when it is set and not empty
_OPTIONAL = {
    "tor_proxy": "ARMSWATCH_TOR_PROXY",
    "i2p_proxy": "ARMSWATCH_I2P_PROXY",
    "tor_control": "ARMSWATCH_TOR_CONTROL",
    "chromium": "ARMSWATCH_CHROMIUM",
    "dashboard_url": "ARMSWATCH_DASHBOARD_URL",
}


class AppSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    index_url: str
    sources_dirs: tuple[Path, ...]
    tor_proxy: str = "socks5h://127.0.0.1:9050"
    i2p_proxy: str = "http://127.0.0.1:4444"
    tor_control: str | None = None
    secrets_file: Path | None = None
    chromium: Path = Path("/usr/bin/chromium")
    rules_dir: Path = Path("rules")
    reports_dir: Path = Path("reports")
    dashboard_url: str = "http://127.0.0.1:8000"
    schedule_url: str | None = None  # None: sqlite:///<data>/schedule.db
    evidence: bool = True  # capture every response into the evidence store
    safety: bool = True  # the hostile-site safety layer (crawlers.safety)

    @property
    def lookup_dirs(self) -> tuple[Path, ...]:
        """Where a source named on the command line is looked for: the sources folders, then
        their `examples/` subfolders (worked examples, never crawled by `--all`)."""
        examples = (folder / "examples" for folder in self.sources_dirs)
        return (*self.sources_dirs, *(folder for folder in examples if folder.is_dir()))

    @classmethod
    def from_env(cls) -> AppSettings:
        data_dir = Path(os.environ.get("ARMSWATCH_DATA", "data")).resolve()
        index_url = os.environ.get("ARMSWATCH_INDEX") or f"sqlite:///{data_dir / 'armswatch.db'}"
        sources = os.environ.get("ARMSWATCH_SOURCES", "sources")
        dirs = tuple(Path(part).resolve() for part in sources.split(os.pathsep) if part)
        secrets = os.environ.get("ARMSWATCH_SECRETS")
        rules = os.environ.get("ARMSWATCH_RULES") or "rules"
        reports = os.environ.get("ARMSWATCH_REPORTS") or "reports"
        optional = {field: os.environ.get(variable) for field, variable in _OPTIONAL.items()}
        return cls(
            data_dir=data_dir,
            index_url=index_url,
            schedule_url=os.environ.get("ARMSWATCH_SCHEDULE_DB") or None,
            sources_dirs=dirs,
            secrets_file=Path(secrets).resolve() if secrets else None,
            rules_dir=Path(rules).resolve(),
            reports_dir=Path(reports).resolve(),
            evidence=os.environ.get("ARMSWATCH_EVIDENCE", "1").strip() != "0",
            safety=os.environ.get("ARMSWATCH_SAFETY", "1").strip() != "0",
            **{field: value for field, value in optional.items() if value},  # else the default
        )

    @property
    def runs_db(self) -> Path:
        return self.data_dir / "runs.db"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def sessions_dir(self) -> Path:
        """Saved sessions (cookies, browser storage) per source and persona."""
        return self.data_dir / "sessions"

    @property
    def captcha_db(self) -> Path:
        """CAPTCHA tasks waiting for an analyst, and their images."""
        return self.data_dir / "captcha.db"

    @property
    def alerts_db(self) -> Path:
        """Alerts, their triage and every delivery attempt."""
        return self.data_dir / "alerts.db"

    @property
    def screenshots_dir(self) -> Path:
        return self.data_dir / "screenshots"

    @property
    def evidence_dir(self) -> Path:
        """WARC captures of every response, the ledger over them and their digest index."""
        return self.data_dir / "evidence"
