"""`armswatch actors ...`: vendors resolved into actors across markets, and the analysts'
decisions on them.

`list` and `show` read the whole index (with a progress bar on stderr), link vendors that share
a strong identifier and suggest weaker links with a confidence; `link` and `unlink` keep an
analyst's decision on a pair in `<data dir>/intel.db`, respected by every later resolution.
Vendors are written MARKET:HANDLE (market name or source name, e.g. demo-market:NordicSteel).

Wired in `armswatch.cli.main` with `app.add_typer(actors_app, name="actors")`.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.actors import intel_db, resolve_vendors
from armswatch.cli import exit_codes
from armswatch.cli.progress import batch_progress
from armswatch.settings import AppSettings
from index.selection import open_index
from intel.actor_report import list_document, show_document
from intel.decisions import DecisionStore, Verdict
from intel.errors import UnknownVendorError
from intel.identifiers import gather
from intel.resolution import Resolution
from intel.vendor_records import VendorKey, VendorRecord, find_vendor

actors_app = typer.Typer(
    help="Vendors linked into actors across markets: `list`, `show`, `link`, `unlink`.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="print one JSON document")]
NoteOption = Annotated[str, typer.Option("--note", help="why, kept with the decision")]
AnalystOption = Annotated[
    str | None, typer.Option("--analyst", help="who decides (default: your login)")
]
VendorArgument = Annotated[str, typer.Argument(help="MARKET:HANDLE, e.g. demo-market:NordicSteel")]


def read_vendors(app: AppSettings, *, sign: bool = True) -> dict[VendorKey, VendorRecord]:
    """Every vendor of the index, with a progress bar on stderr."""
    index = open_index(app.index_url)
    try:
        total = index.count("*")
        with batch_progress(Console(stderr=True)) as progress:
            task = progress.add_task("reading vendors", total=total)
            return gather(index, lambda done: progress.advance(task, done), sign=sign)
    finally:
        index.close()


def resolution(app: AppSettings) -> Resolution:
    """The actors of the index, with a progress bar on stderr."""
    return resolve_vendors(app, read_vendors(app))


def _vendor_or_exit(ref: str, vendors: dict[VendorKey, VendorRecord]) -> VendorKey:
    try:
        return find_vendor(ref, vendors)
    except UnknownVendorError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND) from error


def _echo_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


@actors_app.command("list")
def list_actors(
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="suggestions at or above this confidence")
    ] = 0.5,
    firearms: Annotated[
        bool, typer.Option("--firearms", help="only actors with firearm-related listings")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Actors of two vendors or more with their evidence, then suggested links."""
    found = resolution(AppSettings.from_env())
    document = list_document(found, min_confidence=min_confidence, firearms=firearms)
    if as_json:
        _echo_json(document)
        return
    console = Console(width=200)
    actors = Table("actor", "vendors", "markets", "evidence", "firearms", title="Actors")
    for actor in document["actors"]:
        actors.add_row(
            actor["id"],
            escape(", ".join(member["vendor"] for member in actor["members"])),
            str(len(actor["markets"])),
            actor["evidence"],
            "yes" if actor["firearm_related"] else "",
        )
    console.print(actors)
    _print_suggestions(console, document["suggestions"], f"Suggestions (>= {min_confidence})")
    typer.echo(f"{len(document['actors'])} actors, {len(document['suggestions'])} suggestions")


def _print_suggestions(console: Console, suggestions: list[dict[str, Any]], title: str) -> None:
    table = Table("confidence", "vendor", "vendor", "reasons", title=title)
    for suggestion in suggestions:
        table.add_row(
            f"{suggestion['confidence']:.2f}",
            escape(suggestion["first"]),
            escape(suggestion["second"]),
            escape("; ".join(f"{r['kind']}: {r['detail']}" for r in suggestion["reasons"])),
        )
    console.print(table)


