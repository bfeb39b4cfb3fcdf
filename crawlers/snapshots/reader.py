"""Which saved pages a path holds: a folder of HTML files (and WARC files), a WARC file, a zip.

Files are read in name order, folders recursively. A zip may hold HTML files, WARC files or
both; its members are named `archive.zip!member` in the evidence. WARC revisit records are
read as the pages they repeat wherever in the snapshot those are (`crawlers.snapshots.revisits`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from crawlers.snapshots.pages import SavedPage, SnapshotError, html_page
from crawlers.snapshots.revisits import Opener, RevisitIndex
from crawlers.snapshots.warc_pages import paired, warc_pages

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.gz")


def open_snapshot(path: Path) -> Iterator[SavedPage]:
    """Every saved page under `path`; `SnapshotError` when it holds none armswatch can read."""
    revisits = RevisitIndex()
    yield from _snapshot(path, revisits)
    yield from paired(revisits.resolve_waiting())  # revisits read before their originals


def _snapshot(path: Path, revisits: RevisitIndex) -> Iterator[SavedPage]:
    if not path.exists():
        raise SnapshotError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _folder(path, revisits)
    elif path.name.lower().endswith(WARC_SUFFIXES):
        yield from warc_pages(lambda: path.open("rb"), str(path), revisits)
    elif path.suffix.lower() == ".zip":
        yield from _zip(path, revisits)
    elif path.name.lower().endswith(HTML_SUFFIXES):
        yield _html_file(path)
    else:
        raise SnapshotError(
            f"{path}: not a folder, an HTML file, a WARC file (.warc, .warc.gz) or a zip"
        )


def _folder(folder: Path, revisits: RevisitIndex) -> Iterator[SavedPage]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    readable = [p for p in files if p.name.lower().endswith(HTML_SUFFIXES + WARC_SUFFIXES)]
    if not readable:
        raise SnapshotError(f"{folder}: holds no .html, .htm, .warc or .warc.gz file")
    for path in readable:
        yield from _snapshot(path, revisits)


def _html_file(path: Path) -> SavedPage:
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return html_page(path.read_bytes(), str(path), modified)


def _zip(path: Path, revisits: RevisitIndex) -> Iterator[SavedPage]:
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
                yield from warc_pages(_member_opener(path, member.filename), origin, revisits)


def _member_opener(path: Path, member: str) -> Opener:
    """Opens a zip's member (as a seekable stream), the zip again each time."""

    @contextmanager
    def opened() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
            yield stream

    return opened
