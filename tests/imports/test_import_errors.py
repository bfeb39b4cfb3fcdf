"""`armswatch import` refuses what it cannot read with a clear message (exit 2), and a snapshot
broken part-way keeps the listings read before the break (exit 1, the error logged)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from armswatch.scheduler.locks import BUSY, SourceLock
from tests.conftest import REPO, run_armswatch

CARDS = REPO / "tests" / "crawlers" / "fixtures" / "cards"
PAGE_URL = "http://bazaarxyzabcdefghij.onion/category/parts"


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--from", "no/such/folder"], "no such file or folder"),
        (["--from", str(CARDS / "bazaar.yaml")], "not a folder, an HTML file, a WARC file"),
        (["--from", str(CARDS), "--captured-at", "yesterday"], "not an ISO 8601 time"),
    ],
)
def test_a_bad_path_or_time_is_refused_with_the_reason(
    tmp_path: Path, arguments: list[str], words: str
) -> None:
    done = run_armswatch("import", str(CARDS / "bazaar.yaml"), *arguments, data_dir=tmp_path)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr


def test_an_unknown_source_is_named(tmp_path: Path) -> None:
    done = run_armswatch("import", "no-such-source", "--from", str(CARDS), data_dir=tmp_path)
    assert done.returncode == 2 and "no source named 'no-such-source'" in done.stderr


def test_a_warc_broken_part_way_keeps_what_was_read(tmp_path: Path) -> None:
    warc = tmp_path / "broken.warc.gz"
    with warc.open("wb") as stream:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = io.BytesIO((CARDS / "category.html").read_bytes())
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(
            writer.create_warc_record(PAGE_URL, "response", payload=body, http_headers=http)
        )
        stream.write(b"WARC/1.0\r\nthis is where the disk gave out")
    done = run_armswatch(
        "import", str(CARDS / "bazaar.yaml"), "--from", str(warc), data_dir=tmp_path / "data",
        env={"ARMSWATCH_RULES": str(tmp_path / "no-rules")},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    with sqlite3.connect(tmp_path / "data" / "armswatch.db") as db:
        rows = db.execute("SELECT document FROM listings").fetchall()
    ids = sorted(json.loads(row)["site_listing_id"] for (row,) in rows)
    assert ids == ["aa11", "bb22", "cc33"]
    log = (tmp_path / "data" / "logs" / "armswatch.jsonl").read_text()
    errors = [json.loads(line) for line in log.splitlines() if '"extraction_error"' in line]
    broken = [error for error in errors if error["kind"] == "snapshot"]
    assert broken and "not a readable WARC record" in broken[0]["message"]


def test_an_import_waits_its_turn_while_the_source_is_being_crawled(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with SourceLock(data, "cards-bazaar"):  # as a crawl of the source holds it
        done = run_armswatch(
            "import", str(CARDS / "bazaar.yaml"), "--from", str(CARDS), data_dir=data
        )
    assert done.returncode == BUSY, done.stderr[-2000:]
    assert "cards-bazaar is being crawled already" in done.stderr
    assert "import again when it is done" in done.stderr
    assert not (data / "armswatch.db").exists()  # nothing indexed meanwhile
