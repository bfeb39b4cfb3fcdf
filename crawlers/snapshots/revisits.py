"""WARC `revisit` records read as the pages they repeat.

A revisit record (identical-payload-digest profile) says that its URL was fetched again at its
`WARC-Date` and gave the payload of an earlier record: the one `WARC-Refers-To` names, else the
one of the same URL and payload digest. An import reads it as that record's page captured at the
revisit's date, so a listing seen again unchanged (armswatch writes a revisit then) is seen
again. Earlier records are remembered by their place (file and offset), not their bytes, and
read again when a revisit needs them; a revisit read before its original (files out of date
order) waits to the end of the snapshot, and one whose original the snapshot does not hold is
skipped and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from crawlers.snapshots.pages import SavedPage

logger = logging.getLogger(__name__)

Opener = Callable[[], AbstractContextManager[IO[bytes]]]  # the WARC file (or zip member) again


@dataclass(frozen=True)
class Place:
    """Where a record starts: its WARC file, opened again by `opener`, and its offset."""

    opener: Opener
    offset: int


@dataclass(frozen=True)
class Revisit:
    """A revisit record's page, lacking the payload it refers to."""

    page: SavedPage  # the revisit's URL, date, record id and file; no body yet
    refers_to: str | None  # WARC-Refers-To: the record holding the payload
    payload_digest: str | None
    concurrent_to: str | None


class RevisitIndex:
    """The HTML records of one snapshot by id and by (URL, payload digest), and the revisits
    still waiting for theirs."""

    def __init__(self) -> None:
        self._by_id: dict[str, Place] = {}
        self._by_payload: dict[tuple[str, str], Place] = {}
        self.waiting: list[Revisit] = []

    def note(self, record: Any, place: Place) -> None:
        """Remember where an HTML record is, for the revisits of it."""
        headers = record.rec_headers
        self._by_id[headers.get_header("WARC-Record-ID")] = place
        digest = headers.get_header("WARC-Payload-Digest")
        if digest:
            self._by_payload[(headers.get_header("WARC-Target-URI") or "", digest)] = place

    def page(self, revisit: Revisit) -> SavedPage | None:
        """The revisit's page with the payload it refers to, if the original was noted."""
        place = self._place(revisit)
        if place is None:
            return None
        return replace(revisit.page, body=_payload_at(place), sha256="")

    def resolve_waiting(self) -> Iterator[tuple[SavedPage, str | None]]:
        """The waiting revisits whose originals were noted since, with what each is concurrent
        to; the others are logged and dropped."""
        waiting, self.waiting = self.waiting, []
        missing = 0
        for revisit in waiting:
            page = self.page(revisit)
            if page is None:
                missing += 1
                continue
            yield page, revisit.concurrent_to
        if missing:
            logger.warning(
                "%d revisit record(s) refer to records the snapshot does not hold; skipped",
                missing,
                extra={"event": "import_revisit_unresolved", "count": missing},
            )

    def _place(self, revisit: Revisit) -> Place | None:
        if revisit.refers_to and revisit.refers_to in self._by_id:
            return self._by_id[revisit.refers_to]
        if revisit.payload_digest is None:
            return None
        return self._by_payload.get((revisit.page.url or "", revisit.payload_digest))


def _payload_at(place: Place) -> bytes:
    with place.opener() as stream:
        stream.seek(place.offset)
        record = next(iter(ArchiveIterator(stream)))
        return bytes(record.content_stream().read())
