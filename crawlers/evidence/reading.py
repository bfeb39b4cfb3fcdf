"""Reading captures back: a record's ledger entry, its WARC headers and its payload.

A record is found through its ledger entry (file, offset), read with warcio's own reader from
that offset, so what is shown or exported is what any WARC tool would read. A revisit record
holds no payload: `payload_record` follows its `WARC-Refers-To` to the capture that does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawlers.evidence.ledger import read_lines


class EvidenceNotFoundError(LookupError):
    """A record the ledger or the WARC files do not hold."""


@dataclass(frozen=True)
class StoredRecord:
    entry: dict[str, Any]  # its ledger entry
    warc_headers: dict[str, str]
    http_status: str | None  # "200 OK" for a response record
    http_headers: dict[str, str]
    payload: bytes  # the HTTP body, the rendered page, the screenshot; empty for a revisit

    @property
    def record_type(self) -> str:
        return self.warc_headers.get("WARC-Type", "")

    @property
    def content_type(self) -> str:
        return self.http_headers.get("Content-Type") or self.warc_headers.get(
            "Content-Type", "application/octet-stream"
        )


def ledger_entries(ledger: Path, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The capture entries of `record_ids`, by record id (one pass over the ledger)."""
    wanted = set(record_ids)
    found: dict[str, dict[str, Any]] = {}
    if not ledger.is_file():
        return found
    for line in read_lines(ledger):
        entry = line.entry
        if entry and entry.get("kind") == "capture" and entry.get("record_id") in wanted:
            found[str(entry["record_id"])] = {**entry, "line": line.number}
    return found


def read_record(evidence_dir: Path, entry: dict[str, Any]) -> StoredRecord:
    """The record of a ledger entry, read from its WARC file at its offset."""
    path = evidence_dir / str(entry["warc_file"])
    if not path.is_file():
        raise EvidenceNotFoundError(f"the WARC file {path} of record {entry['record_id']} is gone")
    with path.open("rb") as file:
        file.seek(int(entry["offset"]))
        for record in ArchiveIterator(file):
            http = record.http_headers
            answered = http is not None and record.rec_type in ("response", "revisit")
            return StoredRecord(
                entry=entry,
                warc_headers=dict(record.rec_headers.headers),
                http_status=http.statusline if answered else None,
                http_headers=dict(http.headers) if http is not None else {},
                payload=record.content_stream().read(),
            )
    raise EvidenceNotFoundError(f"no WARC record at offset {entry['offset']} of {path}")


def payload_record(evidence_dir: Path, ledger: Path, record: StoredRecord) -> StoredRecord:
    """The record that holds `record`'s payload: itself, or the one a revisit refers to."""
    if record.record_type != "revisit":
        return record
    original = record.warc_headers.get("WARC-Refers-To", "")
    entry = ledger_entries(ledger, [original]).get(original)
    if entry is None:
        raise EvidenceNotFoundError(
            f"the revisit {record.entry['record_id']} refers to {original}, which the ledger"
            " does not hold (pruned?)"
        )
    return read_record(evidence_dir, entry)
