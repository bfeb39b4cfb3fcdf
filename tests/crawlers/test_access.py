"""The access part of a source: proxies per network, browser actions, login, persona."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.errors import SourceConfigError
from crawlers.source_loader import load_source

GOOD = Path(__file__).parent / "fixtures" / "good.yaml"
ONION = "http://" + "a" * 56 + ".onion/login"
LOGIN = {
    "url": ONION,
    "username_field": "input[name=user]",
    "password_field": "input[name=pass]",
    "success": "a.logout",
}


def _load(tmp_path: Path, patch: dict[str, Any]) -> Any:
    document = yaml.safe_load(GOOD.read_text())
    document.update(patch)
    path = tmp_path / "patched.yaml"
    path.write_text(yaml.safe_dump(document))
    return load_source(path)


def _problem(tmp_path: Path, patch: dict[str, Any]) -> str:
    with pytest.raises(SourceConfigError) as caught:
        _load(tmp_path, patch)
    [problem] = caught.value.problems
    return f"{problem.field}: {problem.message} {problem.hint}"


def test_a_tor_source_with_login_persona_captcha_and_browser_actions_loads(
    tmp_path: Path,
) -> None:
    source = _load(
        tmp_path,
        {
            "network": "tor",
            "proxy": "socks5h://127.0.0.1:9150",
            "render": "browser",
            "browser": {"javascript": False, "actions": [{"click": "a.more", "times": 3}],
                        "socks_port": 9152},
            "login": LOGIN,
            "persona": "analyst-1",
            "captcha": {"detect": "form#captcha", "image": "img::attr(src)", "answer_field": "a"},
            "queue": {"detect": "div.queue", "wait": 2},
        },
    )  # fmt: skip
    assert source.network == "tor" and source.browser.actions[0].times == 3
    assert source.login.success.css == "a.logout" and source.persona == "analyst-1"
    assert source.queue.max_wait == 600 and source.captcha.form == "form"


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"network": "tor", "proxy": "socks5://127.0.0.1:9050"}, "socks5h://host:port"),
        ({"network": "tor", "proxy": "http://127.0.0.1:8118"}, "resolves names"),
        ({"network": "i2p", "proxy": "socks5h://127.0.0.1:4447"}, "http://host:port"),
        ({"network": "tor", "proxy": "socks5h://user:secret@127.0.0.1:9050"}, "no credentials"),
        ({"login": LOGIN}, "needs a `persona`"),
        ({"browser": {"socks_port": 9152}}, "network: tor"),
        ({"persona": "Agent Smith"}, "lower case"),
    ],
)
def test_inconsistent_access_settings_are_refused_with_a_fix(
    tmp_path: Path, patch: dict[str, Any], words: str
) -> None:
    assert words in _problem(tmp_path, patch)


def test_a_page_action_does_exactly_one_thing(tmp_path: Path) -> None:
    both = {"browser": {"actions": [{"click": "a.more", "scroll": True}]}}
    assert "exactly one of" in _problem(tmp_path, both)
