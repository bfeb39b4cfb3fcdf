"""`armswatch evidence ...`: the evidence store of every capture, checked and opened.

- `verify [--since DATE]`: walk the ledger's hash chain and re-hash the WARC records (those
  captured since DATE only, the chain always whole); every changed, missing or reordered
  record or entry is printed with its place; exit 1 on any fault.
- `export --case CASE-ID QUERY|IDS --out FILE.zip`: the case package of the listings (see
  `armswatch.evidence_export`), recorded in the ledger with who made it;
- `prune [--dry-run]`: remove the captures past their source's retention that no case holds
  (`armswatch.evidence_retention`), recorded in the ledger;
- `show ID --out DIR`: a listing's capture (or a record's, by its `<urn:uuid:...>` id): its
  metadata printed, and the captured page, its WARC record and the screenshot written to
  `DIR/<id>/` so they can be opened.

Wired in `armswatch.cli.main` with `app.add_typer(evidence_app, name="evidence")`.
"""

from __future__ import annotations

import getpass
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.evidence_export import ExportError, export_case
from armswatch.evidence_retention import prune_evidence
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.evidence.ledger import LEDGER_FILE
from crawlers.evidence.reading import (
    EvidenceNotFoundError,
    StoredRecord,
    ledger_entries,
    payload_record,
    read_record,
)
from crawlers.evidence.verify import VerifyReport, verify_evidence
from crawlers.listing import Listing
from crawlers.source_loader import load_all
from index.selection import open_index

evidence_app = typer.Typer(
    help="The evidence store: `verify` its ledger and WARC records, `show` a capture.",
    no_args_is_help=True,
)
_PAGE_NAMES = {"text/html": "page.html", "image/png": "screenshot.png"}