@actors_app.command("show")
def show(
    target: Annotated[str, typer.Argument(help="an actor id (or its prefix) or MARKET:HANDLE")],
    as_json: JsonOption = False,
) -> None:
    """One actor: its vendors, every link with its evidence, suggestions and decisions."""
    found = resolution(AppSettings.from_env())
    actors = [a for a in found.actors if a.id.casefold().startswith(target.casefold())]
    if len(actors) == 1 and len(target) >= 3:
        keys = actors[0].members
    else:
        keys = (_vendor_or_exit(target, dict(found.vendors)),)
    document = show_document(found, keys)
    if as_json:
        _echo_json(document)
        return
    _print_show(Console(width=200), document)


def _print_show(console: Console, document: dict[str, Any]) -> None:
    title = f"actor {document['id']}" if document["id"] else "vendor (in no actor)"
    console.print(f"[bold]{title}[/bold]")
    for member in document["members"]:
        flag = ", firearm-related" if member["firearm_related"] else ""
        console.print(f"  {escape(member['vendor'])}  ({member['listings']} listings{flag})")
    for link in document["links"]:
        console.print(f"[bold]link[/bold] {escape(link['first'])} = {escape(link['second'])}")
        for evidence in link["evidence"]:
            console.print(f"  {evidence['kind']} {escape(evidence['value'])}")
            for side in ("first", "second"):
                console.print(f"    {escape(link[side])}: {_seen(evidence[side])}")
        if link["decision"]:
            console.print(f"  {_decided(link['decision'])}")
    for link in document["rejected"]:
        console.print(f"[bold]unlinked[/bold] {escape(link['first'])} / {escape(link['second'])}")
        console.print(f"  {_decided(link['decision'])}; the evidence set aside:")
        for evidence in link["evidence"]:
            console.print(f"  {evidence['kind']} {escape(evidence['value'])}")
    if document["suggestions"]:
        _print_suggestions(console, document["suggestions"], "Suggestions")
    for decision in document["decisions"]:
        console.print(f"decision: {escape(decision['first'])} / {escape(decision['second'])}: "
                      f"{_decided(decision)}")  # fmt: skip


def _seen(sighting: dict[str, Any]) -> str:
    places = [*sighting["profiles"], *(f"listing {id_}" for id_ in sighting["listings"])]
    return escape(
        f"{', '.join(places)} (first {sighting['first_seen']}, last {sighting['last_seen']})"
    )


def _decided(decision: dict[str, Any]) -> str:
    note = f": {decision['note']}" if decision["note"] else ""
    return escape(
        f"{decision['verdict']} by {decision['analyst']} at {decision['decided_at']}{note}"
    )


def decide(first: str, second: str, verdict: Verdict, analyst: str | None, note: str) -> None:
    """Keep an analyst's decision on two vendors of the index."""
    app = AppSettings.from_env()
    vendors = read_vendors(app, sign=False)
    keys = (_vendor_or_exit(first, vendors), _vendor_or_exit(second, vendors))
    if keys[0] == keys[1]:
        typer.echo(f"error: {first!r} and {second!r} are the same vendor", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT)
    with DecisionStore(intel_db(app)) as store:
        decision = store.record(
            *keys,
            verdict,
            analyst=analyst or getpass.getuser(),
            decided_at=datetime.now(UTC),
            note=note,
        )
    labels = " and ".join(vendors[key].label for key in decision.pair)
    meaning = "one actor" if verdict == "link" else "never linked again unless re-linked"
    typer.echo(f"{verdict}ed {labels} ({meaning}), by {decision.analyst}")


@actors_app.command("link")
def link(
    first: VendorArgument,
    second: VendorArgument,
    note: NoteOption = "",
    analyst: AnalystOption = None,
) -> None:
    """Join two vendors into one actor (accept a suggestion, or link without evidence)."""
    decide(first, second, "link", analyst, note)


@actors_app.command("unlink")
def unlink(
    first: VendorArgument,
    second: VendorArgument,
    note: NoteOption = "",
    analyst: AnalystOption = None,
) -> None:
    """Keep two vendors apart (reject a suggestion or a strong link) in every later run."""
    decide(first, second, "unlink", analyst, note)
