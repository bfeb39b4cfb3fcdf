"""A source whose selectors no longer match is flagged by `armswatch sources status`.

The demo classifieds are crawled once as they are (stopped at a listing budget, to keep the
test short), then again with a copy of their source definition whose listing-link and title
selectors match nothing (the site's layout "changed"): the second run finds no listing, and
`sources status` says the selectors probably no longer match and exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from armswatch.cli import runs_commands, source_commands
from armswatch.demo.server import DemoSites
from armswatch.runs import CrawlRun, RunStore
from tests.conftest import REPO, run_armswatch

SOURCE = "demo-classifieds"
BUDGET = 25  # listings of the first crawl
WIDE = {"COLUMNS": "250"}  # rich tables unwrapped, one row per line


def _write_source(sources_dir: Path, base_url: str, *, broken: bool) -> None:
    definition = yaml.safe_load((REPO / "sources" / f"{SOURCE}.yaml").read_text())
    definition["start_urls"] = [f"{base_url}/search"]
    definition["limits"]["max_listings"] = BUDGET
    if broken:
        definition["index"]["listing_links"]["css"] = "ul.result-list li.result a.result-link"
        definition["detail"]["title"] = "h1.ad-headline"
    sources_dir.mkdir(exist_ok=True)
    (sources_dir / f"{SOURCE}.yaml").write_text(yaml.safe_dump(definition, sort_keys=False))


def _crawl(data_dir: Path, env: dict[str, str]) -> None:
    done = run_armswatch("crawl", SOURCE, data_dir=data_dir, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def _rows(table: str) -> list[list[str]]:
    """The body rows of a rich table, a row's wrapped lines joined cell by cell."""
    rows: list[list[str]] = []
    for line in table.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if rows and not cells[0]:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def _status(data_dir: Path, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    done = run_armswatch("sources", "status", data_dir=data_dir, env=env)
    [row] = _rows(done.stdout)
    assert row[0] == SOURCE, done.stdout
    state, listings, notes = row[1], row[4], row[6]
    return done.returncode, {"state": state, "listings": listings, "notes": notes}


def test_a_source_whose_selectors_no_longer_match_is_flagged_broken(tmp_path: Path) -> None:
    sources_dir, data_dir = tmp_path / "sources", tmp_path / "data"
    env = {"ARMSWATCH_SOURCES": str(sources_dir), **WIDE}
    with DemoSites(day=1, ports={"classifieds": 0}, sites=["classifieds"]) as sites:
        base_url = sites.base_urls["classifieds"]
        _write_source(sources_dir, base_url, broken=False)
        _crawl(data_dir, env)
        code, healthy = _status(data_dir, env)
        assert (code, healthy["state"], healthy["listings"]) == (0, "ok", str(BUDGET)), healthy

        _write_source(sources_dir, base_url, broken=True)
        _crawl(data_dir, env)
    code, broken = _status(data_dir, env)
    assert code == 1 and broken["state"] == "broken", broken
    assert broken["listings"] == f"0 (~{BUDGET})"
    assert "selectors no longer match" in broken["notes"]
    assert "check the index selectors" in broken["notes"]

    listed = run_armswatch("runs", SOURCE, data_dir=data_dir, env=env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    header = next(line for line in listed.stdout.splitlines() if "listings" in line)
    columns = [cell.strip() for cell in header.strip("┃").split("┃")]
    runs = [dict(zip(columns, row, strict=True)) for row in _rows(listed.stdout)]
    assert [(run["outcome"], run["listings"]) for run in runs] == [
        ("complete", "0"),
        ("stopped at a limit (closespider_itemcount)", str(BUDGET)),
    ]


# ------------------------------------------------ the commands on a runs file, in process


def _cli(data_dir: Path, sources_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ARMSWATCH_DATA", str(data_dir))
    monkeypatch.setenv("ARMSWATCH_SOURCES", str(sources_dir))
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("runs")(runs_commands.runs)
    app.add_typer(source_commands.app, name="sources")
    return app


def _record(data_dir: Path, *runs: tuple[str, dict[str, Any]]) -> None:
    store = RunStore(data_dir / "runs.db")
    try:
        for source, stats in runs:
            store.add(CrawlRun.from_stats(source, stats))
    finally:
        store.close()


def test_a_failing_source_fails_the_status_and_a_never_run_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources_dir = tmp_path / "sources"
    _write_source(sources_dir, "http://127.0.0.1:9", broken=False)
    cli = _cli(tmp_path / "data", sources_dir, monkeypatch)
    never = cli.invoke(_app(), ["sources", "status"])
    assert never.exit_code == 0 and "never run" in never.output, never.output
    assert "no crawl run recorded" in cli.invoke(_app(), ["runs"]).output

    shutdown = {
        "finish_reason": "shutdown",
        "response_received_count": 3,
        "armswatch/access/error": "login page [WTS] [/gone]",  # not rich markup
    }
    _record(tmp_path / "data", ("retired-source", shutdown))
    failing = cli.invoke(_app(), ["sources", "status"])
    assert failing.exit_code == 1, failing.output
    assert "the latest: shutdown: login page [WTS] [/gone]" in failing.output
    listed = cli.invoke(_app(), ["runs", "retired-source"])
    assert "failed (shutdown)" in listed.output and "access failed 1" in listed.output
    rows = {row[0]: row for row in _rows(failing.output)}
    assert rows["retired-source"][1] == "failing" and rows[SOURCE][1] == "never run"
    assert "needs attention: retired-source (failing)" in failing.output
    one = cli.invoke(_app(), ["sources", "status", SOURCE])
    assert one.exit_code == 0 and "retired-source" not in one.output


def test_an_unknown_source_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = _cli(tmp_path / "data", tmp_path, monkeypatch)
    assert cli.invoke(_app(), ["runs", "nowhere"]).exit_code == 2
    assert cli.invoke(_app(), ["sources", "status", "nowhere"]).exit_code == 2


def test_runs_show_what_a_crawl_cut_by_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources_dir = tmp_path / "sources"
    _write_source(sources_dir, "http://127.0.0.1:9", broken=False)
    cli = _cli(tmp_path / "data", sources_dir, monkeypatch)
    hostile = {
        "finish_reason": "finished",
        "response_received_count": 40,
        "armswatch/anomalies": 5,
        "armswatch/anomalies/decompression_bomb": 3,
        "armswatch/anomalies/timeout": 2,
    }
    _record(
        tmp_path / "data", ("hostile-site", hostile), ("calm-site", {"finish_reason": "finished"})
    )
    listed = cli.invoke(_app(), ["runs", "hostile-site"])
    assert listed.exit_code == 0, listed.output
    [row] = [row for row in _rows(listed.output) if row and row[0] == "hostile-site"]
    assert "5" in row  # the anomalies column
    assert "cut: decompression_bomb 3, timeout 2" in listed.output
    calm = cli.invoke(_app(), ["runs", "calm-site"])
    assert "cut:" not in calm.output
