"""Static crawls of the demo onion market with login, CAPTCHAs answered through the CLI, queue
pages, session expiry and saved sessions. The market is served on 127.0.0.1 (the Tor route has
its own tests); each crawl runs in a fresh process (`tests.crawl_process`) while this test
answers the CAPTCHA tasks with `armswatch captcha solve` and watches the site.
"""

from __future__ import annotations

import gzip
import json
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from armswatch.cli.captcha_commands import captcha_app
from armswatch.demo.captcha_image import captcha_answer, captcha_png
from armswatch.demo.server import DemoSites, OnionOptions
from armswatch.demo.sites.onion import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    ONION_HOST,
    OnionSite,
    expected_onion_listing,
    onion_offers,
)
from crawlers.challenges.store import CaptchaStore
from crawlers.normalize import to_country_codes
from crawlers.personas import session_file
from tests.conftest import REPO, armswatch_env

SOURCE = "demo-onion-static"
PERSONA_ENV = {
    "ARMSWATCH_PERSONA_DEMO_ANALYST_USERNAME": DEMO_USERNAME,
    "ARMSWATCH_PERSONA_DEMO_ANALYST_PASSWORD": DEMO_PASSWORD,
    "ARMSWATCH_SECRETS": "",
}


@dataclass
class Crawl:
    returncode: int
    stats: dict[str, Any]
    items: list[dict[str, Any]]
    log: str
    answered: list[str] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)  # host names the crawl process resolved

    def stat(self, key: str) -> Any:
        return self.stats.get(f"armswatch/access/{key}", 0)


def serve(**options: Any) -> DemoSites:
    onion = OnionOptions(**{"queue_seconds": 0.6, **options})
    return DemoSites(ports={"onion": 0}, sites=("onion",), onion=onion).start()


def local_source(
    directory: Path, sites: DemoSites, *, captcha_timeout: float = 60, **changes: Any
) -> Path:
    """demo-onion-static.yaml moved to the loopback port, on the clearnet route, with changes."""
    text = (REPO / "sources" / f"{SOURCE}.yaml").read_text()
    definition = yaml.safe_load(text.replace(f"http://{ONION_HOST}", sites.base_urls["onion"]))
    definition["queue"]["wait"] = 0.3
    definition["captcha"]["timeout"] = captcha_timeout
    definition.update(network="clearnet", **changes)
    path = directory / "sources" / f"{SOURCE}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(definition))
    return path


def answer_through_cli(data_dir: Path, site: OnionSite, after: float = 0) -> list[str]:
    """Answer the open CAPTCHA tasks older than `after` seconds with `armswatch captcha solve`,
    reading the answer off the image."""
    answered = []
    for task in CaptchaStore(data_dir / "captcha.db").open_tasks():
        if task.age_seconds() < after:
            continue
        image = task.image_path.read_bytes()
        challenge = next(c for c in site.issued_challenges() if captcha_png(c) == image)
        done = CliRunner().invoke(
            captcha_app,
            ["solve", task.id, captcha_answer(challenge).lower()],
            env={"ARMSWATCH_DATA": str(data_dir)},
        )
        assert done.exit_code == 0, done.output
        answered.append(task.id)
    return answered


def crawl(
    source: Path,
    data_dir: Path,
    sites: DemoSites,
    env: dict[str, str],
    watch: Callable[[], None] = lambda: None,
    timeout: float = 60,
    answer: bool = True,
    answer_after: float = 0,
) -> Crawl:
    out = data_dir.parent / f"out-{time.monotonic_ns()}"
    out.mkdir(parents=True)
    with (out / "stderr.txt").open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.crawl_process", "--strict", str(out), str(source)],
            cwd=REPO,
            env=armswatch_env(data_dir, env),
            stdout=stderr,
            stderr=stderr,
        )
        answered: list[str] = []
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the crawl took longer than {timeout} s: {out}")
            if answer:
                answered += answer_through_cli(data_dir, sites.onion, answer_after)
            watch()
            time.sleep(0.05)
    return _result(out, process.returncode, answered)


def _result(out: Path, returncode: int, answered: list[str]) -> Crawl:
    """What `tests.crawl_process` wrote for the one source it crawled."""
    stats_files = list(out.glob("*.stats.json"))
    stats = json.loads(stats_files[0].read_text()) if stats_files else {}
    items_files = list(out.glob("*.jsonl"))
    items = [json.loads(line) for line in items_files[0].open()] if items_files else []
    log_file = out / "crawl.log"
    log = (log_file.read_text() if log_file.exists() else "") + (out / "stderr.txt").read_text()
    done = out / "process.json"
    lookups = json.loads(done.read_text())["lookups"] if done.exists() else []
    return Crawl(returncode, stats, items, log, answered, lookups)


