"""Logins, sessions, CAPTCHA hand-off and queue pages of sources that need them.

Wire a source's crawl with `apply_challenge_settings(settings, source, app)` (or merge
`challenge_settings(source, app)`); check its persona up front with `check_persona`.
"""

from crawlers.challenges.config import (
    MIDDLEWARE,
    MIDDLEWARE_ORDER,
    apply_challenge_settings,
    challenge_settings,
    check_persona,
)
from crawlers.challenges.pages import AccessError
from crawlers.challenges.store import (
    CaptchaStore,
    CaptchaTask,
    CaptchaTaskError,
    UnknownTaskError,
)

__all__ = [
    "MIDDLEWARE",
    "MIDDLEWARE_ORDER",
    "AccessError",
    "CaptchaStore",
    "CaptchaTask",
    "CaptchaTaskError",
    "UnknownTaskError",
    "apply_challenge_settings",
    "challenge_settings",
    "check_persona",
]
