"""`PhotoPipeline`: a listing's images, downloaded, hashed and stored once by content.

Scrapy's own `FilesPipeline`, so the images go through the crawl's downloader like its pages:
the same proxy route (Tor, I2P: a browser source's images too, by the proxied fallback of its
download handler), the same cookies and session, the same fail-closed handlers, and the
evidence middleware writes each image response to the WARC files. Image requests carry
`meta[NOT_A_PAGE]`: they spend nothing of `limits.max_pages`.

Switched on by `ARMSWATCH_PHOTOS_DIR` (`armswatch.crawl` sets `<data_dir>/photos`); per
source, `photos.download` and `photos.max_per_listing` (`crawlers.source.Photos`). Each file
is stored once under its SHA-256 (`crawlers.photos.store`) and the listing gets one `Photo`
per image that downloaded (`crawlers.photos.hashing`). A failed image never drops the
listing: it is logged (`photo_download_failed`, with the URL and listing), counted in
`armswatch/photos/failed`, and the listing goes on with the photos that worked. Items that are
not listings pass through untouched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline, FilesStoreProtocol
from scrapy.pipelines.media import FileInfo, FileInfoOrError, MediaPipeline
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawlers.listing import Listing, Photo
from crawlers.middlewares.page_budget import NOT_A_PAGE
from crawlers.photos.hashing import describe_photo
from crawlers.photos.store import PhotoStore, photo_path
from crawlers.source import Photos, Source

logger = logging.getLogger(__name__)

PIPELINE = "crawlers.photos.pipeline.PhotoPipeline"
ORDER = 300  # after the listing budget (100), before extraction (500) and the index (800)
PHOTOS_DIR = "ARMSWATCH_PHOTOS_DIR"


class PhotoPipeline(FilesPipeline):
    MEDIA_NAME = "photo"
    LOG_FAILED_RESULTS = False  # item_completed logs each failed image, with its URL
    STORE_SCHEMES: ClassVar[dict[str, type[FilesStoreProtocol]]] = {
        "": PhotoStore,
        "file": PhotoStore,
    }

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.photos_by_sha256: dict[str, Photo] = {}
        crawler.signals.connect(self._count_response, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PhotoPipeline:
        directory = crawler.settings.get(PHOTOS_DIR)
        if not directory:
            raise NotConfigured(f"listing photos are off ({PHOTOS_DIR} is not set)")
        return cls(str(Path(directory).resolve()), crawler=crawler)

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        if not isinstance(item, Listing):
            return []
        headers = {"Referer": item.url}
        meta = {NOT_A_PAGE: True}
        return [
            Request(url, callback=NO_CALLBACK, headers=headers, meta=meta)
            for url in self._urls(item, info)
        ]

    def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> None:
        """Always download: the image response is evidence of this crawl, and the store
        (by content) cannot tell from a URL whether the picture changed."""
        return None

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        if response is None:  # only asked before a download, which media_to_download skips
            raise ValueError("a photo's path is known once its content is")
        return photo_path(response.body)

    async def file_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> str:
        """Describe and store the image; the checksum handed on is its SHA-256."""
        body = response.body
        photo = await maybe_deferred_to_future(deferToThread(describe_photo, request.url, body))
        store = self.store
        if not isinstance(store, PhotoStore):
            raise TypeError(f"{PHOTOS_DIR} must be a directory, not {type(store).__name__}")
        path = photo_path(body)
        if await maybe_deferred_to_future(deferToThread(store.store_once, path, body)):
            self._inc("stored")
        self.photos_by_sha256[photo.sha256] = photo
        self._inc("downloaded" if photo.phash else "undecodable")
        return photo.sha256

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        if not isinstance(item, Listing) or not results:
            return item
        photos: list[Photo] = []
        for url, (ok, value) in zip(self._urls(item, info), results, strict=True):
            if ok and isinstance(value, dict):
                photos.append(self._photo(url, value))
            else:
                self._failed(item, url, value)
        return item.model_copy(update={"photos": photos})

    def _photo(self, url: str, info: FileInfo) -> Photo:
        described = self.photos_by_sha256[str(info["checksum"])]
        return described if described.url == url else described.model_copy(update={"url": url})

    def _urls(self, item: Listing, info: MediaPipeline.SpiderInfo) -> list[str]:
        settings = _photo_settings(info.spider)
        if not settings.download:
            return []
        urls = [url for url in dict.fromkeys(item.images) if url.startswith(("http:", "https:"))]
        return urls[: settings.max_per_listing]

    def _failed(self, item: Listing, url: str, value: Any) -> None:
        reason = value.getErrorMessage() if isinstance(value, Failure) else str(value)
        self._inc("failed")
        logger.warning(
            "the photo %s of listing %s was not downloaded (%s): the listing is kept without it",
            url,
            item.url,
            reason or "download error",
            extra={
                "event": "photo_download_failed",
                "url": url,
                "listing_id": item.id,
                "listing_url": item.url,
                "source": item.source,
                "reason": reason,
            },
        )

    def _count_response(self, response: Response, request: Request, **_: Any) -> None:
        if request.meta.get(NOT_A_PAGE):
            self._inc("responses")

    def _inc(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"armswatch/photos/{name}")


def _photo_settings(spider: Any) -> Photos:
    source = getattr(spider, "source", None)
    return source.photos if isinstance(source, Source) else Photos()