def expire_after(sites: DemoSites, pages: int, expired: list[int]) -> Callable[[], None]:
    """A `watch` for `crawl` that expires the market's sessions once, after `pages` pages,
    recording how many it expired in `expired`."""

    def watch() -> None:
        if not expired and sites.onion.count("pages") >= pages:
            expired.append(sites.expire_sessions())

    return watch


def assert_every_listing_crawled(run: Crawl) -> None:
    assert run.returncode == 0, run.log[-3000:]
    assert run.stats["finish_reason"] == "finished"
    assert sorted(item["site_listing_id"] for item in run.items) == sorted(
        offer.offer_id for offer in onion_offers(1)
    )
    for item in run.items:
        offer = expected_onion_listing(item["site_listing_id"])
        assert offer is not None
        where = f"offer {offer.offer_id}"
        assert item["title"] == offer.title, where
        assert item["description"] == offer.description, where
        assert item["language"] == offer.language, where
        assert item["category_path"] == list(offer.category_path), where
        assert item["price"]["currency"] == offer.currency, where
        assert item["price"]["amount"] == pytest.approx(offer.price_amount), where
        assert item["vendor"]["handle"] == offer.vendor, where
        assert item["ships_to"] == list(offer.ships_to_codes), where
        assert item["ships_from"] == to_country_codes(offer.ships_from), where
        assert item["quantity"] == offer.quantity, where
        assert len(item["images"]) == len(offer.images), where
    assert run.stats.get("armswatch/extraction_errors", 0) == 0


def assert_no_credentials_leaked(run: Crawl) -> None:
    assert DEMO_PASSWORD not in run.log
    assert DEMO_PASSWORD not in json.dumps(run.stats)


# --- one market, two runs: login and CAPTCHAs, then the saved session --------------------------


@pytest.fixture(scope="module")
def market() -> Iterator[DemoSites]:
    sites = serve(captcha_every=40)
    yield sites
    sites.stop()


@pytest.fixture(scope="module")
def first_run(market: DemoSites, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Crawl]:
    root = tmp_path_factory.mktemp("onion-runs")
    data_dir = root / "data"
    run = crawl(local_source(root, market), data_dir, market, PERSONA_ENV, answer_after=0.5)
    return data_dir, run


def test_static_crawl_logs_in_and_an_analyst_answers_the_captchas(
    market: DemoSites, first_run: tuple[Path, Crawl]
) -> None:
    data_dir, run = first_run
    assert_every_listing_crawled(run)
    # the queue page of the new session was waited out, then one login
    assert run.stat("queue_waits") >= 1 and market.onion.count("queue_pages") >= 1
    assert run.stat("logins") == 1 and market.onion.count("login_posts") == 1
    # a CAPTCHA after the login and one after 40 pages, each answered through the CLI
    assert len(run.answered) == run.stat("captchas") == 2
    assert market.onion.count("captchas_solved") == 2
    # while the analyst took half a second, the source sent nothing new: only the requests
    # already in flight (concurrency 4) met the CAPTCHA page, not hundreds
    assert market.onion.count("captcha_pages") <= 2 * (4 + 1)
    store = CaptchaStore(data_dir / "captcha.db")
    tasks = [store.get(task_id) for task_id in run.answered]
    assert all(task and task.status == "answered" and task.source == SOURCE for task in tasks)
    assert all(task and task.persona == "demo-analyst" for task in tasks)
    assert_no_credentials_leaked(run)


def test_the_session_is_saved_for_the_source_and_persona(first_run: tuple[Path, Crawl]) -> None:
    data_dir, _ = first_run
    saved = session_file(data_dir / "sessions", SOURCE, "demo-analyst")
    assert saved.exists()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert DEMO_PASSWORD not in saved.read_text()


def test_the_evidence_holds_the_login_page_but_never_the_password(
    first_run: tuple[Path, Crawl],
) -> None:
    data_dir, _ = first_run
    files = sorted((data_dir / "evidence" / "warc" / SOURCE).glob("*.warc.gz"))
    assert files
    captured = set()
    for path in files:
        assert DEMO_PASSWORD.encode() not in gzip.decompress(path.read_bytes())
        with path.open("rb") as stream:
            captured |= {
                r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)
            }
    # the login form and the CAPTCHA image were captured (the login POST is answered with a
    # redirect, which is followed, not captured)
    assert any(uri and uri.endswith("/login") for uri in captured)
    assert any(uri and "/captcha/" in uri for uri in captured)


def test_a_second_run_reuses_the_saved_session_without_logging_in(
    market: DemoSites, first_run: tuple[Path, Crawl]
) -> None:
    data_dir, _ = first_run
    posts, forms = market.onion.count("login_posts"), market.onion.count("login_forms")
    run = crawl(data_dir.parent / "sources" / f"{SOURCE}.yaml", data_dir, market, PERSONA_ENV)
    assert_every_listing_crawled(run)
    assert run.stat("session_loaded") == 1 and run.stat("logins") == 0
    assert market.onion.count("login_posts") == posts
    assert market.onion.count("login_forms") == forms
    assert "/login" not in run.log


