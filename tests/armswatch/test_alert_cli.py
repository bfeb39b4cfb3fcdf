"""`armswatch rules ...` and `armswatch alerts ...` over the session's day-1 demo crawl."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rules.store import AlertStore
from tests.conftest import run_armswatch


@pytest.fixture
def data_dir(demo_data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(demo_data, copy)
    return copy


def test_rules_validate_accepts_the_pack_and_points_at_a_bad_file(tmp_path: Path) -> None:
    done = run_armswatch("rules", "validate", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"ok: \d+ rules \(\d+ enabled\), 1 channels", done.stdout)
    bad = tmp_path / "bad-rules"
    bad.mkdir()
    (bad / "r.yaml").write_text("name: r\nowner: desk\nchannels: [nowhere]\nquery: 'a AND'\n")
    (bad / "s.yaml").write_text("name: s\nowner: desk\nchannels: [nowhere]\nquery: glock\n")
    done = run_armswatch("rules", "validate", "--dir", str(bad), data_dir=tmp_path)
    assert done.returncode == 2
    assert f"{bad / 'r.yaml'}:4: query: not a valid query" in done.stderr
    assert f"{bad / 's.yaml'}: channels.0: no channel named 'nowhere'" in done.stderr


def test_back_testing_finds_what_the_engine_fired_and_sends_nothing(data_dir: Path) -> None:
    with AlertStore(data_dir / "alerts.db") as store:
        fired = store.alerts(rule="serial-removed", limit=None)
    sent_before = (data_dir / "alerts" / "alerts.jsonl").read_text().count("\n")
    done = run_armswatch("rules", "test", "serial-removed", "--since", "30d", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    summary = f"serial-removed would have fired {len(fired)} alerts for {len(fired)} listings"
    assert summary in done.stdout
    assert "nothing was sent" in done.stdout
    assert (data_dir / "alerts" / "alerts.jsonl").read_text().count("\n") == sent_before
    with AlertStore(data_dir / "alerts.db") as store:
        assert len(store.alerts(limit=None, suppressed=None)) >= len(fired)
        assert store.alerts(rule="serial-removed", limit=None) == fired
    unknown = run_armswatch("rules", "test", "serial-remove", data_dir=data_dir)
    assert unknown.returncode == 2
    assert "did you mean 'serial-removed'" in unknown.stderr


def test_triage_keeps_status_assignee_and_notes(data_dir: Path) -> None:
    with AlertStore(data_dir / "alerts.db") as store:
        first, second = store.alerts(rule="auto-sears", limit=2)
    prefix = first.id[:10]
    steps = [
        ("ack", prefix, "--by", "analyst1", "--note", "looking"),
        ("assign", prefix, "officer7", "--by", "analyst1"),
        ("note", prefix, "vendor also on forum", "--by", "officer7"),
        ("escalate", prefix, "--by", "officer7"),
        ("dismiss", second.id, "--by", "analyst1", "--note", "duplicate lead"),
    ]
    for step in steps:
        done = run_armswatch("alerts", *step, data_dir=data_dir)
        assert done.returncode == 0, done.stderr
    shown = run_armswatch("alerts", "show", prefix, data_dir=data_dir).stdout
    assert "status    escalated, assigned to officer7" in shown
    assert "analyst1: status new -> acknowledged: looking" in shown
    assert "officer7: vendor also on forum" in shown
    assert "delivery  #" in shown and "case-file: delivered" in shown
    assert any(line.startswith("entity    ") for line in shown.splitlines())
    listed = run_armswatch("alerts", "list", "--status", "dismissed", data_dir=data_dir)
    assert second.id[:12] in listed.stdout and "1 alerts" in listed.stdout
    missing = run_armswatch("alerts", "ack", "ffffffffff", data_dir=data_dir)
    assert missing.returncode == 3
    bad = run_armswatch("alerts", "list", "--status", "open", data_dir=data_dir)
    assert bad.returncode == 2
