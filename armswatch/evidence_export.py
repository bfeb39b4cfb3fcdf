"""Case packages for prosecutors: the evidence of chosen listings in one verifiable zip.

The package (`armswatch evidence export --case CASE-ID QUERY|IDS --out FILE.zip`) holds:

- `warc/<case>.warc.gz`: the WARC records of the listings and of every stored version of them
  (with the records revisits refer to, and the `warcinfo` record of each WARC file they came
  from: what crawled them, how), copied byte for byte: each record is its own gzip member,
  so the file is a valid WARC file and each record still has the SHA-256 the ledger holds;
- `screenshots/`: the screenshots of the listings (named by their SHA-256);
- `listings.json` (every version, every field) and `listings.csv` (the key fields);
- `ledger.jsonl`: the run of ledger entries from the first of these records to the last, an
  unbroken hash chain anyone can re-walk, anchored on the live ledger by its first `prev`;
- `manifest-sha256.txt`: the SHA-256 of every other file, in `sha256sum -c` format;
- `README.txt`: what the package is and how to verify it with standard tools.

Each export is recorded in the ledger itself (kind `export`: who, when, the case, what, the
package's SHA-256, until when the case holds the records against pruning), so the record of
exports is as tamper-evident as the captures.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawlers.evidence.ledger import LEDGER_FILE, Ledger, LedgerLine, read_lines
from crawlers.listing import Listing
from index.backend import IndexBackend

CSV_FIELDS = (
    "id", "version", "status", "source", "market", "url", "title", "price", "currency",
    "vendor", "ships_from", "ships_to", "captured_at", "category", "warc_record_id", "sha256",
)  # fmt: skip
README = """Case {case}: evidence package made by armswatch on {made} (UTC) by {who}.

What is here
- warc/{case}.warc.gz  the captured web pages (ISO 28500 WARC, one gzip member per record)
- screenshots/         screenshots of the pages as a browser rendered them
- listings.json/.csv   the listings as armswatch read them from those pages, every version
- ledger.jsonl         the armswatch evidence ledger's entries for these records, in order
- manifest-sha256.txt  the SHA-256 of every file above

How to verify
1. Unzip, then in this folder run:   sha256sum -c manifest-sha256.txt
   Every line must say OK.
2. Open the WARC file with any WARC reader, e.g.   warcio index warc/{case}.warc.gz
   (pip install warcio), or replay it in ReplayWeb.page.
3. Each ledger line's "sha256" is the SHA-256 of one stored record: the "length" bytes at
   "offset" of the original WARC file named in "warc_file"; the same bytes are in the WARC
   file here. Each line's "hash" is the SHA-256 of the line's JSON without "hash" (sorted
   keys, no spaces), and its "prev" is the "hash" of the line before: an unbroken chain.
"""


class ExportError(Exception):
    """Nothing to export (no listing matched, or none has evidence)."""


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    listings: int
    versions: int
    records: int
    sha256: str


def export_case(
    index: IndexBackend,
    evidence_dir: Path,
    case: str,
    selection: Sequence[str],
    out: Path,
    who: str,
    retain_until: datetime | None = None,
) -> ExportSummary:
    """Write the case package of the listings `selection` names (ids, else one query)."""
    listings = _selected(index, selection)
    versions = [version for listing in listings for version in index.history(listing.id)]
    ledger = evidence_dir / LEDGER_FILE
    lines = list(read_lines(ledger))  # read once: for the records and for the run of lines
    entries = _entries(lines, _record_ids(versions))
    if not entries:
        raise ExportError(f"none of the {len(listings)} listings selected has captured evidence")
    files = _package_files(case, evidence_dir, lines, versions, entries, who)
    _write_zip(out, files)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    Ledger(ledger).append(
        [
            {
                "kind": "export",
                "case": case,
                "who": who,
                "listings": [listing.id for listing in listings],
                "records": sorted(entries),
                "package": out.name,
                "package_sha256": digest,
                "retain_until": retain_until.isoformat() if retain_until else None,
            }
        ]
    )
    return ExportSummary(out, len(listings), len(versions), len(entries), digest)


def _selected(index: IndexBackend, selection: Sequence[str]) -> list[Listing]:
    found = index.get_many(selection)
    if found:  # ids: every one must be known
        unknown = [listing_id for listing_id in selection if listing_id not in found]
        if unknown:
            raise ExportError(f"no listing with the id(s) {', '.join(unknown)}")
        return [found[listing_id] for listing_id in selection]
    listings = list(index.scan_listings(" ".join(selection)))
    if not listings:
        raise ExportError(f"no listing has the id(s) or matches the query {' '.join(selection)!r}")
    return listings


def _record_ids(versions: Iterable[Listing]) -> set[str]:
    return {v.evidence.warc_record_id for v in versions if v.evidence and v.evidence.warc_record_id}


def _entries(lines: Sequence[LedgerLine], record_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The capture entries of the records, with those revisits refer to (by payload digest,
    the earliest capture of the same URI and payload) and the warcinfo of their files."""
    captures = [line.entry for line in lines if line.entry]
    captures = [entry for entry in captures if entry.get("kind") == "capture"]
    chosen = {entry["record_id"]: entry for entry in captures if entry["record_id"] in record_ids}
    originals = {
        (entry["uri"], entry["payload_sha256"])
        for entry in chosen.values()
        if entry.get("record_type") == "revisit"
    }
    files = {entry["warc_file"] for entry in chosen.values()}
    for entry in captures:
        key = (entry.get("uri"), entry.get("payload_sha256"))
        if key in originals and entry.get("record_type") != "revisit":
            chosen.setdefault(entry["record_id"], entry)
            originals.discard(key)
            files.add(entry["warc_file"])
    for entry in captures:
        if entry.get("record_type") == "warcinfo" and entry["warc_file"] in files:
            chosen.setdefault(entry["record_id"], entry)
    return chosen


