"""Pruning captures past their source's retention: whole WARC files, recorded in the ledger
first so the chain still verifies; files a case or a kept revisit needs are kept."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from armswatch.evidence_retention import prune_evidence
from crawlers.evidence.digests import DigestIndex, Original
from crawlers.evidence.ledger import Ledger, read_lines
from crawlers.evidence.records import Capture
from crawlers.evidence.verify import verify_evidence

NOW = datetime(2026, 11, 29, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=40), NOW - timedelta(days=5)


def _file(evidence: Path, name: str, source: str, when: datetime, kinds: list[str]) -> list[str]:
    """A WARC file of fake records (one per kind, same URI and payload), all in the ledger."""
    path = evidence / name
    path.parent.mkdir(parents=True, exist_ok=True)
    captures, offset = [], 0
    with path.open("wb") as file:
        for number, kind in enumerate(kinds):
            member = f"{name} {number}".encode()
            file.write(member)
            captures.append(
                Capture(name, f"<urn:uuid:{name}-{number}>", kind, "http://127.0.0.1/l/1", offset,
                        len(member), hashlib.sha256(member).hexdigest(), "p" * 64,
                        when.isoformat(), source)
            )  # fmt: skip
            offset += len(member)
    Ledger(evidence / "ledger.jsonl").append_captures(captures)
    return [capture.record_id for capture in captures]


def test_files_past_retention_are_pruned_and_the_chain_still_verifies(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    old = _file(evidence, "warc/m/old.warc.gz", "market", OLD, ["warcinfo", "response"])
    _file(evidence, "warc/m/new.warc.gz", "market", RECENT, ["warcinfo", "response"])
    _file(evidence, "warc/f/old.warc.gz", "forum", OLD, ["response"])  # kept for good
    digests = DigestIndex(evidence / "digests.db")
    digests.add(
        [Original("market", "http://127.0.0.1/l/1", "p" * 64, old[1], "d", "warc/m/old.warc.gz")]
    )
    digests.close()

    dry = prune_evidence(evidence, {"market": 30, "forum": None}, NOW, dry_run=True)
    assert dry.pruned_files == ["warc/m/old.warc.gz"] and (evidence / "warc/m/old.warc.gz").exists()
    report = prune_evidence(evidence, {"market": 30, "forum": None}, NOW)
    assert (report.pruned_files, report.pruned_records) == (["warc/m/old.warc.gz"], 2)
    assert not (evidence / "warc/m/old.warc.gz").exists()
    assert (evidence / "warc/m/new.warc.gz").exists() and (evidence / "warc/f/old.warc.gz").exists()
    (prune,) = [
        line.entry
        for line in read_lines(evidence / "ledger.jsonl")
        if line.entry and line.entry["kind"] == "prune"
    ]
    assert prune["record_ids"] == old and "30 days" in prune["reason"]
    verified = verify_evidence(evidence, evidence / "ledger.jsonl")
    assert verified.ok, verified.faults
    assert verified.records_pruned == 2
    digests = DigestIndex(evidence / "digests.db")
    assert digests.originals("market", [("http://127.0.0.1/l/1", "p" * 64)]) == {}
    digests.close()
    assert prune_evidence(evidence, {"market": 30}, NOW).pruned_files == []  # once only


def test_a_case_holds_its_records_until_its_retention_ends(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    ids = _file(evidence, "warc/m/old.warc.gz", "market", OLD, ["response"])
    ledger = Ledger(evidence / "ledger.jsonl")
    until = NOW + timedelta(days=10)
    ledger.append(
        [{"kind": "export", "case": "CASE-1", "records": ids, "retain_until": until.isoformat()}]
    )
    held = prune_evidence(evidence, {"market": 30}, NOW)
    assert held.pruned_files == [] and held.held_files == {"warc/m/old.warc.gz": "case CASE-1"}
    later = prune_evidence(evidence, {"market": 30}, NOW + timedelta(days=11))
    assert later.pruned_files == ["warc/m/old.warc.gz"]


def test_a_file_whose_payload_a_kept_revisit_needs_is_kept(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    _file(evidence, "warc/m/old.warc.gz", "market", OLD, ["response"])
    _file(evidence, "warc/m/new.warc.gz", "market", RECENT, ["revisit"])
    report = prune_evidence(evidence, {"market": 30}, NOW)
    assert report.pruned_files == []
    assert report.held_files == {"warc/m/old.warc.gz": "revisits in warc/m/new.warc.gz"}
