"""A persona's browser local storage, kept between runs beside its cookies.

Sites keep sessions and tokens in `localStorage` as well as in cookies. When a browser crawl
ends, the local storage of every origin its context holds is written (mode 600) to the
persona's storage file (`crawlers.personas.storage_file`); the next crawl's context gets an
init script that puts the saved items back, on their own origin only, before any page script
runs. Items the page already has are left alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawlers.challenges.sessions import write_private_json

_RESTORE = """(() => {
  const saved = %s;
  const items = saved[window.location.origin];
  if (!items) return;
  for (const [name, value] of Object.entries(items)) {
    if (window.localStorage.getItem(name) === null) window.localStorage.setItem(name, value);
  }
})();"""


def origins_of(state: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Local storage by origin, from a Playwright `storage_state()`."""
    return {
        origin["origin"]: {item["name"]: item["value"] for item in origin.get("localStorage", [])}
        for origin in state.get("origins", [])
        if origin.get("localStorage")
    }


def save_local_storage(state: dict[str, Any], path: Path) -> int:
    """Write the local storage of `state` to `path`; the number of origins written."""
    origins = origins_of(state)
    write_private_json(path, {"origins": origins})
    return len(origins)


def restore_script(path: Path) -> str | None:
    """The init script that restores the local storage saved at `path` (None: nothing saved)."""
    try:
        origins = json.loads(path.read_text(encoding="utf-8"))["origins"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _RESTORE % json.dumps(origins) if origins else None
