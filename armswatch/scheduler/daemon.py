"""`armswatch schedule run`: the long-running daemon that crawls sources on their schedules.

On start it closes the claims of crawls its previous life lost, makes the job store match the
sources (unless told not to), queues an immediate re-run of every scheduled source whose last
crawl did not finish (as its frontier says: `crawlers.frontier.state`), then fires jobs until
SIGTERM (or SIGINT, SIGHUP): it then starts no more crawls, stops the running ones cleanly
(SIGTERM, SIGKILL after the grace) and exits once their outcomes are recorded. Every `poll`
seconds it looks at the job store again, so changes made by `schedule sync` (or another daemon)
are seen without a restart.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from armswatch.report_schedules import load_report_schedules
from armswatch.scheduler.fires import FireLog
from armswatch.scheduler.firing import Firing
from armswatch.scheduler.jobs import JOB_FUNCTION, SyncReport, specs_for, sync_jobs
from armswatch.scheduler.report_runs import run_report_job
from armswatch.scheduler.runner import CrawlRunner, Outcome
from armswatch.scheduler.store import JOBS, ONCE, open_scheduler, schedule_engine
from armswatch.settings import AppSettings
from crawlers.frontier.state import FrontierState, FrontierUnreadableError, unfinished
from crawlers.source_loader import load_all

LOG = logging.getLogger("armswatch.scheduler")
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_current: Daemon | None = None  # the daemon of this process, which scheduled jobs call


def run_scheduled(source: str, fire_key: str = "") -> str:
    """The job of every scheduled source (referenced by name, so the job store keeps it)."""
    if _current is None:
        raise RuntimeError("scheduled crawls run inside `armswatch schedule run`")
    result = _current.firing.fire(source, fire_key or "unkeyed")
    return result.summary if isinstance(result, Outcome) else result


def run_scheduled_report(source: str, fire_key: str = "") -> str:
    """The job of every report schedule (`source` is its job id, report:<name>)."""
    if _current is None:
        raise RuntimeError("scheduled reports run inside `armswatch schedule run`")
    return run_report_job(_current.app, _current.fires, source, fire_key or "unkeyed")


@dataclass(frozen=True)
class DaemonOptions:
    sync: bool = True  # apply the sources' schedules to the job store on start
    workers: int = 8  # crawls at the same time, at most
    poll: float = 10.0  # seconds between looks at the job store for changes made elsewhere
    default_budget: float | None = 6 * 3600.0  # seconds, for sources without max_duration
    kill_grace: float = 60.0  # seconds from SIGTERM to SIGKILL of a crawl being stopped


class Daemon:
    def __init__(self, app: AppSettings, options: DaemonOptions | None = None) -> None:
        self.app = app
        self.options = options or DaemonOptions()
        self.engine = schedule_engine(app)
        self.fires = FireLog(self.engine)
        self.firing = Firing(
            app,
            self.fires,
            CrawlRunner(output_dir=app.log_dir / "crawls"),
            default_budget=self.options.default_budget,
            kill_grace=self.options.kill_grace,
        )
        self.scheduler = open_scheduler(self.engine, workers=self.options.workers)
        self._stop = threading.Event()

    def run(self) -> None:
        """Fire jobs until stopped (call from the main thread: it takes the stop signals)."""
        global _current
        _current = self
        for number in _STOP_SIGNALS:
            signal.signal(number, self._on_signal)
        lost = self.fires.mark_lost()
        self.fires.prune()
        self.scheduler.start(paused=True)
        try:
            self._prepare(lost)
            self.scheduler.resume()  # missed runs fire now, once each (coalesced)
            while not self._stop.wait(self.options.poll):
                self.scheduler.wakeup()
        finally:
            self._shut_down()
            _current = None

    def stop(self) -> None:
        self._stop.set()

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        LOG.warning("%s: stopping", signal.Signals(number).name)
        self._stop.set()

    def _prepare(self, lost: int) -> None:
        if lost:
            LOG.warning("%d crawl(s) were lost with a daemon before this one", lost)
        if self.options.sync:
            sources = load_all(self.app.sources_dirs).values()
            reports = load_report_schedules(self.app.reports_dir).values()
            report = sync_jobs(self.scheduler, specs_for(sources, reports))
            LOG.info("schedule synced: %s", describe_sync(report))
        for source in self._queue_unfinished():
            LOG.warning("%s: its last crawl did not finish; running it again now", source)

    def _queue_unfinished(self) -> list[str]:
        """Queue a run now of each scheduled source whose last crawl did not finish (unless
        its schedule, missed while no daemon ran, starts one now anyway). The run is keyed by
        that crawl's last run, as its frontier recorded it: the same for every daemon."""
        now = datetime.now(UTC)
        queued = []
        for job in self.scheduler.get_jobs(jobstore=JOBS):
            if job.func_ref != JOB_FUNCTION:
                continue  # a report: nothing to resume
            state = self._unfinished(job.id)
            if state is None:
                continue
            queued.append(job.id)
            if job.next_run_time is not None and job.next_run_time <= now:
                continue  # the missed run is due: it resumes the crawl
            self._queue_now(job.id, f"resume:{state.run_key}", now)
        return queued

    def _unfinished(self, source: str) -> FrontierState | None:
        """The source's crawl if it did not finish and is not running (a crawl by hand)."""
        try:
            state = unfinished(self.app.data_dir, source)
        except FrontierUnreadableError as error:
            LOG.warning("%s: %s; its next crawl starts fresh", source, error)
            return None
        if state is not None and state.running:
            LOG.info("%s: being crawled (pid %s), not run again", source, state.pid)
            return None
        return state

    def _queue_now(self, source: str, fire_key: str, now: datetime) -> None:
        self.scheduler.add_job(
            JOB_FUNCTION,
            trigger="date",
            run_date=now,
            id=f"resume:{source}",
            name=f"{source}: re-run of an unfinished crawl",
            kwargs={"source": source, "fire_key": fire_key},
            jobstore=ONCE,
            replace_existing=True,
        )

    def _shut_down(self) -> None:
        running = self.firing.runner.running()
        if running:
            LOG.warning("stopping the crawls of %s", ", ".join(running))
        self.scheduler.pause()  # no more fires: a run due now stays due for the next daemon
        self.firing.runner.stop_all()  # running crawls get SIGTERM, then SIGKILL
        self.scheduler.shutdown(wait=True)  # their threads record the outcomes, then end
        self.engine.dispose()
        LOG.info("stopped")


def describe_sync(report: SyncReport) -> str:
    parts = [
        f"{label} {', '.join(names)}"
        for label, names in (
            ("added", report.added),
            ("changed", report.changed),
            ("removed", report.removed),
            ("unchanged", report.unchanged),
        )
        if names
    ]
    return "; ".join(parts) or "no scheduled sources"
