"""A listing's capture in the evidence store, as the listing and evidence views read it: its
ledger entry, its WARC record (and the one holding its payload, for a revisit), the warcinfo
of its WARC file, the raw record bytes, and its screenshot file.

What `armswatch evidence show` does, for one listing, with `crawlers.evidence.reading`. A WARC
file is read where the ledger says its record is; a record that cannot be read (gone, or its
bytes changed so the gzip member no longer inflates) is reported as an error string, never
raised: the page still shows the rest.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.evidence.ledger import LEDGER_FILE
from crawlers.evidence.reading import StoredRecord, ledger_entries, payload_record, read_record
from crawlers.listing import Listing

logger = logging.getLogger(__name__)

SCREENSHOT_NAME = re.compile(r"^[0-9a-f]{64}\.png$")  # `<sha256>.png`, as the crawl names them
# warcinfo fields shown on the evidence page (the source definition itself is long: its hash is)
WARCINFO_SHOWN = (
    "software",
    "isPartOf",
    "network",
    "proxy",
    "http-header-user-agent",
    "source-definition-sha256",
    "created",
    "format",
)


@dataclass(frozen=True)
class Capture:
    """A listing's capture: the ledger entry, and the records as far as they could be read."""

    entry: dict[str, Any]
    record: StoredRecord | None = None
    holder: StoredRecord | None = None  # the record with the payload (the revisited one)
    warcinfo: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # why the records could not be read

    @property
    def payload(self) -> bytes:
        return self.holder.payload if self.holder else b""

    @property
    def media_type(self) -> str:
        """The payload's media type (`text/html`), lowercase, without its parameters."""
        kind = self.holder.content_type if self.holder else "application/octet-stream"
        return kind.split(";")[0].strip().lower()


def ledger_path(evidence_dir: Path) -> Path:
    return evidence_dir / LEDGER_FILE


def record_id(listing: Listing) -> str | None:
    return listing.evidence.warc_record_id if listing.evidence else None


def capture_entry(evidence_dir: Path, listing: Listing) -> dict[str, Any] | None:
    """The ledger's capture entry of the listing's WARC record (with its `line`), or None."""
    wanted = record_id(listing)
    if not wanted:
        return None
    return ledger_entries(ledger_path(evidence_dir), [wanted]).get(wanted)


def read_capture(evidence_dir: Path, entry: dict[str, Any]) -> Capture:
    """The records of a ledger entry and the warcinfo of their file, as far as they read."""
    try:
        record = read_record(evidence_dir, entry)
        holder = payload_record(evidence_dir, ledger_path(evidence_dir), record)
    except Exception as error:  # a changed gzip member fails in zlib, warcio or the reader
        logger.warning("cannot read capture %s: %s", entry.get("record_id"), error)
        return Capture(entry, error=f"{type(error).__name__}: {error}")
    return Capture(entry, record, holder, warcinfo_fields(evidence_dir, str(entry["warc_file"])))


def warcinfo_fields(evidence_dir: Path, warc_file: str) -> dict[str, str]:
    """The shown fields of the `warcinfo` record at the start of a WARC file ({} if none)."""
    try:
        first = read_record(evidence_dir, {"warc_file": warc_file, "offset": 0, "record_id": ""})
    except Exception as error:  # as in `read_capture`: shown without, never a failed page
        logger.warning("cannot read the warcinfo of %s: %s", warc_file, error)
        return {}
    if first.record_type != "warcinfo":
        return {}
    fields = {}
    for line in first.payload.decode("utf-8", errors="replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() in WARCINFO_SHOWN:
            fields[name.strip()] = value.strip()
    return {name: fields[name] for name in WARCINFO_SHOWN if name in fields}


def raw_record(evidence_dir: Path, entry: dict[str, Any]) -> bytes:
    """The record's gzip member as stored: a WARC file of one record that any reader opens."""
    with (evidence_dir / str(entry["warc_file"])).open("rb") as file:
        file.seek(int(entry["offset"]))
        return file.read(int(entry["length"]))


def screenshot_file(screenshots_dir: Path, listing: Listing) -> Path | None:
    """The listing's screenshot in this data directory's store (`<source>/<sha256>.png`).

    Only the file's source folder and name are taken from the listing, so a listing can never
    name a file outside the store (and an index copied from another data directory still
    finds its screenshots here)."""
    stored = listing.evidence.screenshot if listing.evidence else None
    if not stored:
        return None
    name, source = Path(stored).name, Path(stored).parent.name
    if not SCREENSHOT_NAME.match(name) or source in ("", ".", ".."):
        return None
    path = screenshots_dir / source / name
    return path if path.is_file() else None
