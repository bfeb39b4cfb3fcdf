"""The HTML pages of a WARC file: what armswatch captured, or any other crawler's archive.

Each `response` record whose HTTP status is 200 and whose content is HTML is a page (its body
decoded of chunking and compression, as warcio's `content_stream` gives it), captured at its
`WARC-Date`. A browser page captured by armswatch is followed by its rendered view (a
`resource` record `urn:view:<url>`, concurrent to the response): the view is what the spider
parsed, so it stands for the page. `revisit` records repeat an earlier record's payload and
are skipped (the earlier record gave its listings).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawlers.snapshots.pages import SavedPage, SnapshotError

VIEW_PREFIX = "urn:view:"
HTML_TYPES = ("text/html", "application/xhtml+xml")


def warc_pages(stream: IO[bytes], origin: str) -> Iterator[SavedPage]:
    """The pages of the WARC file open in `stream` (named `origin` in their evidence)."""
    held: SavedPage | None = None  # a response whose rendered view may come next
    records = ArchiveIterator(stream)
    try:
        for record in records:
            if record.rec_type is None or not record.rec_headers.get_header("WARC-Record-ID"):
                offset = records.get_record_offset()
                yield from [held] if held is not None else []  # what was read before stands
                raise SnapshotError(f"{origin}: not a readable WARC record at byte {offset}")
            page = _page(record, origin)
            if page is None:
                continue
            if page.url is not None and page.url.startswith(VIEW_PREFIX):
                if held is not None and _concurrent_to(record) == held.warc_record_id:
                    held = None
                yield _as_view(page)
                continue
            if held is not None:
                yield held
            held = page
    except ArchiveLoadFailed as error:
        yield from [held] if held is not None else []
        raise SnapshotError(f"{origin}: not a readable WARC file ({error})") from error
    if held is not None:
        yield held


def _page(record: Any, origin: str) -> SavedPage | None:
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if record.rec_type == "response":
        if record.http_headers is None or record.http_headers.get_statuscode() != "200":
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource" and uri.startswith(VIEW_PREFIX):
        content_type = record.rec_headers.get_header("Content-Type") or ""
    else:
        return None
    if not content_type.lower().startswith(HTML_TYPES):
        return None
    return SavedPage(
        body=record.content_stream().read(),
        origin=origin,
        url=uri,
        captured_at=_date(record.rec_headers.get_header("WARC-Date")),
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )


def _as_view(page: SavedPage) -> SavedPage:
    """A rendered view, under its page's URL."""
    url = (page.url or "").removeprefix(VIEW_PREFIX)
    return SavedPage(
        body=page.body,
        origin=page.origin,
        url=url,
        captured_at=page.captured_at,
        warc_record_id=page.warc_record_id,
        sha256=page.sha256,
    )


def _concurrent_to(record: Any) -> str | None:
    value = record.rec_headers.get_header("WARC-Concurrent-To")
    return str(value) if value else None


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
