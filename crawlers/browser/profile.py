"""A throw-away Chromium profile whose preferences turn network prediction off.

Chromium preconnects to the origin of every navigation it starts (its loading predictor, on
"navigation started"), before a route can abort the request: an iframe or a pop-up to a host the
source does not allow would get a TCP connection (a proxy connection, behind a proxy). Only the
`net.network_prediction_options` preference (2: never) stops it, and Playwright sets preferences
only in a profile directory: so each browser crawl runs in a fresh persistent profile with these
preferences, removed when the crawl ends.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

NETWORK_PREDICTION_NEVER = 2
PREFERENCES: dict[str, Any] = {
    "net": {"network_prediction_options": NETWORK_PREDICTION_NEVER},
    "webrtc": {"ip_handling_policy": "disable_non_proxied_udp", "multiple_routes_enabled": False},
    "safebrowsing": {"enabled": False},
    "translate": {"enabled": False},
    "alternate_error_pages": {"enabled": False},
    "search": {"suggest_enabled": False},
    "dns_prefetching": {"enabled": False},
}


def new_profile() -> Path:
    """A new profile directory with `PREFERENCES` (remove it with `remove_profile`)."""
    root = Path(tempfile.mkdtemp(prefix="armswatch-chromium-"))
    default = root / "Default"
    default.mkdir()
    (default / "Preferences").write_text(json.dumps(PREFERENCES), encoding="utf-8")
    return root


def remove_profile(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
