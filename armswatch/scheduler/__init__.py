"""Scheduled crawls: APScheduler 3 with a persistent job store, and the rules it runs by.

- **Jobs**: each source with a `schedule` (a five-field crontab expression, UTC, weekdays
  numbered as in crontab) is one job named after the source, delayed by up to
  `schedule_jitter` seconds at random. `armswatch schedule sync` applies changed YAML; the
  daemon syncs when it starts (unless `--no-sync`). The job store is
  `ARMSWATCH_SCHEDULE_DB` (any SQLAlchemy URL), else `<data>/schedule.db`.
- **Misfires**: `coalesce=True` and `misfire_grace_time=None`. APScheduler's default grace of
  one second silently drops a run missed while no daemon ran; here every missed run of a
  source, however many and however late, makes exactly one run, at once when the daemon
  (re)starts. Then the schedule goes on as before.
- **Unfinished crawls**: each source's crash-safe frontier (`<data>/frontier/<source>.db`)
  records its crawl: open from its start until a run ends complete, how each run stopped, and
  the process running it (`crawlers.frontier.state` reads that). On start, the daemon runs
  every scheduled source whose crawl is left open (killed, stopped by SIGTERM or its budget,
  failed; not one whose site was unreachable, retried on schedule) again at once, keyed by
  that crawl's last run so that two daemons run it once, unless the source's missed run is
  due anyway: either run continues the crawl.
- **One crawl per source at a time**: the crawling process holds an exclusive `flock` on
  `<data>/locks/<source>.lock` (released by the kernel with the process); any crawl, scheduled
  or by hand (`armswatch crawl`), of a source being crawled ends at once with exit code 75. A
  daemon also starts no second crawl of a source it is crawling (`max_instances=1`).
- **Several daemons**: APScheduler 3 does not coordinate schedulers sharing a job store. Each
  fire is claimed first, by inserting (source, fire key) into `armswatch_fires`, whose
  primary key it is: a fire is crawled by the one daemon whose insert succeeded. The fire
  key is the job's due time as read from the shared store.
- **Own process**: each crawl is a child process (Twisted's reactor cannot restart), killed by
  the kernel when the daemon dies (PR_SET_PDEATHSIG): a SIGKILLed daemon leaves no crawl behind
  to race the one its restart resumes.
- **Time budget**: a source's `limits.max_duration` (Scrapy closes the spider then, cleanly),
  with 120 s more for the process to start and close; without it, the daemon's default budget
  (`--default-budget`, 6 hours). Past its budget a crawl gets SIGTERM (Scrapy stops cleanly and
  records the run), and SIGKILL `--kill-grace` seconds (60) later if it is still there.
- **Shutdown**: SIGTERM, SIGINT or SIGHUP stop the daemon: no new fires, running crawls are
  stopped as over budget, their outcomes recorded, exit 0. Allow it `--kill-grace` plus a few
  seconds (systemd: `TimeoutStopSec`).
"""
