"""`armswatch share`: export firearm leads as tracing records (CSV, JSON) or a STIX 2.1 bundle."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TextIO

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.cli.progress import batch_progress
from armswatch.settings import AppSettings
from crawlers.listing import Listing
from index.backend import IndexBackend
from index.errors import QuerySyntaxError
from index.selection import open_index
from intel.sharing.leads import LeadSelection, select_leads
from intel.sharing.stix import (
    DEFAULT_PRODUCER,
    observed_leads,
    stix_bundle,
    tlp_marking,
    write_bundle,
)
from intel.sharing.tracing import tracing_records, write_csv, write_json

share_app = typer.Typer(
    help="Share firearm leads: tracing records (CSV, JSON) and STIX 2.1 bundles.",
    no_args_is_help=True,
)
TRACING_FORMATS = ("csv", "json")

QueryArgument = Annotated[
    str, typer.Argument(help="Lucene syntax, as `armswatch search` takes it (default: all)")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="write to this file (default: stdout)")
]
VendorsOption = Annotated[
    bool,
    typer.Option("--with-vendors", help="add the vendor handle and profile URL to each record"),
]
ComponentsOption = Annotated[
    bool,
    typer.Option(
        "--include-components",
        help="also export essential components, conversion devices and 3D-printed guns",
    ),
]


@share_app.command("tracing")
def tracing(
    query: QueryArgument = "*",
    output_format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    out: OutOption = None,
    with_vendors: VendorsOption = False,
    include_components: ComponentsOption = False,
) -> None:
    """Firearm leads as tracing records: one CSV row (or JSON record) per lead."""
    if output_format not in TRACING_FORMATS:
        _fail(f"unknown format {output_format!r}: use {' or '.join(TRACING_FORMATS)}")

    def write(listings: Iterable[Listing], stream: TextIO) -> int:
        records = tracing_records(listings, with_vendors=with_vendors)
        if output_format == "json":
            return write_json(records, stream, query=query, with_vendors=with_vendors)
        return write_csv(records, stream, with_vendors=with_vendors)

    _export(query, out, include_components, output_format, write)


@share_app.command("stix")
def stix(
    query: QueryArgument = "*",
    out: OutOption = None,
    producer: Annotated[
        str, typer.Option(help="the unit that shares the leads (the bundle's identity)")
    ] = DEFAULT_PRODUCER,
    tlp: Annotated[str, typer.Option(help="TLP marking: clear, green, amber or red")] = "amber",
    with_vendors: VendorsOption = False,
    include_components: ComponentsOption = False,
) -> None:
    """Firearm leads as a STIX 2.1 bundle: one observed-data per lead."""
    try:
        tlp_marking(tlp)
    except ValueError as error:
        _fail(str(error))
    if not producer.strip():
        _fail("--producer is empty: name the unit that shares the leads")

    def write(listings: Iterable[Listing], stream: TextIO) -> int:
        bundle = stix_bundle(listings, producer=producer, tlp=tlp, with_vendors=with_vendors)
        write_bundle(bundle, stream)
        return sum(1 for _ in observed_leads(bundle))

    _export(query, out, include_components, "STIX 2.1", write)


Writer = Callable[[Iterable[Listing], TextIO], int]


def export_leads(
    index: IndexBackend,
    query: str,
    stream: TextIO,
    write: Writer,
    *,
    include_components: bool = False,
    console: Console | None = None,
) -> int:
    """Write the leads of `query` with `write`, with a progress bar on `console`; how many."""
    selection = select_leads(index, query, include_components=include_components)
    if console is None:
        return write(selection.listings, stream)
    with batch_progress(console) as progress:
        task = progress.add_task("exporting leads", total=selection.count)
        return write(_advancing(selection, lambda: progress.advance(task)), stream)


def _export(
    query: str, out: Path | None, include_components: bool, kind: str, write: Writer
) -> None:
    console = Console(stderr=True)
    if out is not None and not out.parent.is_dir():
        _fail(f"cannot write {out}: the directory {out.parent} does not exist")
    index = open_index(AppSettings.from_env().index_url)
    try:
        with _output(out) as stream:
            count = export_leads(
                index, query, stream, write, include_components=include_components,
                console=console,
            )  # fmt: skip
    except QuerySyntaxError as error:
        _fail(str(error))
    finally:
        index.close()
    where = str(out) if out is not None else "stdout"
    console.print(f"{count} leads written to {where} ({kind})")


@contextmanager
def _output(out: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written in full under a temporary name first (no half-written file
    is left behind when the export fails)."""
    if out is None:
        yield sys.stdout
        return
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _advancing(selection: LeadSelection, advance: Callable[[], None]) -> Iterator[Listing]:
    for listing in selection.listings:
        yield listing
        advance()


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(exit_codes.BAD_INPUT)
