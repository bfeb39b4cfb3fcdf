"""`armswatch rules ...`: check the alert rules, list them, and back-test one on the index.

Wired in `armswatch.cli.main` with `app.add_typer(rules_app, name="rules")`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from index.selection import open_index
from rules.backtest import WouldFire, backtest
from rules.loader import RuleConfigError, RuleSet, UnknownRuleError, load_rules
from rules.model import window_start

rules_app = typer.Typer(
    help="Alert rules: `validate`, `list`, and `test RULE` against the index.",
    no_args_is_help=True,
)
DirectoryOption = Annotated[
    Path | None, typer.Option("--dir", help="the rules directory (default: ARMSWATCH_RULES)")
]


def rules_or_exit(directory: Path | None = None) -> RuleSet:
    """The rules of the directory (default: the configured one), or exit 2 listing problems."""
    directory = directory or AppSettings.from_env().rules_dir
    try:
        return load_rules(directory)
    except RuleConfigError as error:
        for problem in error.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None


@rules_app.command("validate")
def validate(directory: DirectoryOption = None) -> None:
    """Check every rule file and channels.yaml; each problem with file, line, field and fix."""
    rules = rules_or_exit(directory)
    enabled = len(rules.enabled)
    typer.echo(f"ok: {len(rules.rules)} rules ({enabled} enabled), {len(rules.channels)} channels")


@rules_app.command("list")
def list_rules(directory: DirectoryOption = None) -> None:
    """List the rules: severity, owner, channels, digest window and whether enabled."""
    rules = rules_or_exit(directory)
    table = Table("rule", "severity", "enabled", "owner", "channels", "digest", "file")
    for name, rule in rules.rules.items():
        table.add_row(
            name,
            rule.severity,
            "yes" if rule.enabled else "no",
            rule.owner,
            ", ".join(rule.channels),
            str(rule.digest) if rule.digest else "",
            rules.files[name].name,
        )
    Console(width=200).print(table)


@rules_app.command("test")
def test_rule(
    name: Annotated[str, typer.Argument(help="the rule's name")],
    since: Annotated[
        str | None, typer.Option(help="only versions captured within this time, e.g. 30d")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="rows to print (0: count only)")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
    directory: DirectoryOption = None,
) -> None:
    """Back-test a rule on the index: what it would have fired, without sending anything."""
    rules = rules_or_exit(directory)
    try:
        rule = rules.rule(name)
        start = window_start(since, datetime.now(UTC))
    except (UnknownRuleError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    index = open_index(AppSettings.from_env().index_url)
    try:
        fired = backtest(rule, index, start)
    finally:
        index.close()
    if as_json:
        for item in fired[:limit]:
            typer.echo(json.dumps(_row(item)))
    elif limit:
        _print_table(fired[:limit])
    listings = len({item.listing.id for item in fired})
    window = f" since {start:%Y-%m-%d %H:%M} UTC" if start and start.year > 1 else ""
    typer.echo(
        f"{rule.name} would have fired {len(fired)} alerts for {listings} listings{window}; "
        "nothing was sent",
        err=as_json,
    )


def _row(item: WouldFire) -> dict[str, object]:
    listing = item.listing
    return {
        "captured_at": listing.captured_at.isoformat(),
        "reason": item.reason,
        "listing_id": listing.id,
        "version": listing.version,
        "market": listing.market,
        "vendor": listing.vendor.handle if listing.vendor else None,
        "title": listing.title,
        "url": listing.url,
    }


def _print_table(fired: list[WouldFire]) -> None:
    table = Table("captured", "reason", "listing", "v", "market", "vendor", "title")
    for item in fired:
        row = _row(item)
        table.add_row(
            item.listing.captured_at.strftime("%Y-%m-%d %H:%M"),
            item.reason,
            item.listing.id,
            str(item.version),
            item.listing.market,
            str(row["vendor"] or ""),
            item.listing.title[:70],
        )
    Console(width=200).print(table)
