"""Content-addressed files written once: a file already at its path is never written again,
and a new one goes to a temporary name in the same folder first and is renamed into place, so
a crash never leaves a partial file under a content hash. (Screenshots, listing photos.)"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_once(path: Path, data: bytes) -> bool:
    """Write `data` at `path` unless a file is there (its parents made); whether it wrote."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
