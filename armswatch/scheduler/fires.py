"""The fire log: each run of a source is claimed once, whoever fires it, and its outcome kept.

APScheduler 3 does not coordinate schedulers sharing a job store: two daemons started by
mistake may both find a job due. So before it crawls, a daemon inserts (source, fire key) into
`armswatch_fires`, whose primary key is that pair; the insert of the second daemon fails, and it
does not crawl. The fire key of a scheduled run is the job's due time as stored in the shared
job store, the same for every daemon that read it; a re-run of an unfinished crawl is keyed by
that crawl's start time and run number in its frontier, a crawl started by hand by its own
start time.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DatabaseError, IntegrityError

_METADATA = MetaData()
FIRES = Table(
    "armswatch_fires",
    _METADATA,
    Column("source", String(100), primary_key=True),
    Column("fire_key", String(100), primary_key=True),
    Column("claimed_at", DateTime, nullable=False),  # naive UTC, the same on every backend
    Column("claimed_by", String(200), nullable=False),
    Column("finished_at", DateTime),
    Column("outcome", String(500)),
)
LOST = "lost: the daemon ended during the crawl"


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Fire:
    source: str
    fire_key: str
    claimed_at: datetime
    claimed_by: str
    finished_at: datetime | None
    outcome: str | None


class FireLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            _METADATA.create_all(engine)
        except DatabaseError:  # another process created it between the check and the create
            _METADATA.create_all(engine)

    def claim(self, source: str, fire_key: str) -> bool:
        """Claim this run for this process: False if another process claimed it first."""
        row = {
            "source": source,
            "fire_key": fire_key,
            "claimed_at": _now(),
            "claimed_by": this_process(),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(FIRES).values(row))
        except IntegrityError:
            return False
        return True

    def finish(self, source: str, fire_key: str, outcome: str) -> None:
        values = {"finished_at": _now(), "outcome": outcome[:500]}
        with self.engine.begin() as connection:
            connection.execute(update(FIRES).where(_key(source, fire_key)).values(values))

    def recent(self, source: str | None = None, limit: int = 20) -> list[Fire]:
        """The latest fires, newest first; of one source if given."""
        query = select(FIRES).order_by(FIRES.c.claimed_at.desc()).limit(limit)
        if source is not None:
            query = query.where(FIRES.c.source == source)
        with self.engine.connect() as connection:
            return [Fire(**row._mapping) for row in connection.execute(query)]

    def mark_lost(self) -> int:
        """Close the claims of this host's processes that are gone (a daemon killed mid-crawl);
        return how many."""
        host = socket.gethostname()
        open_claims = select(FIRES).where(
            FIRES.c.outcome.is_(None), FIRES.c.claimed_by.startswith(f"{host}:")
        )
        with self.engine.begin() as connection:
            lost = [
                row
                for row in connection.execute(open_claims)
                if not _alive(int(row.claimed_by.rpartition(":")[2]))
            ]
            for row in lost:
                values = {"finished_at": _now(), "outcome": LOST}
                where = _key(row.source, row.fire_key)
                connection.execute(update(FIRES).where(where).values(values))
        return len(lost)

    def prune(self, older_than: timedelta = timedelta(days=90)) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(FIRES).where(FIRES.c.claimed_at < _now() - older_than))


def _key(source: str, fire_key: str) -> ColumnElement[bool]:
    return and_(FIRES.c.source == source, FIRES.c.fire_key == fire_key)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
