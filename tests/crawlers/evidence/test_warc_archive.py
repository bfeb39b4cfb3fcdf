"""`WarcArchive` on real Scrapy requests and responses: what the WARC files hold, byte for byte.

Records are read back with warcio's own reader and checked with its `warcio check`; digests and
the captures' offsets, lengths and hashes are also checked by hand against the bytes on disk.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy_playwright.page import PageMethod
from warcio.archiveiterator import ArchiveIterator

from crawlers.browser.capture import Screenshot, capped_screenshot
from crawlers.challenges.pages import INTERNAL
from crawlers.evidence.digests import DigestIndex
from crawlers.evidence.meta import SERVER_BODY
from crawlers.evidence.records import Capture
from crawlers.evidence.warc_archive import Exchange, WarcArchive
from crawlers.evidence.warcinfo import CrawlInfo

URL = "http://127.0.0.1:9/listing/17?lang=en"
BODY = b"<html><body><h1>Glock 19 slide</h1></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WARCIO = Path(sys.executable).with_name("warcio")
INFO = CrawlInfo(
    source="demo-market",
    source_json='{"name":"demo-market"}',
    network="tor",
    proxy_url="socks5h://analyst:hunter2@127.0.0.1:9050",
    user_agent="Mozilla/5.0 (test)",
)


@pytest.fixture
def evidence_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def archive(evidence_dir: Path) -> Iterator[WarcArchive]:
    with_archive = open_archive(evidence_dir)
    yield with_archive
    with_archive.close()
    with_archive.digests.close()


def open_archive(evidence_dir: Path, max_bytes: int = 10**8) -> WarcArchive:
    digests = DigestIndex(evidence_dir / "digests.db")
    return WarcArchive(evidence_dir, INFO, digests, max_bytes=max_bytes)


def exchange(
    url: str = URL, page: bytes = BODY, meta: dict[str, Any] | None = None, **request: Any
) -> tuple[Request, HtmlResponse]:
    """A request (`request`: Request's arguments) and its response, `page`, as a downloader
    middleware gets them: the response is not tied to its request yet."""
    sent = Request(url, meta=meta, **request)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(page))}
    return sent, HtmlResponse(url, status=200, headers=headers, body=page)


def records_of(path: Path) -> list[Any]:
    """Every record of a WARC file, its payload read (`payload`) and its block kept raw."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            record.payload = record.content_stream().read()
            found.append(record)
    return found


def warc_files(evidence_dir: Path) -> list[Path]:
    return sorted((evidence_dir / "warc" / INFO.source).glob("*.warc.gz"))


def member(evidence_dir: Path, capture: Capture) -> bytes:
    with (evidence_dir / capture.warc_file).open("rb") as file:
        file.seek(capture.offset)
        return file.read(capture.length)


def b32_sha256(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


def test_an_exchange_is_a_warcinfo_a_request_and_a_response_warcio_reads(
    archive: WarcArchive, evidence_dir: Path
) -> None:
    done = archive.write_exchange(*exchange())
    archive.sync()

    (path,) = warc_files(evidence_dir)
    assert path.name.startswith("demo-market-") and path.name.endswith("-00000.warc.gz")
    info, request, response = records_of(path)
    assert [r.rec_type for r in (info, request, response)] == ["warcinfo", "request", "response"]
    assert [c.record_type for c in done.records] == ["warcinfo", "request", "response"]
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    assert request.rec_headers.get_header("WARC-Concurrent-To") == response_id
    for record in (request, response):
        assert record.rec_headers.get_header("WARC-Target-URI") == URL
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/listing/17?lang=en HTTP/1.1"
    assert response.http_headers.statusline == "200 OK"
    assert response.payload == BODY
    assert done.response.record_id == done.page.record_id == response_id
    assert done.response.payload_sha256 == hashlib.sha256(BODY).hexdigest()


def test_digests_are_sha256_and_match_the_blocks(archive: WarcArchive, evidence_dir: Path) -> None:
    done = archive.write_exchange(*exchange())
    archive.sync()
    for capture in done.records:
        record = gzip.decompress(member(evidence_dir, capture))
        head, _, rest = record.partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        block = rest[: int(fields["Content-Length"])]
        assert fields["WARC-Block-Digest"] == b32_sha256(block)
        if capture.record_type in ("request", "response"):
            payload = block.partition(b"\r\n\r\n")[2]
            assert fields["WARC-Payload-Digest"] == b32_sha256(payload)
            assert capture.payload_sha256 == hashlib.sha256(payload).hexdigest()
        assert "sha1:" not in head.decode()


def test_captures_name_the_bytes_on_disk(archive: WarcArchive, evidence_dir: Path) -> None:
    done = [archive.write_exchange(*exchange(f"{URL}&page={n}")) for n in range(3)]
    archive.sync()
    captures = [capture for one in done for capture in one.records]
    (path,) = warc_files(evidence_dir)
    data = path.read_bytes()
    assert sum(capture.length for capture in captures) == len(data)  # nothing in between
    for capture in captures:
        stored = data[capture.offset : capture.offset + capture.length]
        assert hashlib.sha256(stored).hexdigest() == capture.sha256
        with path.open("rb") as stream:
            stream.seek(capture.offset)
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Record-ID") == capture.record_id
            assert record.rec_type == capture.record_type


def test_a_full_file_is_followed_by_a_new_one_with_its_own_warcinfo(evidence_dir: Path) -> None:
    archive = open_archive(evidence_dir, max_bytes=1500)
    try:
        done = [archive.write_exchange(*exchange(f"{URL}&page={n}")) for n in range(4)]
    finally:
        archive.close()
    files = warc_files(evidence_dir)
    assert len(files) > 1
    assert [path.name[-13:] for path in files][:2] == ["00000.warc.gz", "00001.warc.gz"]
    for path in files:
        records = records_of(path)
        assert records[0].rec_type == "warcinfo"
        assert records[0].rec_headers.get_header("WARC-Filename") == path.name
        assert [r.rec_type for r in records[1:]].count("warcinfo") == 0
        assert path.stat().st_size < 1500 + 2000  # rotated once past the limit
    for one in done:  # an exchange is never split between files
        assert len({capture.warc_file for capture in one.records[-2:]}) == 1


def test_an_unchanged_page_is_a_revisit_of_its_first_capture(evidence_dir: Path) -> None:
    archive = open_archive(evidence_dir)
    first = archive.write_exchange(*exchange())
    archive.close()
    archive.digests.close()
    later = open_archive(evidence_dir)  # another crawl, sharing the digest index
    again = later.write_exchange(*exchange())
    changed = later.write_exchange(*exchange(page=BODY.replace(b"19", b"17")))
    elsewhere = later.write_exchange(*exchange(url=URL + "&copy=1"))
    later.close()

    assert again.response.record_type == "revisit"
    assert again.response.payload_sha256 == first.response.payload_sha256
    assert (changed.response.record_type, elsewhere.response.record_type) == ("response",) * 2
    revisit = next(
        r for path in warc_files(evidence_dir) for r in records_of(path) if r.rec_type == "revisit"
    )
    headers = revisit.rec_headers
    original_date = records_of(evidence_dir / first.response.warc_file)[2].rec_headers
    assert headers.get_header("WARC-Refers-To") == first.response.record_id
    assert headers.get_header("WARC-Refers-To-Target-URI") == URL
    assert headers.get_header("WARC-Refers-To-Date") == original_date.get_header("WARC-Date")
    assert headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert headers.get_header("WARC-Payload-Digest") == b32_sha256(BODY)
    assert revisit.http_headers.statusline == "200 OK"
    assert revisit.payload == b""  # the headers only


def test_a_revisit_refers_only_to_a_record_of_its_own_source(evidence_dir: Path) -> None:
    archive = open_archive(evidence_dir)
    archive.write_exchange(*exchange())
    other = WarcArchive(evidence_dir, replace(INFO, source="other-market"), archive.digests)
    try:
        assert other.write_exchange(*exchange()).response.record_type == "response"
        assert other.write_exchange(*exchange()).response.record_type == "revisit"
    finally:
        other.close()
        archive.close()


def test_warcinfo_describes_the_crawl_without_proxy_credentials(
    archive: WarcArchive, evidence_dir: Path
) -> None:
    archive.write_exchange(*exchange())
    archive.sync()
    (path,) = warc_files(evidence_dir)
    text = records_of(path)[0].payload.decode()
    fields = dict(line.split(": ", 1) for line in text.splitlines() if line)
    assert fields["software"].startswith("armswatch ")
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["conformsTo"].endswith("/warc-1.1/")
    assert fields["source-definition"] == INFO.source_json
    assert (
        fields["source-definition-sha256"] == hashlib.sha256(INFO.source_json.encode()).hexdigest()
    )
    assert fields["network"] == "tor"
    assert fields["proxy"] == "socks5h://127.0.0.1:9050"
    assert fields["http-header-user-agent"] == INFO.user_agent
    assert fields["created"].endswith("+00:00")
    raw = gzip.decompress(path.read_bytes())
    assert b"hunter2" not in raw and b"analyst" not in raw


def test_requests_hold_no_credentials(archive: WarcArchive, evidence_dir: Path) -> None:
    headers = {"Authorization": "Basic c2VjcmV0", "Proxy-Authorization": "Basic eA==", "X-A": "1"}
    archive.write_exchange(*exchange(headers=headers))
    login = exchange(method="POST", body=b"username=a&password=hunter2", meta={INTERNAL: True})
    archive.write_exchange(*login)
    archive.sync()
    (path,) = warc_files(evidence_dir)
    requests = [r for r in records_of(path) if r.rec_type == "request"]
    assert requests[0].http_headers.get_header("X-A") == "1"
    assert requests[0].http_headers.get_header("Authorization") is None
    assert requests[0].http_headers.get_header("Proxy-Authorization") is None
    assert requests[1].payload == b""
    assert requests[1].rec_headers.get_header("WARC-Truncated") == "unspecified"
    assert b"hunter2" not in gzip.decompress(path.read_bytes())


def test_a_decoded_body_keeps_the_transfer_headers_under_their_original_names(
    archive: WarcArchive, evidence_dir: Path
) -> None:
    sent = Request(URL)
    headers = {"Content-Length": "20", "Transfer-Encoding": "chunked", "Content-Type": "text/html"}
    archive.write_exchange(sent, HtmlResponse(URL, headers=headers, body=BODY))
    archive.sync()
    (path,) = warc_files(evidence_dir)
    response = records_of(path)[2]
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert response.http_headers.get_header("X-Archive-Orig-Content-Length") == "20"
    assert response.http_headers.get_header("Content-Length") == str(len(BODY))
    assert response.payload == BODY


def browser_page(server_body: bytes | None, png: bytes | None = PNG) -> tuple[Request, Any]:
    shot = PageMethod(capped_screenshot, 10_000, 30_000)  # as `actions.page_methods` builds it
    shot.result = None if png is None else Screenshot(png, 1280, 720, 1280, 720)
    meta: dict[str, Any] = {"playwright": True, "playwright_page_methods": [shot]}
    if server_body is not None:
        meta[SERVER_BODY] = server_body
    return exchange(meta=meta)


def test_a_browser_page_adds_its_rendered_view_and_screenshot(
    archive: WarcArchive, evidence_dir: Path
) -> None:
    server = b"<html><body><script>render()</script></body></html>"
    done = archive.write_exchange(*browser_page(server))
    archive.sync()
    (path,) = warc_files(evidence_dir)
    _, request, response, view, shot = records_of(path)
    assert (request.rec_type, response.rec_type, view.rec_type, shot.rec_type) == (
        "request",
        "response",
        "resource",
        "resource",
    )
    assert response.payload == server
    assert view.rec_headers.get_header("WARC-Target-URI") == f"urn:view:{URL}"
    assert view.rec_headers.get_header("Content-Type").startswith("text/html")
    assert view.payload == BODY
    assert shot.rec_headers.get_header("WARC-Target-URI") == f"urn:screenshot:{URL}"
    assert shot.rec_headers.get_header("Content-Type") == "image/png"
    assert shot.payload == PNG
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    assert {r.rec_headers.get_header("WARC-Concurrent-To") for r in (request, view, shot)} == {
        response_id
    }
    assert done.page == done.view and done.page.payload_sha256 == hashlib.sha256(BODY).hexdigest()
    assert done.screenshot is not None and done.screenshot.record_id == shot.rec_headers.get_header(
        "WARC-Record-ID"
    )


def test_a_browser_page_seen_again_revisits_its_view_and_screenshot(archive: WarcArchive) -> None:
    archive.write_exchange(*browser_page(b"<html></html>"))
    again: Exchange = archive.write_exchange(*browser_page(b"<html></html>"))
    assert again.view is not None and again.screenshot is not None
    types = (again.response.record_type, again.view.record_type, again.screenshot.record_type)
    assert types == ("revisit", "revisit", "revisit")


def test_a_browser_page_without_the_servers_bytes_is_a_truncated_response(
    archive: WarcArchive, evidence_dir: Path
) -> None:
    archive.write_exchange(*browser_page(None, png=None))
    again = archive.write_exchange(*browser_page(None, png=None))
    archive.sync()
    (path,) = warc_files(evidence_dir)
    responses = [r for r in records_of(path) if r.rec_type == "response"]
    assert len(responses) == 2  # a truncated record is never the original of a revisit
    assert responses[0].rec_headers.get_header("WARC-Truncated") == "unspecified"
    assert responses[0].payload == b""
    assert again.screenshot is None and again.view is not None


def test_warcio_check_passes_on_every_file(evidence_dir: Path) -> None:
    archive = open_archive(evidence_dir, max_bytes=3000)
    try:
        for n in range(3):
            archive.write_exchange(*exchange(f"{URL}&page={n}"))
            archive.write_exchange(*exchange(f"{URL}&page={n}"))  # a revisit
            archive.write_exchange(*browser_page(b"<html>%d</html>" % n))
    finally:
        archive.close()
    files = warc_files(evidence_dir)
    assert len(files) > 1
    done = subprocess.run(
        [str(WARCIO), "check", "-v", *map(str, files)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "digest pass" in done.stdout and "revisit" in done.stdout
