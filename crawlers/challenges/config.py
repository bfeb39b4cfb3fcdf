"""Scrapy settings that switch the challenge middleware on for a source, and their typed reading.

    settings = crawl_settings(source, app)
    apply_challenge_settings(settings, source, app)   # merges DOWNLOADER_MIDDLEWARES

Only paths and names go into settings: credentials are read by the middleware itself
(`crawlers.personas`), so they never show in Scrapy's "Overridden settings" log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from scrapy.settings import BaseSettings, get_settings_priority

from crawlers.source import Source

MIDDLEWARE = "crawlers.challenges.middleware.ChallengeMiddleware"
# After RedirectMiddleware (600) and CookiesMiddleware (700) on the way back, so it sees the
# page a redirect ended on with its cookies stored; before MetaRefreshMiddleware (580), so a
# queue page's <meta http-equiv="refresh"> is waited out here instead of re-fetched at once.
MIDDLEWARE_ORDER = 585
# Before RedirectMiddleware on the way back: marks redirects to the login page not to be followed.
LOGIN_REDIRECTS = "crawlers.challenges.login_redirects.LoginRedirectMiddleware"
LOGIN_REDIRECTS_ORDER = 610
ENABLED = "ARMSWATCH_CHALLENGES_ENABLED"
SESSIONS_DIR = "ARMSWATCH_SESSIONS_DIR"
CAPTCHA_DB = "ARMSWATCH_CAPTCHA_DB"
CAPTCHA_POLL = "ARMSWATCH_CAPTCHA_POLL"
SECRETS_FILE = "ARMSWATCH_SECRETS_FILE"


class AppPaths(Protocol):
    """What the challenge middleware needs of the app settings (`armswatch.settings`)."""

    @property
    def sessions_dir(self) -> Path: ...
    @property
    def captcha_db(self) -> Path: ...
    @property
    def secrets_file(self) -> Path | None: ...


def needs_challenges(source: Source) -> bool:
    return source.login is not None or source.captcha is not None or source.queue is not None


def challenge_settings(source: Source, app: AppPaths) -> dict[str, Any]:
    """Scrapy settings for `source`'s logins, CAPTCHAs and queue pages ({} if it has none).

    Merge `DOWNLOADER_MIDDLEWARES` into the existing dict (`apply_challenge_settings`): a
    plain `setdict` would replace the other downloader middlewares.
    """
    if not needs_challenges(source):
        return {}
    return {
        "DOWNLOADER_MIDDLEWARES": {
            MIDDLEWARE: MIDDLEWARE_ORDER,
            LOGIN_REDIRECTS: LOGIN_REDIRECTS_ORDER,
        },
        ENABLED: True,
        SESSIONS_DIR: str(app.sessions_dir),
        CAPTCHA_DB: str(app.captcha_db),
        SECRETS_FILE: str(app.secrets_file) if app.secrets_file else None,
    }


def apply_challenge_settings(
    settings: BaseSettings, source: Source, app: AppPaths, priority: str = "cmdline"
) -> None:
    """Add `challenge_settings` to `settings`, keeping the other downloader middlewares."""
    values = challenge_settings(source, app)
    middlewares = values.pop("DOWNLOADER_MIDDLEWARES", {})
    if middlewares:
        merged = {**settings.getdict("DOWNLOADER_MIDDLEWARES"), **middlewares}
        current = settings.getpriority("DOWNLOADER_MIDDLEWARES") or 0
        wanted = get_settings_priority(priority)
        settings.set("DOWNLOADER_MIDDLEWARES", merged, max(current, wanted))
    settings.setdict(values, priority=priority)


@dataclass(frozen=True)
class ChallengeConfig:
    sessions_dir: Path
    captcha_db: Path
    secrets_file: Path | None
    captcha_poll: float = 2.0

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ChallengeConfig | None:
        """The configuration, or None when the middleware is not enabled for this crawl."""
        if not settings.getbool(ENABLED):
            return None
        sessions_dir, captcha_db = settings.get(SESSIONS_DIR), settings.get(CAPTCHA_DB)
        if not sessions_dir or not captcha_db:
            raise ValueError(f"{ENABLED} needs {SESSIONS_DIR} and {CAPTCHA_DB}")
        secrets = settings.get(SECRETS_FILE)
        poll = settings.getfloat(CAPTCHA_POLL, 2.0)
        if poll <= 0:
            raise ValueError(f"{CAPTCHA_POLL} must be positive, not {poll}")
        return cls(Path(sessions_dir), Path(captcha_db), Path(secrets) if secrets else None, poll)