# --- session expiry --------------------------------------------------------------------------


def test_a_session_expired_mid_crawl_leads_to_one_relogin(tmp_path: Path) -> None:
    """Credentials from the secrets file this time (outside the repository)."""
    secrets = tmp_path / "secrets.yaml"
    entry = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    secrets.write_text(yaml.safe_dump({"personas": {"demo-analyst": entry}}))
    env = {"ARMSWATCH_SECRETS": str(secrets)}
    sites = serve(captcha_every=0)
    expired: list[int] = []
    try:
        run = crawl(local_source(tmp_path, sites), tmp_path / "data", sites, env,
                    expire_after(sites, 20, expired))  # fmt: skip
    finally:
        sites.stop()
    assert expired == [1]
    assert_every_listing_crawled(run)
    assert run.stat("relogins") == 1 and run.stat("logins") == 2
    assert sites.onion.count("login_posts") == 2
    assert sites.onion.count("redirects_to_login") >= 1
    assert_no_credentials_leaked(run)


def test_expired_again_after_the_relogin_stops_the_source_instead_of_looping(
    tmp_path: Path,
) -> None:
    """Sessions that die after one page: the page retried after the re-login is expired again."""
    sites = serve(captcha_every=0, session_pages=1)
    try:
        run = crawl(local_source(tmp_path, sites), tmp_path / "data", sites, PERSONA_ENV)
    finally:
        sites.stop()
    assert run.returncode != 0
    assert run.stats["finish_reason"] == "session_expired"
    assert "expired again right after a re-login" in run.stats["armswatch/access/error"]
    assert run.stat("relogins") == 1
    assert sites.onion.count("login_posts") == 2  # the first login and exactly one re-login
    assert not session_file(tmp_path / "data" / "sessions", SOURCE, "demo-analyst").exists()


# --- personas --------------------------------------------------------------------------------


def test_a_persona_without_credentials_stops_the_source_with_a_clear_error(
    tmp_path: Path,
) -> None:
    sites = serve()
    try:
        run = crawl(local_source(tmp_path, sites, persona="nobody"), tmp_path / "data", sites,
                    PERSONA_ENV)  # fmt: skip
    finally:
        sites.stop()
    assert run.returncode != 0 and run.stats["finish_reason"] == "persona_missing"
    error = run.stats["armswatch/access/error"]
    assert "ARMSWATCH_PERSONA_NOBODY_USERNAME" in error
    assert "ARMSWATCH_PERSONA_NOBODY_PASSWORD" in error
    assert sites.onion.count("login_posts") == 0 and not run.items


def test_wrong_credentials_stop_the_source_with_a_clear_error(tmp_path: Path) -> None:
    wrong = {**PERSONA_ENV, "ARMSWATCH_PERSONA_DEMO_ANALYST_PASSWORD": "wrong-password-1"}
    sites = serve()
    try:
        run = crawl(local_source(tmp_path, sites), tmp_path / "data", sites, wrong)
    finally:
        sites.stop()
    assert run.returncode != 0 and run.stats["finish_reason"] == "login_failed"
    assert "persona 'demo-analyst' failed" in run.stats["armswatch/access/error"]
    assert sites.onion.count("login_failures") == 1
    assert "wrong-password-1" not in run.log


# --- waiting: queue pages and analysts have limits -----------------------------------------------


def test_a_queue_page_that_never_passes_stops_at_max_wait(tmp_path: Path) -> None:
    sites = serve(queue_seconds=60)
    queue = {"detect": "div.queue", "wait": 0.3, "max_wait": 1}
    try:
        run = crawl(local_source(tmp_path, sites, queue=queue), tmp_path / "data", sites,
                    PERSONA_ENV)  # fmt: skip
    finally:
        sites.stop()
    assert run.returncode != 0 and run.stats["finish_reason"] == "access_failed"
    assert "still a queue page after 1 s" in run.stats["armswatch/access/error"]
    assert 2 <= sites.onion.count("queue_pages") <= 5


def test_an_unanswered_captcha_times_out_with_a_clear_error(tmp_path: Path) -> None:
    sites = serve(captcha_every=0)
    try:
        source = local_source(tmp_path, sites, captcha_timeout=1)
        run = crawl(source, tmp_path / "data", sites, PERSONA_ENV, answer=False)
    finally:
        sites.stop()
    assert run.returncode != 0 and run.stats["finish_reason"] == "captcha_timeout"
    assert "was not answered within 1 s" in run.stats["armswatch/access/error"]
    # the task is closed as expired, not left open for an analyst to answer in vain
    assert CaptchaStore(tmp_path / "data" / "captcha.db").open_tasks() == []
