"""Capturing a page as it stands, whatever its scripts do: bounded waits, a freeze, size caps.

- `wait_for_load`: navigations wait for `DOMContentLoaded` only; `load` then gets a bounded
  extra time (`PageLimits.load_wait`), since one resource whose server never answers keeps it
  from firing.
- `freeze`: before the capture, the page's timers are cleared and no new ones run, so a script
  that grows the DOM on a timer stops and the screenshot and the HTML show the same page.
- `take_screenshot`: the full-page PNG, clipped to the height cap (and `MAX_SCREENSHOT_WIDTH`).
- `cut_html`: the rendered HTML cut at the size cap, on a character boundary (parsers read a
  cut document; the listing's fields come first on any market page).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Literal

from playwright._impl._api_structures import Clip
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from crawlers.browser.limits import MAX_SCREENSHOT_WIDTH

_FREEZE = """() => {
    const last = setTimeout(() => {}, 0);
    for (let id = 0; id <= last; id++) { clearTimeout(id); clearInterval(id); }
    const never = () => 0;
    window.setTimeout = never;
    window.setInterval = never;
    window.requestAnimationFrame = never;
    return last;
}"""
_PAGE_SIZE = """() => {
    const root = document.documentElement, body = document.body || root;
    return [Math.max(root.scrollWidth, body.scrollWidth), Math.max(root.scrollHeight,
        body.scrollHeight)];
}"""


async def wait_for_load(page: Page, seconds: float) -> bool:
    """Whether `load` fired within `seconds`."""
    try:
        await page.wait_for_load_state("load", timeout=seconds * 1000)
    except PlaywrightTimeoutError:
        return False
    return True


async def settle(page: Page, *, loaded: bool, seconds: float) -> None:
    """After a page action: wait (at most `seconds`) for the page to reach again the state it
    had reached (a click may navigate): `load`, or `DOMContentLoaded` on a page that never
    loaded."""
    state: Literal["load", "domcontentloaded"] = "load" if loaded else "domcontentloaded"
    with suppress(PlaywrightTimeoutError):
        await page.wait_for_load_state(state, timeout=seconds * 1000)


async def freeze(page: Page) -> None:
    """Clear the page's timers and keep it from setting new ones (a closed or navigating page
    is left as it is)."""
    with suppress(PlaywrightError):
        await page.evaluate(_FREEZE)


@dataclass(frozen=True)
class Screenshot:
    """A full-page PNG, and the page's size when it was taken (CSS pixels)."""

    png: bytes
    page_width: int
    page_height: int
    width: int
    height: int

    @property
    def cut(self) -> bool:
        return (self.width, self.height) != (self.page_width, self.page_height)


async def take_screenshot(page: Page, max_height: int, timeout_ms: float) -> Screenshot:
    """The frozen page as a full-page PNG, clipped to `max_height` x `MAX_SCREENSHOT_WIDTH`."""
    await freeze(page)
    page_width, page_height = (int(size) for size in await page.evaluate(_PAGE_SIZE))
    width, height = min(page_width, MAX_SCREENSHOT_WIDTH), min(page_height, max_height)
    clip: Clip | None = None
    if (width, height) != (page_width, page_height):
        clip = {"x": 0, "y": 0, "width": width, "height": height}
    png = await page.screenshot(
        full_page=True, clip=clip, type="png", animations="disabled", timeout=timeout_ms
    )
    return Screenshot(png, page_width, page_height, width, height)


def cut_html(body: bytes, encoding: str, limit: int) -> bytes | None:
    """`body` cut to at most `limit` bytes on a character boundary; None when it fits."""
    if len(body) <= limit:
        return None
    return body[:limit].decode(encoding, "ignore").encode(encoding)
