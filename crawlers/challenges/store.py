"""CAPTCHA tasks waiting for an analyst, in one SQLite file (`AppSettings.captcha_db`).

A crawl that meets a CAPTCHA files a task (the image saved next to the database) and polls the
task until an analyst answers it (`armswatch captcha solve ID ANSWER`) or it times out. No
third-party solving service is ever involved. Each call opens its own short connection, so the
crawl and the command line (other processes) share the file safely.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from crawlers.errors import CrawlersError

TaskStatus = Literal["open", "answered", "expired"]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS captcha_tasks (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    persona TEXT,
    page_url TEXT NOT NULL,
    image_path TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'expired')),
    answer TEXT,
    answered_at TEXT
)
"""
_COLUMNS = "id, source, persona, page_url, image_path, created_at, status, answer, answered_at"
_IMAGE_TYPES = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"))


class CaptchaTaskError(CrawlersError):
    """A CAPTCHA task that does not exist or can no longer be answered."""


class UnknownTaskError(CaptchaTaskError):
    """No task has this id."""


@dataclass(frozen=True)
class CaptchaTask:
    id: str
    source: str
    persona: str | None
    page_url: str
    image_path: Path
    created_at: datetime
    status: TaskStatus
    answer: str | None = None
    answered_at: datetime | None = None

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.created_at).total_seconds()


class CaptchaStore:
    """The CAPTCHA tasks of every source; images under `images_dir`."""

    def __init__(self, db_path: Path, images_dir: Path | None = None) -> None:
        self.db_path = db_path
        self.images_dir = images_dir or db_path.parent / "captcha-images"
        self._created = False  # the directory and table exist (made on the first connection)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._created:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.db_path, timeout=30)) as connection:
            if not self._created:
                connection.execute(_SCHEMA)
                self._created = True
            with connection:  # one transaction, committed on success
                yield connection

    def file(self, source: str, persona: str | None, page_url: str, image: bytes) -> CaptchaTask:
        """File an open task for the CAPTCHA `image` met on `page_url`."""
        task_id = secrets.token_hex(4)
        self.images_dir.mkdir(parents=True, exist_ok=True)
        image_path = self.images_dir / f"{task_id}{_suffix(image)}"
        image_path.write_bytes(image)
        created = datetime.now(UTC)
        with self._connect() as db:
            db.execute(
                f"INSERT INTO captcha_tasks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'open', NULL, "
                "NULL)",
                (task_id, source, persona, page_url, str(image_path), created.isoformat()),
            )
        return CaptchaTask(task_id, source, persona, page_url, image_path, created, "open")

    def get(self, task_id: str) -> CaptchaTask | None:
        with self._connect() as db:
            return _get(db, task_id)

    def open_tasks(self) -> list[CaptchaTask]:
        """Tasks waiting for an answer, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM captcha_tasks WHERE status = 'open' ORDER BY created_at"
            ).fetchall()
        return [_task(row) for row in rows]

    def solve(self, task_id: str, answer: str) -> CaptchaTask:
        """Record an analyst's answer; CaptchaTaskError for an unknown or closed task."""
        answer = answer.strip()
        if not answer:
            raise CaptchaTaskError("the answer is empty: type the characters the image shows")
        with self._connect() as db:
            updated = db.execute(
                "UPDATE captcha_tasks SET status = 'answered', answer = ?, answered_at = ? "
                "WHERE id = ? AND status = 'open'",
                (answer, datetime.now(UTC).isoformat(), task_id),
            ).rowcount
            task = _get(db, task_id)
        if task is None:
            raise UnknownTaskError(
                f"no CAPTCHA task {task_id!r}: see `armswatch captcha list` for open tasks"
            )
        if not updated:
            raise CaptchaTaskError(f"CAPTCHA task {task_id} is already {task.status}")
        return task

    def expire(self, task_id: str) -> None:
        """Close an open task nobody answered in time."""
        with self._connect() as db:
            db.execute(
                "UPDATE captcha_tasks SET status = 'expired' WHERE id = ? AND status = 'open'",
                (task_id,),
            )


def _get(db: sqlite3.Connection, task_id: str) -> CaptchaTask | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM captcha_tasks WHERE id = ?", (task_id,)).fetchone()
    return _task(row) if row else None


def _suffix(image: bytes) -> str:
    return next((suffix for magic, suffix in _IMAGE_TYPES if image.startswith(magic)), ".img")


def _task(row: tuple[str, ...]) -> CaptchaTask:
    task_id, source, persona, page_url, image_path, created, status, answer, answered = row
    return CaptchaTask(
        id=task_id,
        source=source,
        persona=persona,
        page_url=page_url,
        image_path=Path(image_path),
        created_at=datetime.fromisoformat(created),
        status=cast(TaskStatus, status),
        answer=answer,
        answered_at=datetime.fromisoformat(answered) if answered else None,
    )
