"""The evidence ledger: an append-only, hash-chained JSON-lines file over every WARC record.

Each line is one entry: a capture (a WARC record: its file, offset, length and the SHA-256 of
its stored bytes) or a pruning (records removed past their retention, and why). Every entry
holds the hash of the entry before it (`prev`, 64 zeros for the first) and its own `hash`, the
SHA-256 of its canonical JSON (sorted keys, no spaces) without `hash`; `seq` numbers entries
from 1. So a changed entry no longer matches its hash, and a deleted, inserted or reordered
entry breaks the chain where it happened; `ledger_faults` (in `crawlers.evidence.verify`)
reports each with its line.

Appends take an exclusive `flock` on the ledger (several crawls, one per process, share it),
read the last entry for its hash, write whole lines and `fsync` before the lock is released,
so entries are never interleaved and a crash leaves at most an unfinished last line, which
the next append reports and starts after (it never chains onto it). A crawl appends once per
response with `sync=False` (the lines reach the OS, not the disk: an fsync per page would
bound the crawl by the disk) and calls `fsync` when it closes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawlers.evidence.records import Capture

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
LEDGER_FILE = "ledger.jsonl"  # in the evidence directory
_TAIL = 4096  # bytes first read back from the end to find the last entry


class LedgerError(Exception):
    """The ledger cannot be appended to (its last entry cannot be read)."""


@dataclass(frozen=True)
class LedgerLine:
    number: int  # 1-based line number in the file
    text: str
    entry: dict[str, Any] | None  # None: not a JSON object


def entry_hash(entry: dict[str, Any]) -> str:
    """The SHA-256 of an entry's canonical JSON, its own `hash` left out."""
    body = {key: value for key, value in entry.items() if key != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Ledger:
    """Appends to the ledger at `path` (made on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append_captures(self, captures: Sequence[Capture], *, sync: bool = True) -> int:
        """One capture entry per record, chained, in one locked write; the last seq."""
        entries = [{"kind": "capture", **capture.as_dict()} for capture in captures]
        return self.append(entries, sync=sync)

    def append_pruning(
        self, source: str, warc_file: str, record_ids: Sequence[str], why: str
    ) -> int:
        """Record that the records of `warc_file` were removed (retention), with why."""
        entry = {"kind": "prune", "source": source, "warc_file": warc_file}
        return self.append([{**entry, "record_ids": list(record_ids), "reason": why}])

    def append(self, bodies: Sequence[dict[str, Any]], *, sync: bool = True) -> int:
        """Chain `bodies` (entries without seq, time, prev and hash) onto the ledger; with
        `sync`, fsync before the lock is released."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                seq, prev = _last_link(file, self.path)
                lines = []
                now = datetime.now(UTC).isoformat()
                for body in bodies:
                    seq += 1
                    entry = {**body, "seq": seq, "time": now, "prev": prev}
                    entry["hash"] = prev = entry_hash(entry)
                    lines.append(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
                file.write("".join(lines).encode("utf-8"))
                file.flush()
                if sync:
                    os.fsync(file.fileno())
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)
        return seq

    def fsync(self) -> None:
        """Force the appends made with `sync=False` to disk (nothing to do without a ledger)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as file:
            os.fsync(file.fileno())


def read_lines(path: Path) -> Iterator[LedgerLine]:
    """Every line of the ledger, parsed where it is a JSON object."""
    with path.open(encoding="utf-8", errors="replace") as file:
        for number, text in enumerate(file, start=1):
            yield LedgerLine(number, text.rstrip("\n"), _parsed(text))


def _parsed(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _last_link(file: IO[bytes], path: Path) -> tuple[int, str]:
    """The seq and hash of the last complete entry (0 and GENESIS for an empty ledger)."""
    size = file.seek(0, os.SEEK_END)
    if size == 0:
        return 0, GENESIS
    file.seek(size - 1)
    if file.read(1) != b"\n":  # a crash cut the last append short
        logger.error(
            "the evidence ledger %s ends in an unfinished line; new entries start on a new"
            " line and chain onto the last complete entry (`armswatch evidence verify` shows it)",
            path,
            extra={"event": "ledger_unfinished_line", "ledger": str(path)},
        )
        file.write(b"\n")
    tail_size = _TAIL
    while True:  # an entry is usually under 1 KiB; an export's can be far longer
        file.seek(max(0, size - tail_size))
        tail = file.read(size)
        complete = tail[: tail.rfind(b"\n") + 1]
        lines = complete.splitlines()
        whole = lines if tail_size >= size else lines[1:]  # the first may be cut
        for raw in reversed(whole):
            entry = _parsed(raw.decode("utf-8", errors="replace"))
            if entry is not None and isinstance(entry.get("seq"), int) and "hash" in entry:
                return int(entry["seq"]), str(entry["hash"])
        if tail_size >= size:
            break
        tail_size *= 8
    raise LedgerError(
        f"the evidence ledger {path} has no readable entry at its end; run "
        "`armswatch evidence verify` to see what is wrong before capturing more"
    )