@evidence_app.command("verify")
def verify(
    since: Annotated[
        str | None,
        typer.Option(help="re-hash only records captured since (2026-11-01, '30 days ago')"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Re-hash the WARC records and walk the ledger's chain; exit 1 on any fault."""
    app = AppSettings.from_env()
    start = _since(since) if since else None
    console = Console(stderr=True)
    with console.status("verifying the evidence store…"):
        report = verify_evidence(app.evidence_dir, app.evidence_dir / LEDGER_FILE, start)
    if as_json:
        typer.echo(json.dumps(_report_json(report), indent=2))
    else:
        _print_report(report, app.evidence_dir)
    if not report.ok:
        raise typer.Exit(exit_codes.FAILED)


@evidence_app.command("show")
def show(
    capture_id: Annotated[
        str, typer.Argument(metavar="ID", help="a listing id, or a WARC record id <urn:uuid:…>")
    ],
    out: Annotated[Path, typer.Option(help="folder to write the captured page into")] = Path(
        "evidence-view"
    ),
) -> None:
    """Print a capture's metadata and write its page, WARC record and screenshot to a folder."""
    app = AppSettings.from_env()
    listing = None if capture_id.startswith("<urn:") else _listing(app, capture_id)
    record_id = listing.evidence.warc_record_id if listing and listing.evidence else capture_id
    ledger = app.evidence_dir / LEDGER_FILE
    entry = ledger_entries(ledger, [record_id or ""]).get(record_id or "")
    if entry is None:
        typer.echo(f"no captured record for {capture_id!r} in the ledger {ledger}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND)
    try:
        record = read_record(app.evidence_dir, entry)
        holder = payload_record(app.evidence_dir, ledger, record)
    except EvidenceNotFoundError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_codes.FAILED) from None
    folder = out / _safe_name(capture_id)
    written = _write_view(folder, app.evidence_dir, record, holder, listing)
    _print_capture(record, holder, listing, written)


@evidence_app.command("export")
def export(
    selection: Annotated[
        list[str], typer.Argument(metavar="QUERY|IDS", help="listing ids, or one Lucene query")
    ],
    case: Annotated[str, typer.Option("--case", help="the case id the package is for")],
    out: Annotated[Path, typer.Option("--out", help="the zip file to write")],
    who: Annotated[
        str | None, typer.Option(help="who exports (recorded; default: the login name)")
    ] = None,
    retain_days: Annotated[
        int | None,
        typer.Option(
            min=1, help="days the case holds its records against pruning (default: for good)"
        ),
    ] = None,
) -> None:
    """Write a case package (WARC records, screenshots, listings, ledger run, SHA-256
    manifest, README) for prosecutors; the export is recorded in the ledger."""
    app = AppSettings.from_env()
    index = open_index(app.index_url)
    try:
        with Console(stderr=True).status(f"exporting case {escape(case)}…"):
            until = datetime.now(UTC) + timedelta(days=retain_days) if retain_days else None
            summary = export_case(
                index, app.evidence_dir, case, selection, out, who or getpass.getuser(), until
            )
    except ExportError as error:
        typer.echo(f"nothing exported: {error}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND) from None
    finally:
        index.close()
    typer.echo(
        f"case {case}: {summary.listings} listings ({summary.versions} versions),"
        f" {summary.records} WARC records -> {summary.path} (SHA-256 {summary.sha256})"
    )


@evidence_app.command("prune")
def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would go; delete nothing")
    ] = False,
) -> None:
    """Remove the WARC files past their source's `evidence_retention_days` that no case
    holds; each pruning is recorded in the ledger first."""
    app = AppSettings.from_env()
    try:
        sources = load_all(app.sources_dirs)
    except CrawlersError as error:
        typer.echo(f"cannot read the sources' retention: {error}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    retention = {name: source.evidence_retention_days for name, source in sources.items()}
    report = prune_evidence(app.evidence_dir, retention, datetime.now(UTC), dry_run=dry_run)
    verb = "would prune" if dry_run else "pruned"
    typer.echo(f"{verb} {len(report.pruned_files)} WARC files ({report.pruned_records} records)")
    for name in report.pruned_files:
        typer.echo(f"  {verb}: {name}")
    for name, holder in report.held_files.items():
        typer.echo(f"  kept past retention: {name} (held by {holder})")


def _listing(app: AppSettings, listing_id: str) -> Listing:
    index = open_index(app.index_url)
    try:
        listing = index.get(listing_id)
    finally:
        index.close()
    if listing is None or listing.evidence is None or not listing.evidence.warc_record_id:
        what = "no listing" if listing is None else "no captured evidence for the listing"
        typer.echo(f"{what} {listing_id!r}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND)
    return listing


def _write_view(
    folder: Path,
    evidence_dir: Path,
    record: StoredRecord,
    holder: StoredRecord,
    listing: Listing | None,
) -> list[Path]:
    """The page (payload), the raw record(s) and the screenshot, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    kind = holder.content_type.split(";")[0].strip().lower()
    page = folder / _PAGE_NAMES.get(kind, "payload.bin")
    page.write_bytes(holder.payload)
    written = [page]
    for stored in {id(record): record, id(holder): holder}.values():
        raw = folder / f"{stored.record_type}.warc.gz"
        raw.write_bytes(_raw_bytes(evidence_dir, stored.entry))
        written.append(raw)
    screenshot = listing.evidence.screenshot if listing and listing.evidence else None
    if screenshot and Path(screenshot).is_file():
        written.append(Path(shutil.copyfile(screenshot, folder / "screenshot.png")))
    (folder / "metadata.json").write_text(
        json.dumps(_metadata(record, holder, listing), indent=2, ensure_ascii=False)
    )
    return [*written, folder / "metadata.json"]


def _raw_bytes(evidence_dir: Path, entry: dict[str, Any]) -> bytes:
    """The record's gzip member as stored: a WARC file of one record any reader opens."""
    with (evidence_dir / str(entry["warc_file"])).open("rb") as file:
        file.seek(int(entry["offset"]))
        return file.read(int(entry["length"]))


def _metadata(
    record: StoredRecord, holder: StoredRecord, listing: Listing | None
) -> dict[str, Any]:
    entry = record.entry
    return {
        "record_id": entry["record_id"],
        "record_type": record.record_type,
        "uri": entry.get("uri"),
        "captured_at": entry.get("captured_at"),
        "source": entry.get("source"),
        "warc_file": entry.get("warc_file"),
        "offset": entry.get("offset"),
        "record_sha256": entry.get("sha256"),
        "payload_sha256": entry.get("payload_sha256"),
        "ledger_seq": entry.get("seq"),
        "http_status": record.http_status,
        "payload_from": holder.entry["record_id"],
        "warc_headers": record.warc_headers,
        "listing": listing.id if listing else None,
    }


def _print_capture(
    record: StoredRecord, holder: StoredRecord, listing: Listing | None, written: list[Path]
) -> None:
    console = Console()
    meta = _metadata(record, holder, listing)
    table = Table(show_header=False, box=None)
    for key in ("listing", "record_id", "record_type", "uri", "captured_at", "source"):
        table.add_row(key, escape(str(meta[key])))
    for key in ("warc_file", "offset", "http_status", "record_sha256", "payload_sha256"):
        table.add_row(key, escape(str(meta[key])))
    if holder is not record:
        table.add_row("payload from", escape(f"{meta['payload_from']} (unchanged since)"))
    console.print(table)
    for path in written:
        console.print(f"wrote {escape(str(path))}")


def _print_report(report: VerifyReport, evidence_dir: Path) -> None:
    console = Console()
    console.print(
        f"{report.entries} ledger entries, {report.records_checked} WARC records re-hashed,"
        f" {report.records_pruned} pruned, in {escape(str(evidence_dir))}"
    )
    if report.ok:
        console.print("[green]evidence verified: no fault[/green]")
        return
    for fault in report.faults:  # one line each, never wrapped: for grep and for the record
        typer.echo(f"FAULT {fault}")
    console.print(f"[red]{len(report.faults)} faults[/red]")


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "entries": report.entries,
        "records_checked": report.records_checked,
        "records_pruned": report.records_pruned,
        "faults": [vars(fault) for fault in report.faults],
    }


def _since(text: str) -> datetime:
    import dateparser  # a second to import: only when a date is given

    parsed = dateparser.parse(text, settings={"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True})
    if parsed is None:
        typer.echo(f"--since: cannot read {text!r} as a date (e.g. 2026-11-01)", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    return parsed.astimezone(UTC)


def _safe_name(text: str) -> str:
    return "".join(char if char.isalnum() or char in "-_." else "_" for char in text).strip("_")
