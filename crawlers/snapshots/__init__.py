"""Saved pages read offline (`armswatch import`): folders of HTML files, WARC files, zips.

`open_snapshot(path)` yields each saved page (`SavedPage`) with where it came from, so a listing
read from it can name its evidence: the file (or zip member) and its SHA-256, or the WARC file,
record id and payload digest. Nothing here touches the network.
"""

from crawlers.snapshots.pages import IMPORTED_PAGES, SavedPage, SnapshotError
from crawlers.snapshots.reader import open_snapshot

__all__ = ["IMPORTED_PAGES", "SavedPage", "SnapshotError", "open_snapshot"]
