"""The README documents every key of the source and rule formats and the two set-up commands."""

from pathlib import Path

import pytest

from crawlers.access import BrowserOptions, Captcha, Login, PageAction, QueuePage
from crawlers.source import (
    Defaults,
    DetailPage,
    IndexPage,
    Limits,
    Pagination,
    RateLimit,
    Source,
    VendorPage,
)
from rules.channel_config import EmailChannel, FileChannel, WebhookChannel
from rules.model import Conditions, PriceRange, Rule, Suppression

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "model",
    [
        Source,
        IndexPage,
        Pagination,
        DetailPage,
        VendorPage,
        Defaults,
        Limits,
        RateLimit,
        BrowserOptions,
        PageAction,
        Login,
        Captcha,
        QueuePage,
    ],
)
def test_every_source_key_is_documented(model: type) -> None:
    undocumented = [name for name in model.model_fields if f"{name}:" not in README]
    assert undocumented == []


@pytest.mark.parametrize(
    "model", [Rule, Conditions, PriceRange, Suppression, EmailChannel, WebhookChannel, FileChannel]
)
def test_every_rule_and_channel_key_is_documented(model: type) -> None:
    documented = ["{}:", "`{}`"]
    undocumented = [
        name
        for name in model.model_fields
        if not any(form.format(name) in README for form in documented)
    ]
    assert undocumented == []


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:400]
    assert "make demo" in head and "make test" in head
