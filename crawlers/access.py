"""How a source is reached: proxy routing, browser rendering, login, CAPTCHA and queue pages.

These are parts of a `Source` definition (`sources/<name>.yaml`), validated like the rest of it:

    network: tor
    proxy: socks5h://127.0.0.1:9150       # optional: else the global Tor / I2P proxy
    render: browser
    browser:
      javascript: true
      actions: [{wait_for: "div.listing"}, {scroll: true}, {click: "a.more", times: 2}]
      socks_port: 9152                     # the Tor SocksPort of this source's isolation group
    login:
      url: "http://<56 characters>.onion/login"
      username_field: "input[name=username]"
      password_field: "input[name=password]"
      success: "a.logout"
      expired: "form#login"
    persona: vendor-watch                  # credentials from the environment or a secrets file
    captcha:
      detect: "form#captcha"
      image: "form#captcha img::attr(src)"
      answer_field: "answer"
    queue:
      detect: "div.queue"
      wait: 10

Credentials never appear in a source definition: a persona names them (`crawlers.personas`).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from crawlers.selectors import FieldSelector

Network = Literal["clearnet", "tor", "i2p"]
PROXY_SCHEMES: dict[str, tuple[str, ...]] = {
    "tor": ("socks5h",),  # remote DNS: an onion name (or any name) is never resolved locally
    "i2p": ("http",),  # the I2P router's HTTP proxy resolves .i2p names itself
    "clearnet": ("http", "https", "socks5h"),
}
_PERSONA = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_proxy_url(url: str, network: Network) -> str:
    """The proxy URL if its scheme suits the network; ValueError saying which schemes do."""
    parts = urlsplit(url)
    allowed = PROXY_SCHEMES[network]
    if parts.scheme not in allowed or not parts.hostname or not parts.port:
        schemes = " or ".join(f"{scheme}://host:port" for scheme in allowed)
        hint = " (socks5h: the proxy resolves names, none leaks)" if network == "tor" else ""
        raise ValueError(f"a {network} proxy must be {schemes}{hint}, not {url!r}")
    if parts.username or parts.password:
        raise ValueError("no credentials in a proxy URL: armswatch sets isolation credentials")
    return url


class PageAction(_Config):
    """One step a browser takes on every page of a source, in order."""

    wait_for: str | None = Field(default=None, description="CSS selector to wait for")
    scroll: bool = Field(default=False, description="scroll to the bottom of the page")
    click: str | None = Field(default=None, description="CSS selector to click (if present)")
    times: int = Field(default=1, ge=1, le=50, description="repeat a click this many times")
    wait_ms: int = Field(default=0, ge=0, le=60_000, description="pause after the step")

    @model_validator(mode="after")
    def _one_step(self) -> PageAction:
        if sum((self.wait_for is not None, self.scroll, self.click is not None)) != 1:
            raise ValueError("give exactly one of `wait_for`, `scroll: true` or `click`")
        return self


class BrowserOptions(_Config):
    """Rendering with Chromium (`render: browser`)."""

    javascript: bool = Field(default=True, description="run the page's scripts")
    actions: list[PageAction] = Field(default_factory=list)
    screenshot: bool = Field(default=True, description="keep a full-page PNG of listing pages")
    timeout: float = Field(
        default=90.0,
        gt=0,
        description="seconds for a page to load; a page that answered but never fires `load` "
        "is captured as it stands then (`browser_load_timeout`), and a page gets twice this "
        "in all, actions and capture included (`browser_page_timeout`)",
    )
    max_rendered_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=10_000,
        description="the rendered HTML is cut at this size (and at the source's "
        "`limits.max_page_bytes`), counted as `browser_dom_capped`",
    )
    max_screenshot_height: int = Field(
        default=10_000,
        ge=720,
        le=100_000,
        description="full-page screenshots are cut at this height in CSS pixels, counted as "
        "`browser_screenshot_capped`",
    )
    socks_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Tor SocksPort for this source's isolation group (Chromium cannot send "
        "SOCKS credentials, so browser sources are isolated by port)",
    )


class Login(_Config):
    """A login form: filled with the persona's credentials before crawling."""

    url: AnyHttpUrl
    username_field: str = Field(description="CSS selector of the user name input")
    password_field: str = Field(description="CSS selector of the password input")
    submit: str | None = Field(default=None, description="CSS selector of the submit button")
    success: FieldSelector = Field(description="present on a page only when logged in")
    expired: FieldSelector | None = Field(
        default=None, description="present when the session has expired (default: the form)"
    )


class Captcha(_Config):
    """How to recognise a CAPTCHA page and answer it (an analyst reads the image)."""

    detect: FieldSelector = Field(description="present only on a CAPTCHA page")
    image: FieldSelector = Field(description="the CAPTCHA image URL (or data: URL)")
    answer_field: str = Field(description="name of the form input that takes the answer")
    form: str = Field(default="form", description="CSS selector of the CAPTCHA form")
    timeout: float = Field(
        default=3600.0, gt=0, description="seconds to wait for an answer before giving up"
    )


class QueuePage(_Config):
    """A DDoS-protection or queue page that passes by itself after a while."""

    detect: FieldSelector
    wait: float = Field(default=10.0, gt=0, description="seconds between tries")
    max_wait: float = Field(default=600.0, gt=0, description="give up after this long")


def check_persona_name(value: str | None) -> str | None:
    if value is not None and not _PERSONA.match(value):
        raise ValueError("a persona is a name such as 'analyst-1' (lower case, digits, - and _)")
    return value


class AccessMixin(_Config):
    """The access fields of a source (mixed into `Source`)."""

    network: Network = "clearnet"
    proxy: str | None = Field(
        default=None,
        description="proxy of this source; default: the global one for its network "
        "(ARMSWATCH_TOR_PROXY, ARMSWATCH_I2P_PROXY)",
    )
    render: Literal["static", "browser"] = "static"
    browser: BrowserOptions = Field(default_factory=BrowserOptions)
    login: Login | None = None
    persona: str | None = Field(default=None, description="whose credentials log in")
    captcha: Captcha | None = None
    queue: QueuePage | None = None

    @field_validator("persona")
    @classmethod
    def _persona_is_name(cls, value: str | None) -> str | None:
        return check_persona_name(value)

    @model_validator(mode="after")
    def _access_is_consistent(self) -> AccessMixin:
        if self.proxy is not None:
            check_proxy_url(self.proxy, self.network)
        if self.login is not None and self.persona is None:
            raise ValueError("a `login` needs a `persona` whose credentials it uses")
        if self.browser.socks_port is not None and self.network != "tor":
            raise ValueError("`browser.socks_port` is for `network: tor` sources")
        return self
