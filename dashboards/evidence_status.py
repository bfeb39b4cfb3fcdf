"""Whether a listing's capture is still what was captured: its WARC record re-hashed against its
ledger entry, and the entry against its own hash.

`armswatch evidence verify` (`crawlers.evidence.verify`) does this for the whole store and
walks the ledger's chain; a page checks one listing's record, so it stays fast. The states:

- `verified`: the entry matches its hash, the record's bytes its SHA-256, and the listing's
  payload SHA-256 is the entry's;
- `changed`: the record's bytes no longer hash to what the ledger says;
- `altered_entry`: the ledger entry itself was edited (it no longer matches its hash);
- `mismatch`: the listing names a payload SHA-256 the ledger entry does not hold;
- `missing`: the ledger has no entry for the record, or its WARC file is gone;
- `none`: the listing was crawled without evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from crawlers.evidence.ledger import entry_hash
from crawlers.evidence.verify import sha256_of_range
from crawlers.listing import Listing
from dashboards.captures import capture_entry

State = Literal["verified", "changed", "altered_entry", "mismatch", "missing", "none"]


@dataclass(frozen=True)
class EvidenceStatus:
    state: State
    detail: str
    entry: dict[str, Any] | None = None  # the ledger entry, when there is one

    @property
    def ok(self) -> bool:
        return self.state == "verified"


def evidence_status(evidence_dir: Path, listing: Listing) -> EvidenceStatus:
    """Re-hash the listing's WARC record and check its ledger entry."""
    return listing_status(evidence_dir, listing, capture_entry(evidence_dir, listing))


def listing_status(
    evidence_dir: Path, listing: Listing, entry: dict[str, Any] | None
) -> EvidenceStatus:
    """`evidence_status` with the listing's ledger entry found already (None: not found)."""
    if listing.evidence is None or not listing.evidence.warc_record_id:
        return EvidenceStatus("none", "crawled without evidence capture")
    if entry is None:
        return EvidenceStatus("missing", "the ledger has no entry for this record (pruned?)")
    return check_entry(evidence_dir, entry, listing.evidence.sha256)


def check_entry(
    evidence_dir: Path, entry: dict[str, Any], payload_sha256: str | None = None
) -> EvidenceStatus:
    """The state of the record of a ledger entry (as `ledger_entries` gives it, with `line`)."""
    line = entry.get("line")
    stored = {key: value for key, value in entry.items() if key != "line"}
    if entry_hash(stored) != stored.get("hash"):
        return EvidenceStatus("altered_entry", f"ledger line {line} does not match its hash", entry)
    path = evidence_dir / str(entry.get("warc_file"))
    if not path.is_file():
        return EvidenceStatus("missing", f"the WARC file {entry.get('warc_file')} is gone", entry)
    digest = sha256_of_range(path, int(entry.get("offset", 0)), int(entry.get("length", 0)))
    if digest != entry.get("sha256"):
        detail = f"the record hashes to {digest}; ledger line {line} says {entry.get('sha256')}"
        return EvidenceStatus("changed", detail, entry)
    if payload_sha256 and payload_sha256 != entry.get("payload_sha256"):
        detail = f"the listing names payload {payload_sha256}; the ledger holds another"
        return EvidenceStatus("mismatch", detail, entry)
    return EvidenceStatus("verified", f"record SHA-256 matches ledger line {line}", entry)
