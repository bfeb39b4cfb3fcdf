"""The rules page: the rule pack with each file's problems, the back-test over the index, and
switching a rule on and off in its YAML file; for supervisors only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from parsel import Selector

from dashboards.audit import AuditLog
from dashboards.roles import Role
from dashboards.views import rules_admin
from index.selection import open_index
from rules.backtest import backtest
from rules.loader import load_rule, load_rules
from tests.dashboards.conftest import REPO, LoggedIn, log_in, make_app

SHIPPED = REPO / "rules"


def copy_rules(target: Path) -> Path:
    target.mkdir()
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def cards(page: str) -> dict[str, Selector]:
    """The rule cards by file name."""
    return {str(card.attrib["data-file"]): card for card in Selector(page).css("section.rule")}


def text(node: Selector) -> str:
    return " ".join(" ".join(node.css("::text").getall()).split())


@pytest.fixture
def supervisor_over(tmp_path: Path) -> LoggedIn:
    """A supervisor on a dashboard whose rules directory is a copy of the shipped pack."""
    app = make_app(tmp_path / "data", rules_dir=copy_rules(tmp_path / "rules"))
    return log_in(app, Role.supervisor)


def test_the_shipped_rule_pack_is_listed(tmp_path: Path) -> None:
    supervisor = log_in(make_app(tmp_path, rules_dir=SHIPPED), Role.supervisor)
    page = supervisor.client.get("/rules")
    assert page.status_code == 200
    shipped = load_rules(SHIPPED)
    found = cards(page.text)
    assert set(found) == {path.name for path in shipped.files.values()}
    for name, rule in shipped.rules.items():
        card = text(found[shipped.files[name].name])
        assert card.startswith(name)
        for shown in (rule.severity, rule.owner, "enabled" if rule.enabled else "disabled"):
            assert shown in card
        if rule.query:
            assert rule.query.split()[0] in card
    assert "has problems" not in page.text


def test_a_broken_rule_file_shows_its_problems_next_to_the_valid_rules(
    tmp_path: Path, supervisor_over: LoggedIn
) -> None:
    rules = tmp_path / "rules"
    (rules / "zz-broken.yaml").write_text(
        "name: zz-broken\nowner: desk\nseverity: extreme\nquery: glock\nchanels: [case-file]\n"
    )
    (rules / "zz-unknown-channel.yaml").write_text(
        "name: zz-unknown-channel\nowner: desk\nquery: glock\nchannels: [pager]\n"
    )
    page = supervisor_over.client.get("/rules")
    found = cards(page.text)
    broken = text(found["zz-broken.yaml"])
    assert "invalid" in broken
    assert "severity" in broken and "use one of" in broken
    assert "unknown key `chanels`" in broken and "did you mean `channels`" in broken
    assert "line 5" in broken
    unknown = text(found["zz-unknown-channel.yaml"])
    assert "no channel named 'pager'" in unknown and "Back-test" in unknown
    assert "auto-sears" in text(found["auto-sears.yaml"])
    assert "refuses to load it" in page.text


def test_the_back_test_shows_what_a_rule_would_have_fired(demo_data: Path) -> None:
    app = make_app(demo_data, rules_dir=SHIPPED)
    shipped = load_rules(SHIPPED)
    index = open_index(f"sqlite:///{demo_data / 'armswatch.db'}")
    try:
        fired = {name: backtest(rule, index) for name, rule in shipped.rules.items()}
    finally:
        index.close()
    name = max(fired, key=lambda rule: len(fired[rule]))
    expected = fired[name]
    assert expected, "no shipped rule fires on the demo crawl"
    supervisor = log_in(app, Role.supervisor)
    page = supervisor.client.get(f"/rules/{name}/test")
    assert page.status_code == 200
    listings = len({item.listing.id for item in expected})
    summary = text(Selector(page.text).css("[data-testid=summary]")[0])
    assert f"would have fired {len(expected)} alert(s) for {listings} listing(s)" in summary
    shown = Selector(page.text).css("table.backtest tbody tr")
    assert len(shown) == min(len(expected), rules_admin.SHOWN)
    assert {text(row.css("td code")[0]) for row in shown} <= {i.listing.id for i in expected}
    latest = expected[-1].listing
    assert latest.id in text(shown[0])
    entry = AuditLog(demo_data / "audit.db").entries(action="rule.test", limit=1)[0]
    assert entry.target == name and entry.username == supervisor.username
    assert entry.detail["alerts"] == len(expected)

    recent = supervisor.client.get(f"/rules/{name}/test?since=1s")
    assert "would have fired 0 alert(s)" in recent.text
    bad = supervisor.client.get(f"/rules/{name}/test?since=soon")
    assert bad.status_code == 400 and "not a duration" in bad.text


def test_a_rule_is_switched_off_and_on_in_its_file(
    tmp_path: Path, supervisor_over: LoggedIn
) -> None:
    path = tmp_path / "rules" / "auto-sears.yaml"
    original = path.read_text()
    original = "# the desk's note\n" + original
    path.write_text(original)
    assert "enabled" not in original

    off = supervisor_over.client.post(
        "/rules/auto-sears/enabled",
        data={"enabled": "false", "csrf_token": supervisor_over.csrf},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert load_rule(path).enabled is False
    changed = path.read_text()
    assert [line for line in changed.splitlines() if line not in original.splitlines()] == [
        "enabled: false"
    ]
    page = supervisor_over.client.get(off.headers["location"])
    assert "auto-sears is now disabled" in page.text
    assert text(cards(page.text)["auto-sears.yaml"].css("[data-testid=enabled]")[0]) == "disabled"

    on = supervisor_over.client.post(
        "/rules/auto-sears/enabled", data={"enabled": "true", "csrf_token": supervisor_over.csrf}
    )
    assert on.status_code == 200
    assert load_rule(path).enabled is True
    assert path.read_text() == changed.replace("enabled: false", "enabled: true")

    audit = AuditLog(tmp_path / "data" / "audit.db")
    actions = [(entry.action, entry.target) for entry in audit.entries(newest_first=False)]
    assert [a for a in actions if a[0].startswith("rule.")] == [
        ("rule.disable", "auto-sears"),
        ("rule.enable", "auto-sears"),
    ]


def test_a_switch_that_is_not_understood_changes_nothing(
    tmp_path: Path, supervisor_over: LoggedIn
) -> None:
    before = {path.name: path.read_text() for path in (tmp_path / "rules").iterdir()}
    wrong = supervisor_over.client.post(
        "/rules/auto-sears/enabled", data={"enabled": "maybe", "csrf_token": supervisor_over.csrf}
    )
    assert wrong.status_code == 400
    unknown = supervisor_over.client.post(
        "/rules/no-such-rule/enabled", data={"enabled": "false", "csrf_token": supervisor_over.csrf}
    )
    assert unknown.status_code == 404 and "no valid rule named" in unknown.text
    assert supervisor_over.client.get("/rules/no-such-rule/test").status_code == 404
    after = {path.name: path.read_text() for path in (tmp_path / "rules").iterdir()}
    assert after == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/rules"), ("GET", "/rules/auto-sears/test"), ("POST", "/rules/auto-sears/enabled")],
)
def test_analysts_are_refused(tmp_path: Path, method: str, path: str) -> None:
    rules = copy_rules(tmp_path / "rules")
    analyst = log_in(make_app(tmp_path / "data", rules_dir=rules), Role.analyst)
    data = {"enabled": "false", "csrf_token": analyst.csrf} if method == "POST" else None
    assert analyst.client.request(method, path, data=data).status_code == 403
    assert load_rule(rules / "auto-sears.yaml").enabled is True
