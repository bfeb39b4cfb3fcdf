"""Verify the evidence store: walk the ledger's hash chain and re-hash every WARC record.

Faults are reported with where they are (the ledger line; the WARC file, record id and
offset), never raised: one fault does not hide the next. A chain break is reported once and
the walk goes on from the entry after it, so one deleted line is one fault, not a cascade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.evidence.ledger import GENESIS, LedgerLine, entry_hash, read_lines

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Fault:
    kind: str  # unreadable_entry / altered_entry / broken_chain / changed_record / missing_file
    where: str  # "ledger line 12", "warc/demo-market/x.warc.gz @ 2048"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}: {self.detail}"


@dataclass
class VerifyReport:
    entries: int = 0
    records_checked: int = 0
    records_pruned: int = 0
    faults: list[Fault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults


def verify_evidence(
    evidence_dir: Path, ledger_path: Path, since: datetime | None = None
) -> VerifyReport:
    """Walk the whole chain; re-hash the records captured at or after `since` (all: None)."""
    report = VerifyReport()
    if not ledger_path.exists():
        report.faults.append(Fault("missing_ledger", str(ledger_path), "no ledger file"))
        return report
    captures: list[tuple[int, dict[str, Any]]] = []
    pruned: set[str] = set()
    for line, entry in _chained_entries(read_lines(ledger_path), report):
        if entry.get("kind") == "prune":
            pruned.update(entry.get("record_ids") or [])
        elif entry.get("kind") == "capture" and _at_or_after(entry.get("time"), since):
            captures.append((line, entry))
    for line, entry in captures:
        if entry.get("record_id") in pruned:
            report.records_pruned += 1
            continue
        report.records_checked += 1
        fault = _record_fault(evidence_dir, line, entry)
        if fault is not None:
            report.faults.append(fault)
    return report


def _chained_entries(
    lines: Iterable[LedgerLine], report: VerifyReport
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The ledger's entries, with each fault of the chain added to `report` on the way."""
    prev, seq = GENESIS, 0
    for line in lines:
        where = f"ledger line {line.number}"
        entry = line.entry
        if entry is None:
            report.faults.append(Fault("unreadable_entry", where, f"not JSON: {line.text[:80]!r}"))
            continue
        report.entries += 1
        if entry_hash(entry) != entry.get("hash"):
            report.faults.append(
                Fault("altered_entry", where, f"entry {entry.get('seq')} does not match its hash")
            )
        if entry.get("prev") != prev:
            report.faults.append(Fault("broken_chain", where, _break_detail(entry, seq)))
        prev, seq = str(entry.get("hash")), _int(entry.get("seq"), seq + 1)
        yield line.number, entry


def _break_detail(entry: dict[str, Any], last_seq: int) -> str:
    found = _int(entry.get("seq"), -1)
    if found > last_seq + 1:
        return f"entries {last_seq + 1} to {found - 1} are missing before entry {found}"
    if found <= last_seq:
        return f"entry {found} follows entry {last_seq}: entries were reordered or repeated"
    return f"entry {found} does not chain onto entry {last_seq}: an entry was replaced"


def _record_fault(evidence_dir: Path, line: int, entry: dict[str, Any]) -> Fault | None:
    warc_file, offset = str(entry.get("warc_file")), _int(entry.get("offset"), 0)
    where = f"{warc_file} @ {offset} (record {entry.get('record_id')}, ledger line {line})"
    path = evidence_dir / warc_file
    if not path.is_file():
        return Fault("missing_file", where, "the WARC file is gone")
    digest = sha256_of_range(path, offset, _int(entry.get("length"), 0))
    if digest != entry.get("sha256"):
        return Fault(
            "changed_record",
            where,
            f"{entry.get('record_type')} record of {entry.get('uri')} has SHA-256 {digest},"
            f" the ledger says {entry.get('sha256')}",
        )
    return None


def sha256_of_range(path: Path, offset: int, length: int) -> str:
    """The SHA-256 of `length` bytes of a file from `offset` (a record's gzip member)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        file.seek(offset)
        left = length
        while left > 0:
            chunk = file.read(min(_CHUNK, left))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def _at_or_after(stamp: Any, since: datetime | None) -> bool:
    if since is None:
        return True
    try:
        return datetime.fromisoformat(str(stamp)) >= since
    except ValueError:
        return True  # an entry whose time cannot be read is checked


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) else default
