"""The health of a source, judged from its recent crawl runs (newest first).

Terms: a run *succeeded* when it ran to its end or to one of its limits (max pages, max
listings, max duration) and fetched at least one page. A site that is down is *unreachable*,
neither success nor failure; a run that ended "finished" without fetching a page did not
succeed. A source's *usual* listing count is the median over its last `window` successful
runs that found listings, before the run judged (so runs of a broken source do not lower it,
and the source stays broken until it finds listings again).

The rules, most serious first:

- **broken**: the selectors probably no longer match. The last successful run found no
  listings while the source usually finds at least `min_usual` (10); or it ran to its end
  (not stopped at a limit, whose count is only a lower bound) and found fewer than
  `drop_ratio` (10 %) of the usual count; or no successful run has ever found a listing.
- **failing**: the last `failing_after` (3) runs all failed, or every run so far failed.
- **stale**: no run succeeded for `stale_after` (7 days), or none ever did and the first run
  is that old.
- **unreachable**: the last run found the site down (an onion that does not answer).
- **warning**: the last run failed, or it logged errors.
- **ok**; **never run** when no run is recorded.

The error rate is the share of the last `window` runs (10) that failed or had errors
(unreachable runs count as neither). `armswatch sources status` exits 1 on broken or failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Literal

from armswatch.runs import COMPLETE, CrawlRun

State = Literal["broken", "failing", "stale", "unreachable", "warning", "ok", "never run"]
SEVERITY: tuple[State, ...] = (
    "broken",
    "failing",
    "stale",
    "unreachable",
    "warning",
    "ok",
    "never run",
)
ALARMING: frozenset[State] = frozenset({"broken", "failing"})
SELECTORS_HINT = "the site's layout probably changed and the selectors no longer match"


@dataclass(frozen=True)
class HealthRules:
    window: int = 10  # runs looked at for the error rate and the usual listing count
    failing_after: int = 3  # failed runs in a row
    stale_after: timedelta = timedelta(days=7)
    drop_ratio: float = 0.1
    min_usual: int = 10  # fewer usual listings are too few for a drop to say anything


@dataclass(frozen=True)
class SourceHealth:
    source: str
    state: State
    notes: tuple[str, ...] = ()
    last_run: CrawlRun | None = None
    last_success: CrawlRun | None = None
    usual_listings: int | None = None
    error_runs: int = 0  # of the runs counted in the error rate
    rated_runs: int = 0

    @property
    def alarming(self) -> bool:
        return self.state in ALARMING

    @property
    def error_rate(self) -> float | None:
        return self.error_runs / self.rated_runs if self.rated_runs else None


def succeeded(run: CrawlRun) -> bool:
    return run.outcome in {"complete", "stopped at a limit"}


def unsuccessful(run: CrawlRun) -> bool:
    """Failed, or ended without fetching a page (a clear-web site that refused every request)."""
    return run.outcome in {"failed", "nothing fetched"}


def judge(
    source: str, runs: Sequence[CrawlRun], now: datetime, rules: HealthRules | None = None
) -> SourceHealth:
    """The health of `source` from its runs, newest first (pass more than `rules.window` runs:
    the usual listing count looks back past a breakage to the runs before it)."""
    rules = rules or HealthRules()
    if not runs:
        return SourceHealth(source, "never run", ("no crawl run recorded",))
    successes = [run for run in runs if succeeded(run)]
    last_success = successes[0] if successes else None
    usual = _usual_listings(successes, rules)
    failing = _failing(runs, rules)
    findings = [
        *_broken(successes, usual, rules),
        *failing,
        *_stale(runs, last_success, now, rules),
        *_unreachable(runs[0]),
        *([] if failing else _warning(runs[0])),
    ]
    rated = [run for run in runs[: rules.window] if run.outcome != "unreachable"]
    states: list[State] = [state for state, _ in findings]
    state: State = min(states, key=SEVERITY.index) if states else "ok"
    return SourceHealth(
        source=source,
        state=state,
        notes=tuple(note for _, note in findings),
        last_run=runs[0],
        last_success=last_success,
        usual_listings=usual,
        error_runs=sum(1 for run in rated if unsuccessful(run) or run.errors),
        rated_runs=len(rated),
    )


def _usual_listings(successes: list[CrawlRun], rules: HealthRules) -> int | None:
    """The median listing count of the successful runs before the last one, of those that
    found listings (runs of a source that is already broken do not lower it)."""
    earlier = [run.listings for run in successes[1:] if run.listings > 0][: rules.window]
    return round(median(earlier)) if earlier else None


def _broken(
    successes: list[CrawlRun], usual: int | None, rules: HealthRules
) -> list[tuple[State, str]]:
    if not successes:
        return []
    last = successes[0]
    if usual is None:
        if any(run.listings for run in successes):
            return []
        runs = f"{len(successes)} successful run(s)"
        return [("broken", f"no listing found in {runs}; {SELECTORS_HINT}{_hint(last)}")]
    if usual < rules.min_usual:
        return []
    dropped = last.finish_reason == COMPLETE and last.listings < rules.drop_ratio * usual
    if last.listings and not dropped:
        return []
    found = f"{last.listings} listing(s) on {last.pages} page(s) where it usually finds ~{usual}"
    note = f"the last successful run found {found}: {SELECTORS_HINT}{_hint(last)}"
    return [("broken", note)]


def _hint(run: CrawlRun) -> str:
    """Which selectors: the index pages' listing links, or the detail pages' fields."""
    detail_pages = int(run.stats.get("armswatch/pages/detail", 0) or 0)
    index_pages = int(run.stats.get("armswatch/pages/index", 0) or 0)
    missing = {
        kind.removeprefix("extraction missing_"): count
        for kind, count in run.error_kinds.items()
        if kind.startswith("extraction missing_")
    }
    if missing:
        fields = ", ".join(f"{name} on {count}" for name, count in missing.items())
        return f" (detail pages without {fields} of {detail_pages}: check the detail selectors)"
    if index_pages and not detail_pages:
        return f" (no listing links on {index_pages} index page(s): check the index selectors)"
    return ""


def _failing(runs: Sequence[CrawlRun], rules: HealthRules) -> list[tuple[State, str]]:
    latest = runs[: rules.failing_after]
    if not all(unsuccessful(run) for run in latest):
        return []
    lead = "the only run" if len(runs) == 1 else f"the last {len(latest)} runs"
    reason = runs[0].failure_reason or "no error logged"
    return [("failing", f"{lead} failed or fetched no page; the latest: {reason}")]


def _stale(
    runs: Sequence[CrawlRun], last_success: CrawlRun | None, now: datetime, rules: HealthRules
) -> list[tuple[State, str]]:
    since = last_success.finished_at if last_success else runs[-1].started_at
    if now - since < rules.stale_after:
        return []
    if last_success is None:
        return [("stale", f"no run has succeeded since the first, {_age(now - since)} ago")]
    return [("stale", f"no run has succeeded for {_age(now - since)}")]


def _unreachable(last: CrawlRun) -> list[tuple[State, str]]:
    if last.outcome != "unreachable":
        return []
    return [("unreachable", f"the last run found the site down ({last.failure_reason})")]


def _warning(last: CrawlRun) -> list[tuple[State, str]]:
    if unsuccessful(last):
        reason = last.failure_reason or "no error logged"
        return [("warning", f"the last run failed or fetched no page: {reason}")]
    if last.errors:
        return [("warning", f"the last run had {last.errors} error(s): {last.failure_reason}")]
    return []


def _age(age: timedelta) -> str:
    if age >= timedelta(days=2):
        return f"{age.days} days"
    return f"{age.total_seconds() / 3600:.0f} hours"
