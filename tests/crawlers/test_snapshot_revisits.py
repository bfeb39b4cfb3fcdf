"""WARC revisit records import as the pages they repeat, at their own date, wherever in the
snapshot (same file, a file read later, another zip member) the original lies."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawlers.snapshots import open_snapshot

URL = "http://bazaarxyzabcdefghij.onion/product/aa11"
PAGE = b"<html><h1>Glock 19 slide</h1></html>"
DAY_1, DAY_2 = "2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z"


def _http() -> StatusAndHeaders:
    return StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")


def _response(writer: WARCWriter, uri: str = URL, body: bytes = PAGE, **headers: str) -> Any:
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=_http(),
        warc_headers_dict={"WARC-Date": DAY_1, **headers},
    )  # fmt: skip
    writer.write_record(record)
    return record


def _revisit(writer: WARCWriter, original: Any, *, refers: bool = True, **headers: str) -> Any:
    original_headers = original.rec_headers
    digest = original_headers.get_header("WARC-Payload-Digest")
    extra = {"WARC-Date": DAY_2, **headers}
    if refers:
        extra["WARC-Refers-To"] = original_headers.get_header("WARC-Record-ID")
    uri = original_headers.get_header("WARC-Target-URI")
    http = _http() if original.rec_type == "response" else None
    record = writer.create_revisit_record(
        uri, digest, uri, original_headers.get_header("WARC-Date"), http_headers=http,
        warc_headers_dict=extra,
    )  # fmt: skip
    writer.write_record(record)
    return record


def _writing(path: Path) -> tuple[Any, WARCWriter]:
    stream = path.open("wb")
    return stream, WARCWriter(stream, gzip=True)


def test_a_revisit_is_the_page_again_at_its_own_date(tmp_path: Path) -> None:
    stream, writer = _writing(tmp_path / "crawl.warc.gz")
    with stream:
        original = _response(writer)
        revisit = _revisit(writer, original)
    first, again = list(open_snapshot(tmp_path))
    assert (again.url, again.body) == (URL, PAGE)
    assert again.captured_at == datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert again.warc_record_id == revisit.rec_headers.get_header("WARC-Record-ID")
    assert again.sha256 == first.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert again.evidence.warc_record_id != first.evidence.warc_record_id


def test_a_revisit_without_refers_to_is_matched_by_url_and_payload_digest(tmp_path: Path) -> None:
    stream, writer = _writing(tmp_path / "crawl.warc.gz")
    with stream:
        _response(writer, uri=URL + "?other", body=b"<html>other</html>")
        _revisit(writer, _response(writer), refers=False)
    pages = list(open_snapshot(tmp_path))
    assert [(page.url, page.body) for page in pages[1:]] == [(URL, PAGE), (URL, PAGE)]


def test_a_revisit_read_before_its_original_comes_at_the_end(tmp_path: Path) -> None:
    day_1 = io.BytesIO()
    original = _response(WARCWriter(day_1, gzip=True))
    (tmp_path / "b-earlier.warc.gz").write_bytes(day_1.getvalue())
    later, writer = _writing(tmp_path / "a-later.warc.gz")  # read first: name order
    with later:
        _revisit(writer, original)
    pages = list(open_snapshot(tmp_path))
    assert [page.captured_at.day for page in pages if page.captured_at] == [1, 2]
    assert [Path(page.origin).name for page in pages] == ["b-earlier.warc.gz", "a-later.warc.gz"]
    assert pages[1].body == PAGE


def test_a_revisit_in_a_zip_reads_its_original_from_another_member(tmp_path: Path) -> None:
    day_1, day_2 = io.BytesIO(), io.BytesIO()
    writer = WARCWriter(day_1, gzip=True)
    _response(writer, uri=URL + "?first", body=b"<html>first</html>")
    original = _response(writer)  # not at offset 0: the member is read from its offset
    _revisit(WARCWriter(day_2, gzip=True), original)
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("warc/day-1.warc.gz", day_1.getvalue())
        package.writestr("warc/day-2.warc.gz", day_2.getvalue())
    *_, again = list(open_snapshot(archive))
    assert again.origin == f"{archive}!warc/day-2.warc.gz"
    assert (again.body, again.captured_at) == (PAGE, datetime(2026, 11, 2, 10, tzinfo=UTC))


def test_a_browser_pages_revisit_stands_as_its_rendered_view(tmp_path: Path) -> None:
    stream, writer = _writing(tmp_path / "browser.warc.gz")
    with stream:
        response = _response(writer, body=b"<html><script>render()</script></html>")
        view = writer.create_warc_record(
            f"urn:view:{URL}", "resource", payload=io.BytesIO(PAGE),
            warc_content_type="text/html; charset=utf-8",
            warc_headers_dict={"WARC-Date": DAY_1, "WARC-Concurrent-To":
                               response.rec_headers.get_header("WARC-Record-ID")},
        )  # fmt: skip
        writer.write_record(view)
        response_again = _revisit(writer, response)
        concurrent = response_again.rec_headers.get_header("WARC-Record-ID")
        _revisit(writer, view, **{"WARC-Concurrent-To": concurrent})
    pages = list(open_snapshot(tmp_path))
    assert [(page.url, page.body, page.captured_at.day) for page in pages if page.captured_at] == [
        (URL, PAGE, 1),
        (URL, PAGE, 2),
    ]


def test_a_revisit_of_a_record_the_snapshot_lacks_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    original = _response(WARCWriter(io.BytesIO(), gzip=True))
    stream, writer = _writing(tmp_path / "day-2.warc.gz")
    with stream:
        _response(writer, uri=URL + "?new", body=b"<html>new</html>")
        _revisit(writer, original)
    with caplog.at_level(logging.WARNING):
        pages = list(open_snapshot(tmp_path))
    assert [page.url for page in pages] == [URL + "?new"]
    assert "1 revisit record(s) refer to records the snapshot does not hold" in caplog.text
