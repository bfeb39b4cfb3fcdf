"""The `armswatch` command line: thin typer wrappers over plain functions."""

from __future__ import annotations

import typer

from armswatch.cli import (
    crawl_commands,
    demo_commands,
    doctor_commands,
    es_commands,
    extract_commands,
    history_commands,
    import_commands,
    index_commands,
    routes_commands,
    runs_commands,
    search_commands,
    serve_commands,
    source_commands,
)
from armswatch.cli.actors_commands import actors_app
from armswatch.cli.alerts_commands import alerts_app
from armswatch.cli.captcha_commands import captcha_app
from armswatch.cli.evidence_commands import evidence_app
from armswatch.cli.frontier_commands import frontier_app
from armswatch.cli.patterns_commands import patterns_app
from armswatch.cli.rules_commands import rules_app
from armswatch.cli.schedule_commands import schedule_app
from armswatch.cli.serve_commands import users_app
from armswatch.cli.share_commands import share_app

app = typer.Typer(
    name="armswatch",
    help="Find illicit firearms, parts and ammunition offered on markets, forums and classifieds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(source_commands.app, name="sources")
app.add_typer(es_commands.app, name="es")
app.add_typer(index_commands.app, name="index")
app.add_typer(captcha_app, name="captcha")
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")
app.add_typer(schedule_app, name="schedule")
app.add_typer(frontier_app, name="frontier")
app.add_typer(evidence_app, name="evidence")
app.add_typer(actors_app, name="actors")
app.add_typer(patterns_app, name="patterns")
app.add_typer(share_app, name="share")
app.add_typer(users_app, name="users")
app.command("crawl")(crawl_commands.crawl)
app.command("import")(import_commands.import_pages)
app.command("search")(search_commands.search)
app.command("show")(search_commands.show)
app.command("runs")(runs_commands.runs)
app.command("history")(history_commands.history)
app.command("routes")(routes_commands.routes)
app.command("stats")(search_commands.stats)
app.command("demo")(demo_commands.demo)
app.command("serve")(serve_commands.serve)
app.command("extract")(extract_commands.extract)
app.command("reannotate")(extract_commands.reannotate)
doctor_commands.register(app)


if __name__ == "__main__":
    app()
