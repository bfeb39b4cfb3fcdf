"""`armswatch sources new NAME --from PAGE`: draft a source definition from one saved page.

Prints the drafted YAML (or writes it to `--out`, never over an existing file), then a summary
on stderr of what was found: the card selector, the cards it matched, each field and the cards
it read a value in, and the fields it could not find, so a person knows what to correct before
running `armswatch sources try`. Exits 2 when the page is missing, not HTML or has no repeated
listing cards. The drafting itself is `armswatch.source_draft`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.source_draft import DraftError, SourceDraft, draft_source


def new_source(
    name: Annotated[str, typer.Argument(help="the new source's name, e.g. 'cypher'")],
    from_file: Annotated[
        Path, typer.Option("--from", help="a saved category page of the market (HTML)")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="write the YAML here (not over a file)")
    ] = None,
) -> None:
    """Draft a source from one saved page of listing cards (the cards' fields, and the category
    and next-page links if the page shows them), to correct by hand."""
    if out is not None and out.exists():
        _fail(f"{out}: exists already; give another --out, or remove the file first")
    try:
        body = from_file.read_bytes()
    except OSError as error:
        _fail(f"{from_file}: cannot read the page ({error.strerror}); give a saved HTML page")
    try:
        draft = draft_source(name, body, None)
    except DraftError as error:
        _fail(f"{from_file}: {error}")
    if out is None:
        typer.echo(draft.yaml_text, nl=False)
    else:
        out.write_text(draft.yaml_text, encoding="utf-8")
    print_summary(draft, out, Console(stderr=True))


def print_summary(draft: SourceDraft, out: Path | None, console: Console) -> None:
    """What the draft found: card selector and count, each field's matches, what is missing."""
    console.print(
        f"cards: [bold]{escape(draft.card_selector)}[/bold] matched {draft.cards};"
        f" {draft.listings} give a listing with the draft"
    )
    table = Table("field", "selector", "cards", "check")
    for guess in draft.fields:
        where = guess.css + (f" @{guess.attr}" if guess.attr else "")
        where += f" /{guess.regex}/" if guess.regex else ""
        check = escape(guess.check or "")
        table.add_row(guess.name, escape(where), f"{guess.matched}/{draft.cards}", check)
    console.print(table)
    if draft.listing_id_pattern:
        console.print(f"listing_id_pattern: {escape(draft.listing_id_pattern)}")
    for what, link in (("follow", draft.follow), ("next page", draft.next_page)):
        found = f"{escape(link.yaml)} {escape(link.check or '')}" if link else "not on this page"
        console.print(f"{what}: {found}".rstrip())
    if draft.missing:
        console.print(f"not found: {', '.join(draft.missing)}")
    if out is not None:
        console.print(escape(f"written to {out}; try it: armswatch sources try {out} PAGE"))


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(exit_codes.BAD_INPUT)
