"""Saved pages read offline: folders, HTML files, WARC files (a browser page's rendered view in
place of its response), zips of either; clear errors for anything else."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawlers.snapshots import SavedPage, SnapshotError, open_snapshot

SAVED_FROM = b"<!-- saved from url=(0036)http://bazaarxyzabcdefghij.onion/c -->\n<html>one</html>"
URL = "http://bazaarxyzabcdefghij.onion/product/aa11"


def _warc(path: Path, *, with_view: bool) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        served = b"<html><script>render()</script></html>"
        response = writer.create_warc_record(
            URL, "response", payload=io.BytesIO(served), http_headers=http,
            warc_headers_dict={"WARC-Date": "2026-11-01T10:00:00Z"},
        )  # fmt: skip
        writer.write_record(response)
        if with_view:
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            view = writer.create_warc_record(
                f"urn:view:{URL}", "resource", payload=io.BytesIO(b"<html>rendered</html>"),
                warc_content_type="text/html; charset=utf-8",
                warc_headers_dict={"WARC-Concurrent-To": response_id,
                                   "WARC-Date": "2026-11-01T10:00:01Z"},
            )  # fmt: skip
            writer.write_record(view)
        image = writer.create_warc_record(
            URL + ".jpg", "response", payload=io.BytesIO(b"\xff\xd8"),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")],
                                          protocol="HTTP/1.1"),
        )  # fmt: skip
        writer.write_record(image)


def test_a_folder_gives_its_html_files_with_the_url_a_browser_noted(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_bytes(SAVED_FROM)
    (tmp_path / "sub" / "b.htm").write_bytes(b"<html>two</html>")
    (tmp_path / "notes.txt").write_text("not a page")
    pages = list(open_snapshot(tmp_path))
    assert [Path(page.origin).name for page in pages] == ["a.html", "b.htm"]
    assert pages[0].url == "http://bazaarxyzabcdefghij.onion/c" and pages[1].url is None
    assert pages[0].captured_at is None and pages[0].modified is not None
    assert pages[0].sha256 == hashlib.sha256(SAVED_FROM).hexdigest()
    assert pages[0].evidence.saved_file == pages[0].origin


def test_a_warc_gives_its_html_responses_and_a_rendered_view_in_place(tmp_path: Path) -> None:
    plain, browser = tmp_path / "plain.warc.gz", tmp_path / "browser.warc.gz"
    _warc(plain, with_view=False)
    _warc(browser, with_view=True)
    (page,) = list(open_snapshot(plain))
    assert page.url == URL and page.body.startswith(b"<html><script>")
    assert page.captured_at == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert page.evidence.warc_record_id == page.warc_record_id is not None
    (view,) = list(open_snapshot(browser))
    assert view.url == URL and view.body == b"<html>rendered</html>"


def test_a_zip_gives_its_html_files_and_warc_files(tmp_path: Path) -> None:
    _warc(tmp_path / "plain.warc.gz", with_view=False)
    archive = tmp_path / "seized.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("pages/a.html", SAVED_FROM)
        zipped.write(tmp_path / "plain.warc.gz", "capture.warc.gz")
    pages = list(open_snapshot(archive))
    origins = [page.origin for page in pages]
    assert origins == [f"{archive}!capture.warc.gz", f"{archive}!pages/a.html"]
    assert isinstance(pages[1], SavedPage) and pages[1].evidence.saved_file == origins[1]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing", None, "no such file or folder"),
        ("notes.txt", b"x", "not a folder, an HTML file, a WARC file"),
        ("broken.zip", b"not a zip", "not a readable zip file"),
        ("broken.warc", b"garbage\r\n\r\n", "not a readable WARC file"),
    ],
)
def test_what_cannot_be_read_says_so(
    tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SnapshotError, match=words):
        list(open_snapshot(path))


def test_an_empty_folder_says_what_it_looked_for(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"holds no \.html"):
        list(open_snapshot(tmp_path))
