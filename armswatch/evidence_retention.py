"""Retention: remove captures past their source's retention period, and say so in the ledger.

A source keeps its captures `evidence_retention_days` (its YAML; none: kept for good). A WARC
file is the unit removed: records cannot leave a file without changing the offsets and hashes
of the others. A file is pruned when its source has a retention period, every record in it is
older than that, and nothing holds it:

- a case: an export (`armswatch evidence export`) keeps its records until its `retain_until`
  (`--retain-days`; none: until the case is exported again with one);
- a revisit kept elsewhere whose payload is in the file (it would lose its payload).

The pruning is written to the ledger (kind `prune`: the file, its record ids, why) before
the file is deleted, so `armswatch evidence verify` knows those records are gone on purpose
and the chain still verifies; a crash between the two leaves a file the ledger calls pruned,
which the next prune deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawlers.evidence.digests import DIGESTS_FILE, DigestIndex
from crawlers.evidence.ledger import LEDGER_FILE, Ledger, read_lines


@dataclass
class PruneReport:
    pruned_files: list[str] = field(default_factory=list)
    pruned_records: int = 0
    held_files: dict[str, str] = field(default_factory=dict)  # file -> what holds it


@dataclass
class _WarcFile:
    source: str
    newest: datetime
    record_ids: list[str] = field(default_factory=list)
    payloads: set[tuple[str, str]] = field(default_factory=set)  # (uri, payload) it holds
    revisited: set[tuple[str, str]] = field(default_factory=set)  # ... its revisits refer to


def prune_evidence(
    evidence_dir: Path,
    retention_days: Mapping[str, int | None],
    now: datetime,
    *,
    dry_run: bool = False,
) -> PruneReport:
    """Prune the WARC files past retention (see the module docstring); what was pruned."""
    entries = [line.entry for line in read_lines(evidence_dir / LEDGER_FILE) if line.entry]
    files, pruned = _files(entries)
    held = _held_records(entries, now)
    report = PruneReport()
    for name, warc in sorted(files.items()):
        if name in pruned and not (evidence_dir / name).exists():
            continue  # pruned and gone
        days = retention_days.get(warc.source)
        if days is None or warc.newest >= now - timedelta(days=days):
            continue
        holder = _holder(name, warc, files, held, now, retention_days)
        if holder is not None:
            report.held_files[name] = holder
            continue
        report.pruned_files.append(name)
        report.pruned_records += len(warc.record_ids)
        if not dry_run:
            _prune_file(evidence_dir, name, warc, days, already=name in pruned)
    return report


def _files(entries: Iterable[dict[str, Any]]) -> tuple[dict[str, _WarcFile], set[str]]:
    """The WARC files still held (by the ledger's captures), and those pruned already."""
    files: dict[str, _WarcFile] = {}
    pruned: set[str] = set()
    for entry in entries:
        if entry.get("kind") == "prune":
            pruned.add(str(entry.get("warc_file")))
        if entry.get("kind") != "capture":
            continue
        captured = datetime.fromisoformat(str(entry["captured_at"]))
        warc = files.setdefault(entry["warc_file"], _WarcFile(entry["source"], captured))
        warc.newest = max(warc.newest, captured)
        warc.record_ids.append(entry["record_id"])
        if entry.get("payload_sha256"):
            revisit = entry.get("record_type") == "revisit"
            (warc.revisited if revisit else warc.payloads).add(
                (entry["uri"], entry["payload_sha256"])
            )
    for name in pruned:  # a file pruned but not deleted (a crash) is deleted again
        if name in files:
            files[name].newest = datetime.min.replace(tzinfo=files[name].newest.tzinfo)
    return files, pruned


def _held_records(entries: Iterable[dict[str, Any]], now: datetime) -> dict[str, str]:
    """Record ids held by a case export, with the case, while its retention runs."""
    held: dict[str, str] = {}
    for entry in entries:
        if entry.get("kind") != "export":
            continue
        until = entry.get("retain_until")
        if until is None or datetime.fromisoformat(str(until)) > now:
            held.update(dict.fromkeys(entry.get("records", []), f"case {entry.get('case')}"))
    return held


def _holder(
    name: str,
    warc: _WarcFile,
    files: Mapping[str, _WarcFile],
    held: Mapping[str, str],
    now: datetime,
    retention_days: Mapping[str, int | None],
) -> str | None:
    """What keeps the file: a case holding one of its records, or a kept revisit."""
    for record_id in warc.record_ids:
        if record_id in held:
            return held[record_id]
    for other_name, other in files.items():
        days = retention_days.get(other.source)
        kept = days is None or other.newest >= now - timedelta(days=days)
        if other_name != name and kept and warc.payloads & other.revisited:
            return f"revisits in {other_name}"
    return None


def _prune_file(
    evidence_dir: Path, name: str, warc: _WarcFile, days: int, *, already: bool
) -> None:
    if not already:
        why = f"every record is older than the source's retention of {days} days"
        Ledger(evidence_dir / LEDGER_FILE).append_pruning(warc.source, name, warc.record_ids, why)
    (evidence_dir / name).unlink(missing_ok=True)
    digests = DigestIndex(evidence_dir / DIGESTS_FILE)
    try:
        digests.forget_file(name)
    finally:
        digests.close()