def _package_files(
    case: str,
    evidence_dir: Path,
    lines: Sequence[LedgerLine],
    versions: Sequence[Listing],
    entries: dict[str, dict[str, Any]],
    who: str,
) -> dict[str, bytes]:
    files = {f"warc/{case}.warc.gz": _warc_bytes(evidence_dir, entries.values())}
    for shot in _screenshots(versions):
        files[f"screenshots/{shot.name}"] = shot.read_bytes()
    files["listings.json"] = json.dumps(
        [version.model_dump(mode="json") for version in versions], indent=2, ensure_ascii=False
    ).encode("utf-8")
    files["listings.csv"] = _csv(versions)
    files["ledger.jsonl"] = _ledger_run(lines, {entry["seq"] for entry in entries.values()})
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    files["README.txt"] = README.format(case=case, made=made, who=who).encode("utf-8")
    manifest = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    )
    files["manifest-sha256.txt"] = manifest.encode("utf-8")
    return files


def _screenshots(versions: Iterable[Listing]) -> set[Path]:
    paths = {Path(v.evidence.screenshot) for v in versions if v.evidence and v.evidence.screenshot}
    return {path for path in paths if path.is_file()}


def _warc_bytes(evidence_dir: Path, entries: Iterable[dict[str, Any]]) -> bytes:
    """The records' stored bytes, warcinfo first, then in capture order."""
    ordered = sorted(entries, key=lambda entry: (entry["record_type"] != "warcinfo", entry["seq"]))
    out = io.BytesIO()
    for entry in ordered:
        with (evidence_dir / entry["warc_file"]).open("rb") as file:
            file.seek(int(entry["offset"]))
            out.write(file.read(int(entry["length"])))
    return out.getvalue()


def _ledger_run(lines: Sequence[LedgerLine], seqs: set[int]) -> bytes:
    """The ledger's lines from the first of `seqs` to the last, as they are in the ledger."""
    first, last = min(seqs), max(seqs)
    run = [line.text + "\n" for line in lines if first <= _seq(line.entry) <= last]
    return "".join(run).encode("utf-8")


def _seq(entry: dict[str, Any] | None) -> int:
    seq = entry.get("seq") if entry else None
    return seq if isinstance(seq, int) else -1


def _csv(versions: Sequence[Listing]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CSV_FIELDS)
    for version in versions:
        writer.writerow(_csv_row(version))
    return text.getvalue().encode("utf-8")


def _csv_row(listing: Listing) -> list[str]:
    price, evidence = listing.price, listing.evidence
    return [
        listing.id, str(listing.version), listing.status, listing.source, listing.market,
        listing.url, listing.title, "" if price is None else str(price.amount),
        (price.currency if price else None) or "", listing.vendor.handle if listing.vendor else "",
        " ".join(listing.ships_from), " ".join(listing.ships_to), listing.captured_at.isoformat(),
        listing.annotations.category if listing.annotations else "",
        (evidence.warc_record_id if evidence else None) or "",
        (evidence.sha256 if evidence else None) or "",
    ]  # fmt: skip


def _write_zip(out: Path, files: dict[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(name, data)
    partial.replace(out)
