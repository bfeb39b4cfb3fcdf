"""Run pattern reports over an index and write their findings (for the CLI and the scheduler)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from crawlers.listing import Listing
from intel.patterns.model import Finding, ReportInput
from intel.routes import ListingSource
from intel.windows import Window

FindingsFormat = Literal["json", "csv"]
ALL = "all"


def report_names(name: str) -> list[str]:
    """The reports `name` stands for (`all`: every one), or a ValueError naming the known ones."""
    from intel.patterns import REPORTS

    if name == ALL:
        return list(REPORTS)
    if name not in REPORTS:
        known = ", ".join(REPORTS)
        raise ValueError(f"no pattern report called {name!r}; the reports are: {known} (or all)")
    return [name]


def run_report(
    name: str,
    index: ListingSource,
    since: str | None = "30d",
    now: datetime | None = None,
    actors: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The findings of report `name` (or `all`) over every listing in the index, for the window
    of `since` (e.g. 30d) up to `now`; `actors` maps vendor keys to actor ids."""
    listings = list(index.scan_listings("*"))
    return run_reports(report_names(name), listings, since, now, actors)


def run_reports(
    names: Sequence[str],
    listings: Sequence[Listing],
    since: str | None = "30d",
    now: datetime | None = None,
    actors: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The findings of the reports `names` over listings already read (see `run_report`)."""
    from intel.patterns import REPORTS

    window = Window.since(since, now or datetime.now(UTC))
    data = ReportInput(listings=listings, window=window, actors=actors)
    return [finding for each in names for finding in REPORTS[each](data)]


def findings_document(findings: list[Finding], window: Window, names: list[str]) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "period": window.describe(),
        "reports": names,
        "findings": [finding.to_dict() for finding in findings],
    }


def findings_csv(findings: list[Finding]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["report", "subject", "explanation", "listing_ids"])
    for finding in findings:
        ids = " ".join(finding.listing_ids)
        writer.writerow([finding.report, finding.subject, finding.explanation, ids])
    return out.getvalue()


def write_findings(
    findings: list[Finding],
    path: Path,
    fmt: FindingsFormat = "json",
    *,
    window: Window | None = None,
    names: list[str] | None = None,
) -> Path:
    """Write findings to `path` as JSON (with a header) or CSV; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path.write_text(findings_csv(findings), encoding="utf-8")
    else:
        period = window or Window(None, datetime.now(UTC))
        reports = names or sorted({finding.report for finding in findings})
        document = findings_document(findings, period, reports)
        path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path
