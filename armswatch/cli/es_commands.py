"""`armswatch es ...`: run a local Elasticsearch 8 node (or a few) for development and tests."""

from __future__ import annotations

from typing import Annotated

import typer

from armswatch import es_node
from armswatch.cli import exit_codes
from armswatch.settings import AppSettings

app = typer.Typer(
    help="Run a local Elasticsearch 8 node (built from Maven Central; http on 127.0.0.1).",
    no_args_is_help=True,
)


@app.command("start")
def start(
    nodes: Annotated[int, typer.Option(min=1, max=9, help="nodes in the cluster")] = 1,
    port: Annotated[
        int, typer.Option(min=1024, max=65000, help="HTTP port of node 1; node i gets port+i-1")
    ] = es_node.DEFAULT_PORT,
) -> None:
    """Build the node once, start it in the background, wait until the cluster is yellow."""
    data_dir = AppSettings.from_env().data_dir
    try:
        pid = es_node.start(nodes=nodes, port=port, data_dir=data_dir)
    except es_node.EsNodeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exit_codes.FAILED) from exc
    typer.echo(
        f"Elasticsearch: {nodes} node(s) on http://127.0.0.1:{port} (pid {pid}, "
        f"log {es_node.log_file(data_dir)})"
    )


@app.command("stop")
def stop() -> None:
    """Stop the nodes started by `armswatch es start` (SIGTERM, then SIGKILL)."""
    data_dir = AppSettings.from_env().data_dir
    if es_node.stop(data_dir):
        typer.echo("Elasticsearch stopped")
    else:
        typer.echo("Elasticsearch was not running")


@app.command("stop-node")
def stop_node(
    index: Annotated[int, typer.Argument(min=1, max=9, help="node number, 1-based")],
    port: Annotated[int, typer.Option(help="HTTP port of node 1")] = es_node.DEFAULT_PORT,
) -> None:
    """Stop one node of a running cluster; the others go on."""
    data_dir = AppSettings.from_env().data_dir
    try:
        es_node.stop_node(index, port=port, data_dir=data_dir)
    except es_node.EsNodeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exit_codes.FAILED) from exc
    typer.echo(f"node {index} stopped")


@app.command("status")
def status(
    port: Annotated[int, typer.Option(help="HTTP port")] = es_node.DEFAULT_PORT,
) -> None:
    """Exit 0 when a node answers on the port, 1 otherwise."""
    if es_node.running(port):
        typer.echo(f"Elasticsearch answers on http://127.0.0.1:{port}")
        return
    typer.echo(f"nothing answers on http://127.0.0.1:{port}")
    raise typer.Exit(exit_codes.FAILED)
