"""One saved page, and the error of a snapshot that cannot be read."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from crawlers.errors import CrawlersError
from crawlers.listing import Evidence

# what browsers write at the top of a page saved with "Save as": <!-- saved from url=(0041)URL -->
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)


IMPORTED_PAGES = "armswatch/import/pages"  # on an import's stats: it is never a complete crawl


class SnapshotError(CrawlersError):
    """A path that holds no saved pages armswatch can read, or a broken archive."""


@dataclass(frozen=True)
class SavedPage:
    """A page as saved: its bytes, its URL and capture time when the snapshot says them."""

    body: bytes
    origin: str  # the file, zip member (`archive.zip!page.html`) or WARC file it came from
    url: str | None = None
    captured_at: datetime | None = None  # from the WARC record; None for a bare file
    modified: datetime | None = None  # a file's modification time (not a capture time)
    warc_record_id: str | None = None
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())

    @property
    def evidence(self) -> Evidence:
        """Where a listing read from this page came from."""
        if self.warc_record_id is not None:
            return Evidence(
                warc_file=self.origin, warc_record_id=self.warc_record_id, sha256=self.sha256
            )
        return Evidence(saved_file=self.origin, sha256=self.sha256)


def html_page(body: bytes, origin: str, modified: datetime | None) -> SavedPage:
    """A saved HTML file: its URL is the one a browser noted when saving it, if any."""
    return SavedPage(body=body, origin=origin, url=saved_from_url(body), modified=modified)


def saved_from_url(body: bytes) -> str | None:
    """The URL a browser noted when the page was saved, if it did."""
    match = _SAVED_FROM.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None
