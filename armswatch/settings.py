"""Application settings, read once from the environment.

- `ARMSWATCH_DATA`: the data directory (default `./data`): index, runs, logs, spool.
- `ARMSWATCH_INDEX`: the index URL (default `sqlite:///<data>/armswatch.db`).
- `ARMSWATCH_SOURCES`: source directories, separated by `:` (default `./sources`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class AppSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    index_url: str
    sources_dirs: tuple[Path, ...]

    @classmethod
    def from_env(cls) -> AppSettings:
        data_dir = Path(os.environ.get("ARMSWATCH_DATA", "data")).resolve()
        index_url = os.environ.get("ARMSWATCH_INDEX") or f"sqlite:///{data_dir / 'armswatch.db'}"
        sources = os.environ.get("ARMSWATCH_SOURCES", "sources")
        dirs = tuple(Path(part).resolve() for part in sources.split(os.pathsep) if part)
        return cls(data_dir=data_dir, index_url=index_url, sources_dirs=dirs)

    @property
    def runs_db(self) -> Path:
        return self.data_dir / "runs.db"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"
