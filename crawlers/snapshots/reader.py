"""Which saved pages a path holds: a folder of HTML files (and WARC files), a WARC file, a zip.

Files are read in name order, folders recursively. A zip may hold HTML files, WARC files or
both; its members are named `archive.zip!member` in the evidence.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from crawlers.snapshots.pages import SavedPage, SnapshotError, html_page
from crawlers.snapshots.warc_pages import warc_pages

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.gz")


def open_snapshot(path: Path) -> Iterator[SavedPage]:
    """Every saved page under `path`; `SnapshotError` when it holds none armswatch can read."""
    if not path.exists():
        raise SnapshotError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _folder(path)
    elif path.name.lower().endswith(WARC_SUFFIXES):
        with path.open("rb") as stream:
            yield from warc_pages(stream, str(path))
    elif path.suffix.lower() == ".zip":
        yield from _zip(path)
    elif path.name.lower().endswith(HTML_SUFFIXES):
        yield _html_file(path)
    else:
        raise SnapshotError(
            f"{path}: not a folder, an HTML file, a WARC file (.warc, .warc.gz) or a zip"
        )


def _folder(folder: Path) -> Iterator[SavedPage]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    readable = [p for p in files if p.name.lower().endswith(HTML_SUFFIXES + WARC_SUFFIXES)]
    if not readable:
        raise SnapshotError(f"{folder}: holds no .html, .htm, .warc or .warc.gz file")
    for path in readable:
        yield from open_snapshot(path)


def _html_file(path: Path) -> SavedPage:
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return html_page(path.read_bytes(), str(path), modified)


def _zip(path: Path) -> Iterator[SavedPage]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise SnapshotError(f"{path}: not a readable zip file ({error})") from error
    with archive:
        for member in sorted(archive.infolist(), key=lambda info: info.filename):
            name = member.filename.lower()
            origin = f"{path}!{member.filename}"
            if name.endswith(HTML_SUFFIXES):
                modified = datetime(*member.date_time, tzinfo=UTC)
                yield html_page(archive.read(member), origin, modified)
            elif name.endswith(WARC_SUFFIXES):
                with archive.open(member) as stream:
                    yield from warc_pages(stream, origin)
