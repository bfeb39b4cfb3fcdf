"""The spider of `armswatch import`: a source's selectors over saved pages, with no network.

Each saved page (`crawlers.snapshots`) is asked for with a `saved://page/<n>` request, answered by
`crawlers.snapshots.handler` with the page under its own URL (or, for a saved file that does
not say it, the source's first start URL, against which its links are made absolute). A page
with listing cards gives their listings; a page on which the source's `listing_links` match is
an index page and gives none; any other page is read as a detail page (with a `detail`
section), and one without a title is counted as another page (`import/other_pages`: vendor
pages, help pages). Nothing is followed: links lead to the live site.

Each listing's evidence is where its page came from (the saved file or the WARC record, with
its SHA-256), and its capture time the page's: the WARC record's date, else the `captured_at`
given, else the file's modification time (logged, since a copied file's time may not be when
the page was saved).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import Request, Response, TextResponse

from crawlers.extraction import ExtractionError, card_nodes, listing_from_card, listing_from_page
from crawlers.listing import Listing, utcnow
from crawlers.snapshots import SavedPage, SnapshotError, open_snapshot
from crawlers.snapshots.handler import PAGE_URL, SAVED_PAGE, SCHEME
from crawlers.spiders.source_spider import Output, SourceSpider


class ImportSpider(SourceSpider):
    name = "import"

    def __init__(
        self, source: Any, snapshot: Path, captured_at: datetime | None = None, **kwargs: Any
    ) -> None:
        super().__init__(source, **kwargs)
        self.snapshot = snapshot
        self.captured_at = captured_at
        self._warned_mtime = False

    async def start(self) -> AsyncIterator[Request]:
        """A request per saved page; a snapshot broken part-way is an error, and the pages
        read before it stand."""
        fallback_url = str(self.source.start_urls[0])
        try:
            for number, page in enumerate(open_snapshot(self.snapshot)):
                meta = {SAVED_PAGE: page, PAGE_URL: page.url or fallback_url}
                yield Request(
                    f"{SCHEME}://page/{number}",
                    callback=self.parse_saved,
                    meta={**meta, "allow_offsite": True},
                    dont_filter=True,
                )
        except SnapshotError as error:
            self._count_error("snapshot", str(self.snapshot), str(error))

    def parse_saved(self, response: Response) -> Output:
        page = response.meta[SAVED_PAGE]
        self._count("import/pages")
        if not isinstance(response, TextResponse):
            self._count_error("not_text", page.origin, "saved page is not HTML")
            return
        when = self._capture_time(page)
        for listing in self._listings(response, page, when):
            yield self.checks.cap_fields(listing).model_copy(update={"evidence": page.evidence})

    def _listings(self, response: TextResponse, page: SavedPage, when: datetime) -> list[Listing]:
        cards = card_nodes(self.source, response.selector)
        if cards:
            read = (self._saved_card(page, response, card, when) for card in cards)
            return [listing for listing in read if listing is not None]
        links = self.source.index.listing_links
        if (links is not None and links.values(response.selector)) or self.source.detail is None:
            self._count("import/index_pages")
            return []
        try:
            return [listing_from_page(self.source, response.url, response.selector, when)]
        except ExtractionError:  # a vendor page, a help page: a snapshot holds all sorts
            self._count("import/other_pages")
            return []

    def _saved_card(
        self, page: SavedPage, response: TextResponse, card: Any, when: datetime
    ) -> Listing | None:
        try:
            listing = listing_from_card(self.source, response.url, card, when)
        except ExtractionError as error:
            self._count_error(f"card_missing_{error.field}", page.origin, error.reason)
            return None
        self._count("cards")
        return listing

    def _capture_time(self, page: SavedPage) -> datetime:
        if page.captured_at is not None:
            return page.captured_at
        if self.captured_at is not None:
            return self.captured_at
        if not self._warned_mtime:
            self._warned_mtime = True
            self.logger.warning(
                "%s: saved files say not when they were saved; their modification times are "
                "taken as capture times (give --captured-at to set it)",
                self.snapshot,
                extra={"event": "import_capture_time_guessed", "snapshot": str(self.snapshot)},
            )
        return page.modified or utcnow()
