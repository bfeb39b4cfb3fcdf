"""What went wrong in a crawl run: its errors by kind (from the Scrapy stats) and the first
error it logged (from the JSON-lines log under the data directory, see armswatch.logs)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# the site (an onion that is down) did not answer: its retries given up on are the reason the
# run is marked unreachable, not errors of their own (crawlers.network.health, written out)
UNREACHABLE = "source_unreachable"
# not found / gone: the end of a paginated list, a listing taken down; not errors
_ORDINARY_STATUSES = frozenset({404, 410})
# stats keys counted as they are, with the kind they are shown as
_COUNTED = {
    "armswatch/extraction_failed": "listings left unannotated",
    "armswatch/alert_errors": "alert rule errors",
    "armswatch/alerts_dead_letters": "alerts undelivered",
    "armswatch/listings_spooled": "listings spooled (index refused them)",
    "armswatch/replay_failures": "spool replay failures",
    "retry/max_reached": "requests given up after retries",
}
_EXTRACTION = "armswatch/extraction_errors"
_DOWNLOAD = "downloader/exception_type_count/"
_STATUS = "downloader/response_status_count/"
# a run's log records may come a little before its start time or after its finish time
_BEFORE, _AFTER = timedelta(seconds=5), timedelta(seconds=60)
_MAX_MESSAGE = 300
_MARKERS = ('"level": "error"', '"level": "critical"', '"extraction_error"')


def error_kinds(stats: dict[str, Any]) -> dict[str, int]:
    """The run's problems by kind, e.g. {"logged errors": 2, "extraction missing_title": 40,
    "download TimeoutError": 4, "http 503": 12}; kinds with a count of 0 are left out.

    Download exceptions count every attempt (retries too); HTTP statuses count responses of
    400 and above except 404 and 410."""
    kinds: dict[str, int] = {}
    if stats.get("finish_reason") != UNREACHABLE:
        kinds["logged errors"] = _count(stats, "log_count/ERROR") + _count(
            stats, "log_count/CRITICAL"
        )
    kinds.update(_extraction_kinds(stats))
    for key, value in stats.items():
        if key.startswith(_DOWNLOAD):
            kinds[f"download {key[len(_DOWNLOAD) :].rsplit('.', 1)[-1]}"] = _int(value)
        elif key.startswith(_STATUS) and _is_error_status(key[len(_STATUS) :]):
            kinds[f"http {key[len(_STATUS) :]}"] = _int(value)
    kinds.update({kind: _count(stats, key) for key, kind in _COUNTED.items()})
    if stats.get("armswatch/access/error"):
        kinds["access failed"] = 1
    return {kind: count for kind, count in sorted(kinds.items()) if count > 0}


def _extraction_kinds(stats: dict[str, Any]) -> dict[str, int]:
    prefix = _EXTRACTION + "/"
    kinds = {
        f"extraction {key[len(prefix) :]}": _int(value)
        for key, value in stats.items()
        if key.startswith(prefix)
    }
    if not kinds and _count(stats, _EXTRACTION):
        kinds["extraction"] = _count(stats, _EXTRACTION)
    return kinds


def first_logged_error(
    log_file: Path, source: str, started: datetime, finished: datetime
) -> str | None:
    """The first error (or, failing that, extraction error) `source` logged between `started`
    and `finished`, or None. Records naming another source are skipped; records naming none
    (e.g. from a pipeline) are taken when the source itself logged no error."""
    if not log_file.is_file():
        return None
    with log_file.open(encoding="utf-8", errors="replace") as lines:
        records = list(_records_between(lines, started - _BEFORE, finished + _AFTER))
    own = [record for record in records if _belongs_to(record, source) is True]
    anonymous = [record for record in records if _belongs_to(record, source) is None]
    for candidates in (_errors(own), _errors(anonymous), _extraction_errors(own)):
        for record in candidates:
            return logged_message(record)
    return None


def _records_between(
    lines: Iterable[str], start: datetime, end: datetime
) -> Iterator[dict[str, Any]]:
    for line in lines:
        if not any(marker in line for marker in _MARKERS):  # skip parsing most lines
            continue
        try:
            record = json.loads(line)
            logged = datetime.fromisoformat(record["time"])
        except (ValueError, KeyError, TypeError):
            continue
        if start <= logged <= end:
            yield record


def _belongs_to(record: dict[str, Any], source: str) -> bool | None:
    """True when the record names `source`, False when it names another, None if neither."""
    if "source" in record:
        return record["source"] == source
    if "spider" in record:  # "<SourceSpider 'demo-forum' at 0x7f...>"
        return f"'{source}'" in str(record["spider"])
    return None


def _errors(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in records if record.get("level") in {"error", "critical"}]


def _extraction_errors(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in records if record.get("event") == "extraction_error"]


def logged_message(record: dict[str, Any], max_length: int = _MAX_MESSAGE) -> str:
    """A log record's message on one line, its URL added when the text lacks it, cut to
    `max_length` characters."""
    message = " ".join(str(record.get("message", "")).split())
    url = record.get("url")
    if url and str(url) not in message:
        message = f"{message} ({url})"
    if len(message) > max_length:
        message = message[: max_length - 1] + "…"
    return message


def _is_error_status(status: str) -> bool:
    return status.isdigit() and int(status) >= 400 and int(status) not in _ORDINARY_STATUSES


def _count(stats: dict[str, Any], key: str) -> int:
    return _int(stats.get(key, 0))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
