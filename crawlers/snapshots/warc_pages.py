"""The HTML pages of a WARC file: what armswatch captured, or any other crawler's archive.

Each `response` record whose HTTP status is 200 and whose content is HTML is a page (its body
decoded of chunking and compression, as warcio's `content_stream` gives it), captured at its
`WARC-Date`. A browser page captured by armswatch is followed by its rendered view (a
`resource` record `urn:view:<url>`, concurrent to the response): the view is what the spider
parsed, so it stands for the page. A `revisit` record of such a page is the page again at the
revisit's date, with the payload of the record it refers to (`crawlers.snapshots.revisits`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawlers.snapshots.pages import SavedPage, SnapshotError
from crawlers.snapshots.revisits import Opener, Place, Revisit, RevisitIndex

VIEW_PREFIX = "urn:view:"
HTML_TYPES = ("text/html", "application/xhtml+xml")


def warc_pages(opener: Opener, origin: str, revisits: RevisitIndex) -> Iterator[SavedPage]:
    """The pages of the WARC file `opener` opens (named `origin` in their evidence); its HTML
    records are noted in `revisits`, and its revisits read from there (or left waiting)."""
    with opener() as stream:
        yield from paired(_candidates(stream, origin, opener, revisits))


def paired(candidates: Iterable[tuple[SavedPage, str | None]]) -> Iterator[SavedPage]:
    """The pages of (page, the record it is concurrent to) in order, a response left out for
    the rendered view concurrent to it; a broken WARC keeps what was read before it."""
    held: SavedPage | None = None  # a response whose rendered view may come next
    try:
        for page, concurrent_to in candidates:
            if page.url is not None and page.url.startswith(VIEW_PREFIX):
                if held is not None and concurrent_to == held.warc_record_id:
                    held = None
                yield _as_view(page)
                continue
            if held is not None:
                yield held
            held = page
    except SnapshotError:
        yield from [held] if held is not None else []  # what was read before stands
        raise
    if held is not None:
        yield held


def _candidates(
    stream: IO[bytes], origin: str, opener: Opener, revisits: RevisitIndex
) -> Iterator[tuple[SavedPage, str | None]]:
    records = ArchiveIterator(stream)
    try:
        for record in records:  # (the offset is known once the record has been read)
            if record.rec_type is None or not record.rec_headers.get_header("WARC-Record-ID"):
                offset = records.get_record_offset()
                raise SnapshotError(f"{origin}: not a readable WARC record at byte {offset}")
            if record.rec_type == "revisit":
                yield from _revisited(record, origin, revisits)
                continue
            page = _page(record, origin)
            if page is not None:
                revisits.note(record, Place(opener, records.get_record_offset()))
                yield page, _concurrent_to(record)
    except ArchiveLoadFailed as error:
        raise SnapshotError(f"{origin}: not a readable WARC file ({error})") from error


def _revisited(
    record: Any, origin: str, revisits: RevisitIndex
) -> Iterator[tuple[SavedPage, str | None]]:
    """The page a revisit of an HTML page repeats, if its original was read already."""
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI") or ""
    http = record.http_headers
    if http is not None and (http.get_statuscode() != "200" or not _is_html(http)):
        return
    if http is None and not uri.startswith(VIEW_PREFIX):
        return
    revisit = Revisit(
        page=SavedPage(
            body=b"",
            origin=origin,
            url=uri,
            captured_at=_date(headers.get_header("WARC-Date")),
            warc_record_id=headers.get_header("WARC-Record-ID"),
        ),
        refers_to=headers.get_header("WARC-Refers-To"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        concurrent_to=_concurrent_to(record),
    )
    page = revisits.page(revisit)
    if page is None:
        revisits.waiting.append(revisit)
        return
    yield page, revisit.concurrent_to


def _page(record: Any, origin: str) -> SavedPage | None:
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not (_is_html_response(record) or _is_view(record, uri)):
        return None
    return SavedPage(
        body=record.content_stream().read(),
        origin=origin,
        url=uri,
        captured_at=_date(record.rec_headers.get_header("WARC-Date")),
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )


def _is_html_response(record: Any) -> bool:
    http = record.http_headers
    return (
        record.rec_type == "response"
        and http is not None
        and http.get_statuscode() == "200"
        and _is_html(http)
    )


def _is_view(record: Any, uri: str) -> bool:
    return (
        record.rec_type == "resource"
        and uri.startswith(VIEW_PREFIX)
        and _is_html(record.rec_headers)
    )


def _is_html(headers: Any) -> bool:
    return str(headers.get_header("Content-Type") or "").lower().startswith(HTML_TYPES)


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
