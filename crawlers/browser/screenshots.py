"""Screenshots of listing pages, kept as evidence: `<screenshots dir>/<source>/<sha256>.png`.

Files are content-addressed and written once: the same rendering of a page is one file however
often it is crawled, and a file's name proves its content (`sha256sum` it). A file is written
under a temporary name and renamed, so a crash never leaves half a PNG under a hash name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from crawlers.content_files import write_once
from crawlers.listing import Evidence, Listing

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def save_screenshot(png: bytes, directory: Path, source: str) -> Path:
    """Store `png` under `directory/source/` by its SHA-256; the file's path."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG image")
    path = directory / source / f"{hashlib.sha256(png).hexdigest()}.png"
    write_once(path, png)
    return path


def with_screenshot(listing: Listing, path: Path) -> Listing:
    """The listing with `path` as its evidence screenshot (other evidence kept)."""
    evidence = (listing.evidence or Evidence()).model_copy(update={"screenshot": str(path)})
    return listing.model_copy(update={"evidence": evidence})
