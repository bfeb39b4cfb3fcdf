"""Capturing a page whatever its scripts do: a screenshot and an HTML within their caps.

- `capped_screenshot` is the page method (`actions.page_methods`) that takes a listing page's
  full-page PNG, cut at the source's height cap and `MAX_SCREENSHOT_WIDTH`: a page whose
  script grows it for ever would otherwise give a PNG as tall as it has grown. Its result, a
  `Screenshot`, says whether it was cut; the download handler counts those.
- `cut_html`: the rendered HTML cut at the size cap, on a character boundary (parsers read a
  cut document; the listing's fields come first on any market page).
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright._impl._api_structures import Clip
from playwright.async_api import Page

from crawlers.browser.limits import MAX_SCREENSHOT_WIDTH

_PAGE_SIZE = """() => {
    const root = document.documentElement, body = document.body || root;
    return [Math.max(root.scrollWidth, body.scrollWidth),
            Math.max(root.scrollHeight, body.scrollHeight)];
}"""


@dataclass(frozen=True)
class Screenshot:
    """A full-page PNG, with the page's size when it was taken and its own (CSS pixels)."""

    png: bytes
    page_width: int
    page_height: int
    width: int
    height: int

    @property
    def cut(self) -> bool:
        return (self.width, self.height) != (self.page_width, self.page_height)


async def capped_screenshot(page: Page, max_height: int, timeout_ms: float) -> Screenshot:
    """The page as a full-page PNG, clipped to `max_height` x `MAX_SCREENSHOT_WIDTH`.

    A page over the caps is shot through a viewport as tall as the height cap (and as wide as
    the page's viewport): a full-page screenshot makes Chromium lay out and paint the whole
    page first, which for a page a script grows for ever costs hundreds of MB more.
    """
    page_width, page_height = (int(size) for size in await page.evaluate(_PAGE_SIZE))
    width, height = min(page_width, MAX_SCREENSHOT_WIDTH), min(page_height, max_height)
    if (width, height) == (page_width, page_height):
        # clipped all the same: a page still growing is taller by the time the PNG is taken
        clip: Clip = {"x": 0, "y": 0, "width": width, "height": height}
        png = await page.screenshot(
            full_page=True, clip=clip, type="png", animations="disabled", timeout=timeout_ms
        )
        return Screenshot(png, page_width, page_height, width, height)
    viewport = page.viewport_size or {"width": width, "height": height}
    await page.set_viewport_size({"width": viewport["width"], "height": height})
    try:
        png = await page.screenshot(type="png", animations="disabled", timeout=timeout_ms)
    finally:
        await page.set_viewport_size(viewport)
    return Screenshot(png, page_width, page_height, viewport["width"], height)


def cut_html(body: bytes, encoding: str, limit: int) -> bytes | None:
    """`body` cut to at most `limit` bytes on a character boundary; None when it fits."""
    if len(body) <= limit:
        return None
    return body[:limit].decode(encoding, "ignore").encode(encoding)
