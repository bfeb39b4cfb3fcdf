"""`armswatch demo`: serve the demo marketplaces, crawl them into the index, show first searches."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console

from armswatch.cli import exit_codes
from armswatch.demo_job import FIRST_SEARCHES, DemoSummary, run_demo
from armswatch.settings import AppSettings


def demo(
    day: Annotated[int, typer.Option(min=1, help="the demo sites as they are on day N")] = 1,
    serve_only: Annotated[
        bool, typer.Option("--serve-only", help="only serve the sites, until Ctrl-C")
    ] = False,
    hostile: Annotated[
        bool,
        typer.Option(
            "--hostile",
            help="crawl Hostile Bazaar instead: bombs, traps, slow servers; show what was cut",
        ),
    ] = False,
    browser: Annotated[
        bool,
        typer.Option("--browser", help="with --hostile: crawl it in Chromium too"),
    ] = False,
) -> None:
    """Serve the demo sites on 127.0.0.1, crawl them all into the index, print a summary."""
    console = Console()
    app = AppSettings.from_env()
    if serve_only:
        _serve_forever(day, console)
        return
    if hostile:
        _hostile(app, console, browser=browser)
        return
    summary = run_demo(app, day=day, console=console)
    _print_summary(summary, console)
    if summary.errors or summary.failed:
        raise typer.Exit(exit_codes.FAILED)


def _hostile(app: AppSettings, console: Console, *, browser: bool) -> None:
    from armswatch.cli.hostile_summary import print_hostile_summary
    from armswatch.demo_hostile import run_hostile_demo

    summary = run_hostile_demo(app, console=console, browser=browser)
    print_hostile_summary(summary, console)
    if not summary.ok:
        raise typer.Exit(exit_codes.FAILED)


DEMO_TOR_PORT = 9350  # the demo's stand-in for Tor's SocksPort (OnionProxy)


def _serve_forever(day: int, console: Console) -> None:
    from armswatch.demo.model import SERVED_SITES
    from armswatch.demo.onion_proxy import OnionProxy
    from armswatch.demo.server import DemoSites
    from armswatch.demo.sites.onion import DEMO_PASSWORD, DEMO_USERNAME, ONION_HOST

    with DemoSites(day=day, sites=SERVED_SITES) as sites:
        onion_port = int(sites.base_urls["onion"].rsplit(":", 1)[1])
        with OnionProxy({ONION_HOST: ("127.0.0.1", onion_port)}, ports=[DEMO_TOR_PORT]) as proxy:
            for name, url in sites.base_urls.items():
                console.print(f"{name}: {url}")
            console.print(f"onion market: http://{ONION_HOST}/ through {proxy.url} only")
            console.print(
                "crawl it (another shell): "
                f"ARMSWATCH_TOR_PROXY={proxy.url} ARMSWATCH_PERSONA_DEMO_ANALYST_USERNAME="
                f"{DEMO_USERNAME} ARMSWATCH_PERSONA_DEMO_ANALYST_PASSWORD={DEMO_PASSWORD} "
                "armswatch crawl demo-onion-static demo-onion; answer its CAPTCHAs with "
                "`armswatch captcha list` and `armswatch captcha solve ID ANSWER`",
                markup=False,
            )
            console.print("serving the demo sites; Ctrl-C stops")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return


CROSS_MARKET = (
    ("armswatch actors list", "vendors linked across markets by shared keys and wallets"),
    ("armswatch routes --category essential_component", "where parts ship from and to"),
    ("armswatch patterns run all --since 1y", "kits split across markets, bursts, parcels"),
)


def _print_summary(summary: DemoSummary, console: Console) -> None:
    console.print(
        f"\n[bold]{summary.total}[/bold] listings in the index ({summary.index_url}); this crawl: "
        f"{summary.new} new, {summary.changed} changed, {summary.errors} errors"
    )
    for name in summary.failed:
        console.print(f"[red]crawl of {name} failed[/red]: see `armswatch stats` and the log")
    alerts = sum(summary.alerts.values())
    by_rule = ", ".join(f"{rule} {count}" for rule, count in summary.alerts.most_common())
    console.print(
        f"\n[bold]{alerts}[/bold] alerts for case officers ({by_rule or 'none'}): "
        "`armswatch alerts list`, delivered to data/alerts/alerts.jsonl"
    )
    console.print("\n[bold]What an analyst searches first[/bold]")
    for (query, why), (total, titles) in zip(FIRST_SEARCHES, summary.searches, strict=True):
        console.print(
            f"\n  [cyan]armswatch search '{query}'[/cyan]  — {why}: [bold]{total}[/bold] hits"
        )
        for title in titles:
            console.print(f"    • {title}", markup=False)
    console.print("\n[bold]Across markets[/bold]")
    for command, why in CROSS_MARKET:
        console.print(f"  [cyan]{command}[/cyan]  — {why}")
    console.print(
        "\n[bold]In the browser[/bold]: [cyan]armswatch serve --demo-account[/cyan] serves the "
        "dashboard on http://127.0.0.1:8000/ (`make demo` starts it now)"
    )
