"""`armswatch history ID`: the timeline of one listing, version by version, and its re-posts.

Each version shows when it began (the capture that made it, as the crawl noted it in the
history file beside the index; else its latest capture), its status and what changed from the
version before (price 300 USD -> 250 USD, status active -> removed, ...), as alerts show
changes. Re-post links (from the same file) show both ways: the earlier listing this one
re-posts, and the later listings that re-post it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from armswatch.cli import exit_codes
from armswatch.settings import AppSettings
from crawlers.listing import Listing
from index.backend import IndexBackend
from index.history_store import HistoryStore, RepostLink, history_db_path
from index.selection import open_index
from rules.alert import Change
from rules.changes import listing_changes

_SHOWN_CHARS = 60  # a changed value longer than this (a description) is cut short
_CONTEXT_CHARS = 15  # what a long changed text shows before the first difference
_FIRST = {"status": 0, "price": 1, "vendor": 2, "quantity": 3, "title": 8, "description": 9}


def history(
    listing_id: Annotated[
        str, typer.Argument(metavar="ID", help="a listing id from `armswatch search`")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
) -> None:
    """Show a listing's timeline: each version with its capture time, status and changes,
    and the listings it re-posts or that re-post it; exit 3 if unknown."""
    app = AppSettings.from_env()
    links, starts = _side_file(app, listing_id)
    index = open_index(app.index_url)
    try:
        versions = index.history(listing_id)
        titles = _titles(index, links, listing_id) if versions else {}
    finally:
        index.close()
    if not versions:
        typer.echo(f"no listing with id {listing_id!r}", err=True)
        raise typer.Exit(exit_codes.NOT_FOUND)
    document = timeline(versions, links, titles, starts)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    _print_timeline(document)


def timeline(
    versions: list[Listing],
    links: list[RepostLink],
    titles: dict[str, str],
    starts: dict[int, datetime] | None = None,
) -> dict[str, Any]:
    """The timeline as one JSON-ready document: versions oldest first, then re-post links.
    `starts`: when versions began, by number (the first began when the listing was first
    seen); a version without one has `since` None."""
    current = versions[-1]
    starts = {1: current.first_seen, **(starts or {})}
    return {
        "id": current.id,
        "title": current.title,
        "source": current.source,
        "market": current.market,
        "status": current.status,
        "first_seen": _utc(current.first_seen),
        "last_seen": _utc(current.last_seen),
        "versions": [
            _version(version, versions[n - 1] if n else None, starts.get(version.version))
            for n, version in enumerate(versions)
        ],
        "repost_of": [
            _link(link, link.old_id, titles) for link in links if link.new_id == current.id
        ],
        "reposted_as": [
            _link(link, link.new_id, titles) for link in links if link.old_id == current.id
        ],
    }


def _version(version: Listing, before: Listing | None, since: datetime | None) -> dict[str, Any]:
    changes = listing_changes(before, version) if before is not None else []
    return {
        "version": version.version,
        "since": _utc(since) if since else None,
        "captured_at": _utc(version.captured_at),  # its latest capture
        "status": version.status,
        "changes": [change.model_dump(mode="json") for change in changes],
    }


def _link(link: RepostLink, other: str, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "id": other,
        "title": titles.get(other),
        "similarity": link.similarity,
        "linked_at": _utc(link.linked_at),
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _side_file(app: AppSettings, listing_id: str) -> tuple[list[RepostLink], dict[int, datetime]]:
    """The listing's re-post links and version start times from the history file."""
    path = history_db_path(app.data_dir)
    if not path.exists():
        return [], {}
    with HistoryStore(path) as store:
        return store.links_of(listing_id), store.version_starts(listing_id)


def _titles(index: IndexBackend, links: list[RepostLink], listing_id: str) -> dict[str, str]:
    """The titles of the linked listings still in the index, by id."""
    others = {link.old_id for link in links} | {link.new_id for link in links}
    found = (index.get(other) for other in sorted(others - {listing_id}))
    return {listing.id: listing.title for listing in found if listing is not None}


def _print_timeline(document: dict[str, Any]) -> None:
    console = Console()
    count = len(document["versions"])
    console.print(
        f"[bold]{escape(document['title'])}[/bold]  ({escape(document['market'])}, "
        f"{document['id']}): {document['status']}, {count} version{'s' if count > 1 else ''}, "
        f"seen {_minute(document['first_seen'])} to {_minute(document['last_seen'])} UTC"
    )
    for version in document["versions"]:
        when = _minute(version["since"] or version["captured_at"])
        lines = _change_lines(version["changes"]) if version["version"] > 1 else ["first seen"]
        head = f"  v{version['version']:<3} {when} UTC  {version['status']:<8} "
        console.print(head + lines[0])
        for line in lines[1:]:
            console.print(" " * len(head) + line)
    for label, key in (("re-post of", "repost_of"), ("re-posted as", "reposted_as")):
        for link in document[key]:
            title = f' "{escape(link["title"])}"' if link["title"] else ""
            console.print(
                f"  {label} {link['id']}{title} (similarity {link['similarity']:.2f}, "
                f"linked {_minute(link['linked_at'])})"
            )


def _minute(iso_time: str) -> str:
    """An ISO time (UTC) as `YYYY-MM-DD HH:MM`."""
    return iso_time[:16].replace("T", " ")


def _change_lines(changes: list[dict[str, Any]]) -> list[str]:
    """One line per changed field (status and price first, texts last), escaped for rich."""
    if not changes:
        return ["no visible change"]
    ordered = sorted(changes, key=lambda change: _FIRST.get(change["field"], len(_FIRST)))
    return [escape(_change_text(Change.model_validate(change))) for change in ordered]


def _change_text(change: Change) -> str:
    before, after = _around_difference(change.before, change.after)
    return f"{change.field} {before} -> {after}"


def _around_difference(before: str | None, after: str | None) -> tuple[str, str]:
    """Both values as shown: a long text from a little before where the two first differ,
    cut short."""
    if before is None or after is None:
        return _shown(before), _shown(after)
    pairs = enumerate(zip(before, after, strict=False))
    same = next((n for n, (old, new) in pairs if old != new), min(len(before), len(after)))
    start = max(same - _CONTEXT_CHARS, 0)
    if start:
        return _shown("…" + before[start:]), _shown("…" + after[start:])
    return _shown(before), _shown(after)


def _shown(value: str | None) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 1] + "…"
