"""The evidence ledger and its verification: a clean store verifies; a changed byte in a WARC
record, a deleted, altered or reordered ledger line, a missing WARC file are each reported
with where they are; pruned records are not expected any more."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.evidence.ledger import GENESIS, Ledger, entry_hash, read_lines
from crawlers.evidence.records import Capture
from crawlers.evidence.verify import verify_evidence

WARC = "warc/demo/demo-1.warc.gz"


def _store(tmp_path: Path, records: int = 4) -> tuple[Path, Path]:
    """An evidence dir with one file of `records` fake records, each in the ledger."""
    evidence = tmp_path / "evidence"
    warc = evidence / WARC
    warc.parent.mkdir(parents=True)
    captures, offset = [], 0
    with warc.open("wb") as file:
        for number in range(records):
            member = f"record {number} ".encode() * (10 + number)
            file.write(member)
            captures.append(_capture(number, offset, member))
            offset += len(member)
    ledger = evidence / "ledger.jsonl"
    Ledger(ledger).append_captures(captures[:2])
    Ledger(ledger).append_captures(captures[2:])
    return evidence, ledger


def _capture(number: int, offset: int, member: bytes) -> Capture:
    return Capture(
        warc_file=WARC,
        record_id=f"<urn:uuid:0000000{number}>",
        record_type="response",
        uri=f"http://127.0.0.1/listing/{number}",
        offset=offset,
        length=len(member),
        sha256=hashlib.sha256(member).hexdigest(),
        payload_sha256=None,
        captured_at=datetime.now(UTC).isoformat(),
        source="demo",
    )


def _lines(ledger: Path) -> list[str]:
    return ledger.read_text().splitlines(keepends=True)


def test_entries_are_numbered_and_chained(tmp_path: Path) -> None:
    _, ledger = _store(tmp_path)
    entries = [line.entry for line in read_lines(ledger)]
    assert [entry["seq"] for entry in entries if entry] == [1, 2, 3, 4]
    prev = GENESIS
    for entry in entries:
        assert entry is not None and entry["prev"] == prev and entry_hash(entry) == entry["hash"]
        prev = entry["hash"]


def test_a_clean_store_verifies(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path)
    report = verify_evidence(evidence, ledger)
    assert report.ok, report.faults
    assert (report.entries, report.records_checked) == (4, 4)


def test_one_changed_byte_names_the_record(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path)
    entry = next(line.entry for line in read_lines(ledger) if line.entry and line.entry["seq"] == 3)
    assert entry is not None
    warc = evidence / WARC
    data = bytearray(warc.read_bytes())
    data[entry["offset"] + 5] ^= 0x01
    warc.write_bytes(bytes(data))
    (fault,) = verify_evidence(evidence, ledger).faults
    assert fault.kind == "changed_record"
    assert entry["record_id"] in fault.where and f"@ {entry['offset']}" in fault.where
    assert "ledger line 3" in fault.where


def test_a_deleted_ledger_line_breaks_the_chain_where_it_was(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path)
    lines = _lines(ledger)
    ledger.write_text("".join(lines[:1] + lines[2:]))
    (fault,) = verify_evidence(evidence, ledger).faults
    assert (fault.kind, fault.where) == ("broken_chain", "ledger line 2")
    assert "entries 2 to 2 are missing" in fault.detail


def test_reordered_and_altered_lines_are_reported(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path)
    lines = _lines(ledger)
    ledger.write_text("".join([lines[0], lines[2], lines[1], lines[3]]))
    kinds = {(fault.kind, fault.where) for fault in verify_evidence(evidence, ledger).faults}
    assert ("broken_chain", "ledger line 2") in kinds and ("broken_chain", "ledger line 3") in kinds
    altered = json.loads(lines[1])
    altered["uri"] = "http://127.0.0.1/listing/other"
    ledger.write_text("".join([lines[0], json.dumps(altered) + "\n", *lines[2:]]))
    (fault,) = verify_evidence(evidence, ledger).faults
    assert (fault.kind, fault.where) == ("altered_entry", "ledger line 2")


def test_a_missing_warc_file_is_reported_for_each_record(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path, records=2)
    (evidence / WARC).unlink()
    faults = verify_evidence(evidence, ledger).faults
    assert [fault.kind for fault in faults] == ["missing_file", "missing_file"]


def test_pruned_records_are_not_expected_and_the_chain_still_verifies(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path)
    ids = [line.entry["record_id"] for line in read_lines(ledger) if line.entry]
    (evidence / WARC).unlink()
    Ledger(ledger).append_pruning("demo", WARC, ids, "past the source's retention of 30 days")
    report = verify_evidence(evidence, ledger)
    assert report.ok, report.faults
    assert (report.entries, report.records_pruned, report.records_checked) == (5, 4, 0)


def test_since_rehashes_only_later_records_but_walks_the_whole_chain(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path)
    (evidence / WARC).write_bytes(b"")  # every record changed
    later = verify_evidence(evidence, ledger, since=datetime.now(UTC) + timedelta(hours=1))
    assert later.ok and later.records_checked == 0 and later.entries == 4
    assert len(verify_evidence(evidence, ledger).faults) == 4


def test_an_append_after_an_unfinished_line_starts_a_new_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    evidence, ledger = _store(tmp_path, records=2)
    with ledger.open("a") as file:
        file.write('{"kind": "capture", "seq": 3, "cut sh')  # a crash mid-append
    member = b"late record"
    warc = evidence / WARC
    offset = warc.stat().st_size
    with warc.open("ab") as file:
        file.write(member)
    Ledger(ledger).append_captures([_capture(7, offset, member)])
    assert "unfinished line" in caplog.text
    faults = verify_evidence(evidence, ledger).faults
    assert [(fault.kind, fault.where) for fault in faults] == [
        ("unreadable_entry", "ledger line 3")
    ]


def test_an_append_after_a_very_long_entry_chains_onto_it(tmp_path: Path) -> None:
    evidence, ledger = _store(tmp_path, records=1)
    ids = [f"<urn:uuid:{number:08d}>" for number in range(5000)]  # an export of a big case
    Ledger(ledger).append([{"kind": "export", "case": "CASE-1", "records": ids}])
    assert len(_lines(ledger)[-1]) > 100_000
    Ledger(ledger).append([{"kind": "export", "case": "CASE-2", "records": []}])
    report = verify_evidence(evidence, ledger)
    assert report.ok and report.entries == 3
