"""`armswatch extract` (JSON lines in, annotations out) and `armswatch reannotate` (the index)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.cli.progress import batch_progress
from armswatch.settings import AppSettings
from index.selection import open_index

BATCH = 256


def _records(stream: TextIO, source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problem = f"not JSON ({error.msg}, column {error.colno})"
            raise ValueError(f"{source}:{number}: {problem}") from None
        if not isinstance(record, dict) or not isinstance(record.get("title", ""), str):
            raise ValueError(f"{source}:{number}: expected an object with a string `title`")
        yield number, record


def extract(
    path: Annotated[
        Path | None, typer.Argument(help="a JSON-lines file of listings; stdin if omitted")
    ] = None,
) -> None:
    """Annotate listings: one JSON object per input line → `{"id", "annotations"}` per line."""
    from extractors.annotator import Annotator

    annotator = Annotator.load()
    source = str(path) if path else "<stdin>"
    stream = path.open(encoding="utf-8") if path else sys.stdin
    batch: list[dict[str, Any]] = []
    try:
        for _, record in _records(stream, source):
            batch.append(record)
            if len(batch) >= BATCH:
                _write(annotator, batch)
                batch = []
        _write(annotator, batch)
    except ValueError as error:
        _write(annotator, batch)  # what came before the bad line is not lost
        typer.echo(f"{error}; fix or remove that line", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    finally:
        if path:
            stream.close()


def _write(annotator: Any, batch: list[dict[str, Any]]) -> None:
    for record, found in zip(batch, annotator.annotate_records(batch), strict=True):
        line = {"id": record.get("id"), "annotations": found.model_dump(mode="json")}
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def reannotate(
    query: Annotated[str, typer.Option(help="only listings matching this query")] = "*",
) -> None:
    """Re-run the extractors over the index (after a vocabulary change)."""
    from extractors.annotator import Annotator

    annotator = Annotator.load()
    index = open_index(AppSettings.from_env().index_url)
    console = Console(stderr=True)
    try:
        total = index.count(query)
        with batch_progress(console) as progress:
            task = progress.add_task("reannotating", total=total)
            for offset in range(0, total, BATCH):
                page = index.search(query, limit=BATCH, offset=offset, sort="oldest",
                                    highlight=False)  # fmt: skip
                listings = [hit.listing for hit in page.hits]
                index.upsert(annotator.annotate_listings(listings))
                progress.advance(task, len(listings))
    finally:
        index.close()
    console.print(f"{total} listings reannotated (vocabularies {annotator.version})")
