"""`WarcArchive`: every response of one crawl of one source, in gzip WARC 1.1 files.

Files are `<evidence dir>/warc/<source>/<source>-<UTC YYYYmmddHHMMSS>-<pid>-<serial>.warc.gz`;
a new file is begun once the current one has reached `max_bytes`, between two exchanges, so a
request, its response and their resources share a file. Each file starts with a `warcinfo`
record (`crawlers.evidence.warcinfo`).

An exchange is a `request` record (`WARC-Concurrent-To` its response) and the records of the
response's payloads (`crawlers.evidence.payloads`): the `response`, and for a browser page the
rendered view and the screenshot, `resource` records concurrent to the response. A payload
stored already at the same URI (`DigestIndex`: one query per exchange) is written as a
`revisit` record (identical-payload-digest profile, `WARC-Refers-To` the first capture) with
the new HTTP headers only.

Records are made by warcio with SHA-256 block and payload digests set here (warcio would add
SHA-1 ones) and gzipped one member each, at level 6 (warcio's level 9 costs the crawl's reactor
thread several times more for a few per cent), so a record can be read, and re-hashed, from its
offset and length alone. An exchange is written in one `write` and flushed to the OS; `sync`
fsyncs, which the middleware does when the crawl closes.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO

from scrapy.http import Request, Response
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawlers.evidence.digests import DigestIndex, Original
from crawlers.evidence.http_blocks import HttpBlock, request_block
from crawlers.evidence.payloads import Payload, payloads_of
from crawlers.evidence.records import Capture
from crawlers.evidence.warcinfo import CrawlInfo

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
GZIP_LEVEL = 6
_GZIP_MEMBER = 16 + zlib.MAX_WBITS  # 31: a gzip header and trailer around the deflate stream


@dataclass(frozen=True)
class Exchange:
    """The records one response became, in file order (a new file's `warcinfo` first)."""

    records: tuple[Capture, ...]
    response: Capture  # the response record, or its revisit
    view: Capture | None = None  # a browser page: the DOM as rendered, or its revisit
    screenshot: Capture | None = None

    @property
    def page(self) -> Capture:
        """The record of the bytes the spider parsed: the rendered DOM, else the response."""
        return self.view or self.response


@dataclass(frozen=True)
class _Stamp:
    """One exchange's time, as WARC-Date and as ISO 8601."""

    warc_date: str
    iso: str

    @classmethod
    def now(cls) -> _Stamp:
        moment = datetime.now(UTC)
        return cls(
            datetime_to_iso_date(moment.replace(tzinfo=None), use_micros=True), moment.isoformat()
        )


class WarcArchive:
    """Writes the exchanges of one crawl of one source (not thread-safe: the reactor's)."""

    def __init__(
        self,
        evidence_dir: Path,
        info: CrawlInfo,
        digests: DigestIndex,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.evidence_dir = evidence_dir
        self.directory = evidence_dir / "warc" / info.source
        self.info = info
        self.digests = digests
        self.max_bytes = max_bytes
        self._writer = WARCWriter(BytesIO(), gzip=False, warc_version="1.1")
        self._file: IO[bytes] | None = None
        self._name = ""  # the current file, relative to the evidence directory
        self._position = 0
        self._serial = 0
        self._unreported: list[Capture] = []  # a new file's warcinfo, until an exchange is done

    def write_exchange(self, request: Request, response: Response) -> Exchange:
        """Write `request` and `response` (and a browser page's view and screenshot)."""
        self._ready()
        stamp = _Stamp.now()
        payloads = payloads_of(request, response)
        keyed = [payload for payload in payloads if payload.dedupable]
        source = self.info.source
        originals = self.digests.originals(source, [(p.uri, p.sha256) for p in keyed])
        anchor = payloads[0].record_id
        records = [self._request_record(request_block(request), response.url, anchor, stamp)]
        for payload in payloads:
            original = originals.get((payload.uri, payload.sha256)) if payload.dedupable else None
            records.append(self._payload_record(payload, original, anchor, stamp))
        written = {capture.record_id: capture for capture in self._append(records, stamp)}
        self.digests.add(
            Original(source, p.uri, p.sha256, p.record_id, stamp.warc_date, self._name)
            for p in keyed
            if written[p.record_id].record_type != "revisit"
        )
        response_capture, *resources = (written[payload.record_id] for payload in payloads)
        opened, self._unreported = self._unreported, []
        return Exchange(
            records=(*opened, *written.values()),
            response=response_capture,
            view=resources[0] if resources else None,
            screenshot=resources[1] if len(resources) > 1 else None,
        )

    def sync(self) -> None:
        """Flush and fsync the current file."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Sync and close the current file (the next exchange would start a new one)."""
        if self._file is not None:
            try:
                self.sync()
            finally:
                self._file.close()
                self._file = None

    # --- records -------------------------------------------------------------------------------

    def _request_record(
        self, http: HttpBlock, uri: str, response_id: str, stamp: _Stamp
    ) -> ArcWarcRecord:
        record_id = StatusAndHeadersParser.make_warc_id()
        headers = _warc_headers("request", record_id, uri, stamp)
        headers["WARC-Payload-Digest"] = _digest(http.payload)
        headers["WARC-Block-Digest"] = _digest(http.head_bytes, http.payload)
        headers["WARC-Concurrent-To"] = response_id
        if http.truncated:
            headers["WARC-Truncated"] = "unspecified"
        return self._writer.create_warc_record(
            uri,
            "request",
            payload=BytesIO(http.payload),
            length=len(http.payload),
            http_headers=http.head,
            warc_headers_dict=headers,
        )

    def _payload_record(
        self, payload: Payload, original: Original | None, anchor: str, stamp: _Stamp
    ) -> ArcWarcRecord:
        if original is not None:
            return self._revisit_record(payload, original, anchor, stamp)
        head = payload.http.head_bytes if payload.http else b""
        headers = _warc_headers(payload.record_type, payload.record_id, payload.uri, stamp)
        headers["WARC-Payload-Digest"] = payload.digest
        headers["WARC-Block-Digest"] = _digest(head, payload.payload) if head else payload.digest
        if payload.record_id != anchor:
            headers["WARC-Concurrent-To"] = anchor
        if payload.truncated:
            headers["WARC-Truncated"] = "unspecified"
        return self._writer.create_warc_record(
            payload.uri,
            payload.record_type,
            payload=BytesIO(payload.payload),
            length=len(payload.payload),
            warc_content_type=payload.content_type or "",
            http_headers=payload.http.head if payload.http else None,
            warc_headers_dict=headers,
        )

    def _revisit_record(
        self, payload: Payload, original: Original, anchor: str, stamp: _Stamp
    ) -> ArcWarcRecord:
        """A revisit of `original`: the new HTTP headers (if any), no payload."""
        head = payload.http.head_bytes if payload.http else b""
        headers: dict[str, str] = {
            "WARC-Type": "revisit",
            "WARC-Record-ID": payload.record_id,
            "WARC-Date": stamp.warc_date,
            "WARC-Target-URI": payload.uri,
            "WARC-Refers-To": original.record_id,
            "WARC-Block-Digest": _digest(head),
        }
        if payload.record_id != anchor:
            headers["WARC-Concurrent-To"] = anchor
        record = self._writer.create_revisit_record(
            payload.uri,
            digest=payload.digest,
            refers_to_uri=original.uri,
            refers_to_date=original.warc_date,
            http_headers=payload.http.head if payload.http else None,
            warc_headers_dict=headers,
        )
        if payload.http is None:  # an empty block: warcio's HTTP content type would be wrong
            record.content_type = None
        return record

    def _warcinfo_record(self, filename: str) -> ArcWarcRecord:
        record = self._writer.create_warcinfo_record(filename, self.info.fields())
        record.rec_headers.add_header("WARC-Block-Digest", _digest(record.raw_stream.getvalue()))
        return record

    # --- files ---------------------------------------------------------------------------------

    def _ready(self) -> None:
        """Open a file if none is open or the current one is full, and write its warcinfo
        (reported with the next exchange written, so it reaches the ledger even if the
        exchange that opened the file fails)."""
        if self._file is not None and self._position < self.max_bytes:
            return
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._file, path = self._new_file()
        self._name = path.relative_to(self.evidence_dir).as_posix()
        self._position = 0
        self._unreported += self._append([self._warcinfo_record(path.name)], _Stamp.now())

    def _new_file(self) -> tuple[IO[bytes], Path]:
        """A new file, never one that exists (a serial already taken is skipped)."""
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{self.info.source}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            self._serial += 1
            path = self.directory / name
            try:
                return path.open("xb"), path
            except FileExistsError:
                continue

    def _append(self, records: list[ArcWarcRecord], stamp: _Stamp) -> list[Capture]:
        """Serialize, gzip and append `records` in one write; their captures."""
        assert self._file is not None
        captures, members = [], []
        offset = self._position
        for record in records:
            member = self._gzip_member(record)
            captures.append(self._capture(record, offset, member, stamp))
            members.append(member)
            offset += len(member)
        try:
            self._file.write(b"".join(members))
            self._file.flush()
        except OSError:
            self._abandon()
            raise
        self._position = offset
        return captures

    def _gzip_member(self, record: ArcWarcRecord) -> bytes:
        buffer = self._writer.out
        buffer.seek(0)
        buffer.truncate()
        self._writer.write_record(record)
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_MEMBER)
        return compressor.compress(buffer.getvalue()) + compressor.flush()

    def _capture(self, record: ArcWarcRecord, offset: int, member: bytes, stamp: _Stamp) -> Capture:
        headers = record.rec_headers
        payload_digest = headers.get_header("WARC-Payload-Digest")
        return Capture(
            warc_file=self._name,
            record_id=headers.get_header("WARC-Record-ID"),
            record_type=record.rec_type,
            uri=headers.get_header("WARC-Target-URI") or "",
            offset=offset,
            length=len(member),
            sha256=hashlib.sha256(member).hexdigest(),
            payload_sha256=_hex(payload_digest) if payload_digest else None,
            captured_at=stamp.iso,
            source=self.info.source,
        )

    def _abandon(self) -> None:
        """A write failed: the file may end in part of a record, so the next one starts anew."""
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError:
                logger.exception(
                    "cannot close the WARC file %s after a failed write",
                    self._name,
                    extra={"event": "warc_close_failed", "warc_file": self._name},
                )


def _warc_headers(record_type: str, record_id: str, uri: str, stamp: _Stamp) -> dict[str, str]:
    """The leading WARC headers of a record (in the order they are written)."""
    return {
        "WARC-Type": record_type,
        "WARC-Record-ID": record_id,
        "WARC-Date": stamp.warc_date,
        "WARC-Target-URI": uri,
    }


def _digest(*parts: bytes) -> str:
    """A SHA-256 digest in warcio's form, `sha256:<base32>`."""
    digester = Digester("sha256")
    for part in parts:
        digester.update(part)
    return str(digester)


def _hex(labelled: str) -> str:
    """The hex of a `sha256:<base32>` digest."""
    return base64.b32decode(labelled.split(":", 1)[1]).hex()
