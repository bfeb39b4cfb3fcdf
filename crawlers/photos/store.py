"""The photo store: one file per distinct content, named by its SHA-256.

    <data_dir>/photos/ab/ab12...ef.jpg

A file already there is never written again (the same picture on many listings, sites or
crawls is one file); a new one is written to a temporary name and renamed, so a crash never
leaves a partial file under a content hash.
"""

from __future__ import annotations

from io import BytesIO
from os import PathLike
from typing import Any

from scrapy.pipelines.files import FSFilesStore

from crawlers.content_files import write_once
from crawlers.photos.hashing import extension_of, sha256_hex


def photo_path(body: bytes) -> str:
    """The store path (relative, `/`-separated) of a photo's bytes."""
    digest = sha256_hex(body)
    return f"{digest[:2]}/{digest}{extension_of(body)}"


class PhotoStore(FSFilesStore):
    """Scrapy's file-system store, writing each content once and atomically."""

    def persist_file(
        self,
        path: str | PathLike[str],
        buf: BytesIO,
        info: Any,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.store_once(str(path), buf.getvalue())

    def store_once(self, path: str, data: bytes) -> bool:
        """Write `data` at `path` unless a file is there; whether it was written."""
        return write_once(self._get_filesystem_path(path), data)
