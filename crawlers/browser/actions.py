"""The meta of a browser request: the source's page actions, then a screenshot on listing pages.

`browser.actions` in a source run in order on every page once it has loaded:

    {wait_for: "div.listing"}          -> page.wait_for_selector (fails the page on time-out)
    {scroll: true}                     -> scroll to the bottom until the page stops growing
    {click: "a.more", times: 2}        -> click up to `times` times while the element is there
    {..., wait_ms: 500}                -> then pause that long

None loops for ever: a scroll stops after `SCROLL_ROUNDS` screens, a click after `times`, each
step and pause is bounded by the source's `timeout`, and the download handler gives the whole
page a time budget (`crawlers.browser.limits`). On listing pages a full-page screenshot comes
last (`crawlers.browser.capture.capped_screenshot`, cut at the source's
`max_screenshot_height`).

Every call builds new `PageMethod` objects: scrapy-playwright stores each result on its object
(the screenshot's PNG bytes among them), so two requests must never share one.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.http import Request, Response
from scrapy_playwright.page import PageMethod

from crawlers.access import BrowserOptions, PageAction
from crawlers.browser.capture import Screenshot, capped_screenshot
from crawlers.source import Source

SCROLL_ROUNDS = 10  # infinite scroll: at most this many screens of new content
SCROLL_PAUSE_MS = 250
SETTLE_MS = 2_000  # after a click, wait at most this long for the network to go quiet
_SCROLL_TO_BOTTOM = """() => {
    const height = document.documentElement.scrollHeight;
    window.scrollTo(0, height);
    return height;
}"""


async def scroll_to_bottom(page: Page) -> int:
    """Scroll to the bottom until the page stops growing; the final height in CSS pixels."""
    height = -1
    for _ in range(SCROLL_ROUNDS):
        new_height = int(await page.evaluate(_SCROLL_TO_BOTTOM))
        if new_height == height:
            break
        height = new_height
        await page.wait_for_timeout(SCROLL_PAUSE_MS)
    return height


async def click_times(page: Page, selector: str, times: int, timeout_ms: float) -> int:
    """Click `selector` up to `times` times while it is on the page; how often it was clicked.

    A missing element is no error: a "load more" button goes away when all is loaded.
    """
    clicked = 0
    for _ in range(times):
        target = page.locator(selector).first
        if not await target.count() or not await target.is_visible():
            break
        await target.click(timeout=timeout_ms)
        clicked += 1
        with suppress(PlaywrightTimeoutError):
            await page.wait_for_load_state("networkidle", timeout=min(timeout_ms, SETTLE_MS))
    return clicked


def action_methods(action: PageAction, timeout_ms: float) -> list[PageMethod]:
    """The page methods of one action (a step, then its pause if it has one)."""
    if action.wait_for is not None:
        step = PageMethod("wait_for_selector", action.wait_for, timeout=timeout_ms)
    elif action.scroll:
        step = PageMethod(scroll_to_bottom)
    elif action.click is not None:
        step = PageMethod(click_times, action.click, action.times, timeout_ms)
    else:  # PageAction validates that one step is given
        raise ValueError(f"a page action without a step: {action!r}")
    pause = [PageMethod("wait_for_timeout", action.wait_ms)] if action.wait_ms else []
    return [step, *pause]


def page_methods(options: BrowserOptions, *, screenshot: bool = False) -> list[PageMethod]:
    """The source's actions, then (on listing pages) a full-page PNG screenshot."""
    timeout_ms = options.timeout * 1000
    methods = [
        method for action in options.actions for method in action_methods(action, timeout_ms)
    ]
    if screenshot and options.screenshot:
        methods.append(PageMethod(capped_screenshot, options.max_screenshot_height, timeout_ms))
    return methods


def browser_meta(source: Source, *, detail: bool = False) -> dict[str, Any]:
    """The meta of a request of a `render: browser` source; `detail` for listing pages.

    It names no `playwright_context`: scrapy-playwright then uses its default one, the crawl's
    only context (`settings.CONTEXT`)."""
    return {
        "playwright": True,
        "playwright_page_methods": page_methods(source.browser, screenshot=detail),
    }


def screenshot_png(message: Response | Request) -> bytes | None:
    """The PNG the request's screenshot method took, if it took one (given the response, or
    the request: in a downloader middleware the response is not tied to it yet)."""
    for method in message.meta.get("playwright_page_methods") or ():
        if isinstance(method, PageMethod) and isinstance(method.result, Screenshot):
            return method.result.png
    return None
