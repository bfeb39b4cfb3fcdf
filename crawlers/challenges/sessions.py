"""A persona's session on a source, kept between runs: the cookies of Scrapy's cookie jar in one
JSON file per (source, persona) under `AppSettings.sessions_dir` (`crawlers.personas`); a
browser source's local storage is kept beside it (`crawlers.browser.local_storage`).

Files are written atomically with mode 600 (a session cookie opens the account like a password).
"""

from __future__ import annotations

import json
import os
from http.cookiejar import Cookie, CookieJar
from pathlib import Path
from typing import Any

_FIELDS = (
    "version",
    "name",
    "value",
    "port",
    "port_specified",
    "domain",
    "domain_specified",
    "domain_initial_dot",
    "path",
    "path_specified",
    "secure",
    "expires",
    "discard",
    "comment",
    "comment_url",
    "rfc2109",
)


def save_cookies(jar: CookieJar, path: Path) -> int:
    """Write every cookie of `jar` (session cookies included) to `path`; the count written."""
    cookies = [_to_dict(cookie) for cookie in jar]
    write_private_json(path, {"cookies": cookies})
    return len(cookies)


def write_private_json(path: Path, document: Any) -> None:
    """Write `document` to `path` atomically, readable by this user only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(path.suffix + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    partial.replace(path)


def load_cookies(jar: CookieJar, path: Path) -> int:
    """Put the cookies saved at `path` into `jar`; 0 when there is no usable file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["cookies"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    count = 0
    for entry in entries:
        try:
            jar.set_cookie(_from_dict(entry))
        except (KeyError, TypeError):
            continue
        count += 1
    return count


def forget(path: Path) -> None:
    """Delete a saved session (after it proved unusable)."""
    path.unlink(missing_ok=True)


def _to_dict(cookie: Cookie) -> dict[str, Any]:
    data = {name: getattr(cookie, name) for name in _FIELDS}
    data["rest"] = dict(getattr(cookie, "_rest", {}))
    return data


def _from_dict(entry: dict[str, Any]) -> Cookie:
    values = {name: entry[name] for name in _FIELDS}
    return Cookie(rest=dict(entry.get("rest") or {}), **values)
