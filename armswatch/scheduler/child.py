"""One scheduled crawl, in a process of its own: `python -m armswatch.scheduler.child SOURCE
--parent PID`.

It dies with the process that started it (PR_SET_PDEATHSIG on Linux), takes the source's
lock (exit 75 if the source is being crawled already), crawls and records its run. Exit codes:
0 complete, 1 failed or had errors, 2 a bad or unknown source, 75 busy, 79 stopped (SIGTERM)
before its crawl began.

A SIGTERM is never lost: until Scrapy listens for it (once its reactor runs), a handler of
our own notes it. Noted before the crawl begins, the crawl does not begin (exit 79); noted
while Scrapy starts, it is passed on to Scrapy, which stops the crawl cleanly and the run is
recorded. (Raising from the handler instead could land inside a Twisted callback, which
would keep the exception as a failure and leave the crawl running on, deaf to the stop.)
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from armswatch.scheduler.runner import STOPPED_BEFORE_CRAWL
from crawlers.child_process import die_with_parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="armswatch.scheduler.child")
    parser.add_argument("source")
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _note_stop)  # until Scrapy installs its own
    die_with_parent(args.parent)
    return crawl_one(args.source)


_STOP = threading.Event()


def _note_stop(_number: int, _frame: FrameType | None) -> None:
    """SIGTERM before Scrapy listens for it: noted, and acted on by `crawl_one`."""
    _STOP.set()


def crawl_one(name: str) -> int:
    from rich.console import Console

    from armswatch.cli import exit_codes
    from armswatch.cli.run_table import print_runs
    from armswatch.scheduler.guard import crawl_guarded
    from armswatch.scheduler.locks import BUSY, SourceBusyError
    from armswatch.settings import AppSettings
    from crawlers.errors import CrawlersError
    from crawlers.personas import check_persona
    from crawlers.source_loader import find_source

    app = AppSettings.from_env()
    try:
        source = find_source(name, app.sources_dirs)
        check_persona(source, app.secrets_file)
    except CrawlersError as error:
        print(error, file=sys.stderr)
        return exit_codes.BAD_INPUT
    if _STOP.is_set():
        return STOPPED_BEFORE_CRAWL
    try:
        runs = crawl_guarded(
            [source], app, console=Console(stderr=True), stop_requested=_STOP.is_set
        )
    except SourceBusyError as busy:
        print(busy, file=sys.stderr)
        return BUSY
    print_runs(runs, Console())
    failed = any(run.errors or run.failed for run in runs)
    return exit_codes.FAILED if failed else exit_codes.OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
