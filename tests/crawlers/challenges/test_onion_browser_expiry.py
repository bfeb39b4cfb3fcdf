"""A browser crawl of the demo onion market whose session expires mid-crawl: one re-login
(made by Scrapy, handed to Chromium through the session's cookies) and the crawl goes on."""

from __future__ import annotations

from pathlib import Path

import yaml

from armswatch.demo.server import DemoSites
from armswatch.demo.sites.onion import ONION_HOST
from tests.conftest import REPO
from tests.crawlers.challenges.test_onion_crawl import PERSONA_ENV, crawl, expire_after, serve

LIMITS = {"max_pages": 30, "max_depth": 20, "allowed_domains": ["127.0.0.1"]}


def _browser_source(directory: Path, sites: DemoSites) -> Path:
    """demo-onion.yaml moved to the loopback port, on the clearnet route."""
    text = (REPO / "sources" / "demo-onion.yaml").read_text()
    definition = yaml.safe_load(text.replace(f"http://{ONION_HOST}", sites.base_urls["onion"]))
    definition["queue"]["wait"] = 0.3
    definition.update(network="clearnet", limits=LIMITS)
    definition["browser"].update(timeout=30, screenshot=False)
    path = directory / "sources" / "demo-onion.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(definition))
    return path


def test_a_browser_session_expired_mid_crawl_leads_to_one_relogin(tmp_path: Path) -> None:
    sites = serve(captcha_every=0)
    expired: list[int] = []
    try:
        run = crawl(_browser_source(tmp_path, sites), tmp_path / "data", sites, PERSONA_ENV,
                    expire_after(sites, 10, expired), timeout=180)  # fmt: skip
    finally:
        sites.stop()
    assert expired == [1]
    assert run.returncode == 0, run.log[-3000:]
    assert run.stats["finish_reason"] == "finished"
    assert run.stat("relogins") == 1 and sites.onion.count("login_posts") == 2
    assert len(run.items) >= 10
