"""`EvidenceMiddleware` in a real (unstarted) crawler: every response is captured, chained into
the ledger and put on its meta; a capture that fails is logged and counted, never raised."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.evidence.ledger import read_lines
from crawlers.evidence.meta import EVIDENCE
from crawlers.evidence.middleware import (
    EVIDENCE_DIR,
    WARC_MAX_BYTES,
    EvidenceError,
    EvidenceMiddleware,
)
from crawlers.evidence.records import Capture
from crawlers.evidence.verify import verify_evidence
from crawlers.source import Source
from crawlers.spiders.source_spider import SourceSpider
from tests.conftest import REPO

BASE = "http://127.0.0.1:9"


def crawler_for(evidence_dir: Path | None, **settings: Any) -> Crawler:
    if evidence_dir:
        settings[EVIDENCE_DIR] = str(evidence_dir)
    crawler = get_crawler(SourceSpider, settings)
    source = yaml.safe_load((REPO / "sources" / "demo-market.yaml").read_text())
    crawler.spider = SourceSpider(Source.model_validate(source))
    return crawler


def response(path: str, body: bytes, status: int = 200) -> tuple[Request, HtmlResponse]:
    """A request and its response as the downloader hands them to its middlewares (not tied
    to each other: `response.meta` is not there yet)."""
    request = Request(BASE + path)
    return request, HtmlResponse(request.url, status=status, body=body)


def test_without_an_evidence_dir_the_middleware_is_off() -> None:
    with pytest.raises(NotConfigured, match=EVIDENCE_DIR):
        EvidenceMiddleware.from_crawler(crawler_for(None))


def test_an_unusable_evidence_dir_stops_the_crawl_saying_how_to_fix_it(tmp_path: Path) -> None:
    blocker = tmp_path / "evidence"
    blocker.write_text("a file where the evidence directory should be")
    with pytest.raises(EvidenceError, match="ARMSWATCH_EVIDENCE=0"):
        EvidenceMiddleware.from_crawler(crawler_for(blocker))


def test_warc_files_are_begun_anew_past_the_size_setting_or_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WARC_MAX_BYTES, "12345")
    assert EvidenceMiddleware.from_crawler(crawler_for(tmp_path / "a")).max_bytes == 12345
    monkeypatch.setenv(WARC_MAX_BYTES, "100MB")
    with pytest.raises(EvidenceError, match="in bytes"):
        EvidenceMiddleware.from_crawler(crawler_for(tmp_path / "a"))
    crawler = crawler_for(tmp_path / "b", **{WARC_MAX_BYTES: 1})
    middleware = EvidenceMiddleware.from_crawler(crawler)
    for path in ("/a", "/b"):
        middleware.process_response(*response(path, b"<p>page</p>"))
    middleware.spider_closed(crawler.spider)
    assert len(list((tmp_path / "b" / "warc" / "demo-market").glob("*.warc.gz"))) == 2


def test_every_response_is_captured_chained_and_handed_to_the_spider(tmp_path: Path) -> None:
    evidence_dir = tmp_path / "evidence"
    crawler = crawler_for(evidence_dir)
    middleware = EvidenceMiddleware.from_crawler(crawler)
    pages = [("/a", b"<p>a</p>", 200), ("/busy", b"<p>busy</p>", 503), ("/a", b"<p>a</p>", 200)]
    for path, body, status in pages:
        request, page = response(path, body, status)
        assert middleware.process_response(request, page) is page
        capture = request.meta[EVIDENCE]
        assert isinstance(capture, Capture) and capture.uri == page.url
        assert capture.payload_sha256 == hashlib.sha256(body).hexdigest()
    middleware.spider_closed(crawler.spider)

    assert request.meta[EVIDENCE].record_type == "revisit"
    entries = [line.entry for line in read_lines(evidence_dir / "ledger.jsonl")]
    assert [e["record_type"] for e in entries if e] == [
        "warcinfo",
        *["request", "response"] * 2,
        "request",
        "revisit",
    ]
    report = verify_evidence(evidence_dir, evidence_dir / "ledger.jsonl")
    assert report.ok, report.faults
    assert report.records_checked == 7
    stats = crawler.stats.get_stats() if crawler.stats else {}
    assert stats["armswatch/evidence_records"] == 7
    assert stats["armswatch/evidence_revisits"] == 1
    warc = next((evidence_dir / "warc" / "demo-market").glob("*.warc.gz"))
    assert stats["armswatch/evidence_bytes"] == warc.stat().st_size


def test_a_failed_capture_is_logged_counted_and_the_response_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    evidence_dir = tmp_path / "evidence"
    crawler = crawler_for(evidence_dir)
    middleware = EvidenceMiddleware.from_crawler(crawler)
    (evidence_dir / "warc").write_text("a file where the WARC directory should be")
    request, page = response("/a", b"<p>a</p>")
    request.meta[EVIDENCE] = "left by an earlier try"

    with caplog.at_level(logging.ERROR):
        assert middleware.process_response(request, page) is page

    assert EVIDENCE not in request.meta
    assert crawler.stats is not None
    assert crawler.stats.get_value("armswatch/evidence_errors") == 1
    (failure,) = [r for r in caplog.records if getattr(r, "event", "") == "evidence_capture_failed"]
    assert getattr(failure, "url", None) == page.url and str(evidence_dir) in failure.getMessage()
    middleware.spider_closed(crawler.spider)
