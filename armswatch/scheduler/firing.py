"""A fire: one run of a source's crawl, claimed once in the fire log and run in a child
process within the source's time budget. The daemon fires scheduled runs and re-runs of
unfinished crawls; `armswatch crawl --now` fires at once, in the foreground.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from armswatch.scheduler.fires import FireLog
from armswatch.scheduler.runner import Budget, CrawlRunner, Outcome
from armswatch.settings import AppSettings
from crawlers.errors import CrawlersError
from crawlers.source import Source
from crawlers.source_loader import find_source

LOG = logging.getLogger("armswatch.scheduler")
STOP_GRACE = 120.0  # seconds past max_duration for the child to start, close and record
CLAIMED_ELSEWHERE = "skipped: claimed by another daemon"
RUNNING_HERE = "skipped: a crawl of the source is running"


class Firing:
    def __init__(
        self,
        app: AppSettings,
        fires: FireLog,
        runner: CrawlRunner,
        *,
        default_budget: float | None = None,
        kill_grace: float = 60.0,
    ) -> None:
        self.app = app
        self.fires = fires
        self.runner = runner
        self.default_budget = default_budget
        self.kill_grace = kill_grace

    def budget(self, source: Source) -> Budget:
        """The source's max_duration (Scrapy stops itself then) or else the default budget."""
        seconds = source.limits.max_duration
        if seconds is not None:
            return Budget(seconds, stop_grace=STOP_GRACE, kill_grace=self.kill_grace)
        return Budget(self.default_budget, kill_grace=self.kill_grace)

    def fire(self, name: str, fire_key: str, target: str | None = None) -> Outcome | str:
        """Claim this run of `name` and crawl it; the outcome, or why nothing ran."""
        if name in self.runner.running():  # e.g. a re-run at start, still going
            LOG.info("%s: run %s skipped: a crawl of it is running", name, fire_key)
            return RUNNING_HERE
        if not self.fires.claim(name, fire_key):
            LOG.info("%s: run %s claimed by another daemon, skipped", name, fire_key)
            return CLAIMED_ELSEWHERE
        try:
            source = find_source(target or name, self.app.sources_dirs)
        except CrawlersError as error:
            self.fires.finish(name, fire_key, f"not run: {error}")
            LOG.error("%s: not run: %s", name, error)
            return f"not run: {error}"
        LOG.info("%s: run %s starts", name, fire_key)
        try:
            outcome = self.runner.run(name, self.budget(source), target)
        except BaseException as error:
            self.fires.finish(name, fire_key, f"error: {error!r}")
            raise
        self.fires.finish(name, fire_key, outcome.summary)
        LOG.info("%s: run %s %s after %.0f s", name, fire_key, outcome.summary, outcome.seconds)
        return outcome


def crawl_now(
    targets: Sequence[tuple[str, str]], app: AppSettings, fires: FireLog
) -> list[Outcome | str]:
    """Crawl (name, target) pairs at once, side by side, each in its own process as the
    daemon would, in the foreground; Ctrl-C stops them cleanly."""
    firing = Firing(app, fires, CrawlRunner(output_dir=None))
    key = "now:" + datetime.now(UTC).isoformat()
    results: list[Outcome | str] = ["not run"] * len(targets)

    def crawl(position: int, name: str, target: str) -> None:
        results[position] = firing.fire(name, key, target)

    threads = [
        threading.Thread(target=crawl, args=(position, name, target), name=f"crawl-{name}")
        for position, (name, target) in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        firing.runner.stop_all()
        for thread in threads:
            thread.join()
    return results
