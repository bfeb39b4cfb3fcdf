"""Shared pieces of the demo sites: responses, the HTML shell, pagination, offer pictures."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeVar
from urllib.parse import quote, unquote

from armswatch.demo.model import DemoOffer
from armswatch.demo.photos import picture

T = TypeVar("T")
HTML = "text/html; charset=utf-8"
PNG = "image/png"
Query = dict[str, list[str]]


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = HTML


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def href(*parts: str) -> str:
    """A path from segments, each percent-encoded."""
    return "/" + "/".join(quote(part, safe="") for part in parts)


def html_page(title: str, body: str, *, lang: str, css: str, status: int = 200) -> Response:
    document = (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    return Response(status=status, body=document.encode("utf-8"))


def not_found(site_name: str, *, lang: str = "en", css: str = "") -> Response:
    body = f'<h1>404</h1><p class="not-found">Not found on {esc(site_name)}.</p>'
    return html_page(f"Not found – {site_name}", body, lang=lang, css=css, status=404)


def paginate(
    items: Sequence[T], query: Query, per_page: int
) -> tuple[Sequence[T], int, int] | None:
    """The items on the page the `page` query parameter asks for (default 1), that page's number
    and the page count; None when the parameter is not a positive integer or past the last page."""
    raw = query.get("page", ["1"])[-1]
    pages = max(1, -(-len(items) // per_page))
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        return None
    page = int(raw)
    return items[(page - 1) * per_page : page * per_page], page, pages


Handler = Callable[[re.Match[str], Query], Response]


class SiteApp:
    """A demo site: routes from path patterns to page handlers."""

    name = "demo"
    lang = "en"
    css = ""

    def __init__(self, offers: Sequence[DemoOffer]) -> None:
        self.offers = {offer.offer_id: offer for offer in offers}
        self.routes: list[tuple[re.Pattern[str], Handler]] = []

    def route(self, pattern: str, handler: Handler) -> None:
        self.routes.append((re.compile(pattern), handler))

    def handle(self, path: str, query: Query) -> Response:
        """The response for a request path (percent-encoded) and its parsed query."""
        decoded = unquote(path)
        for pattern, handler in self.routes:
            match = pattern.fullmatch(decoded)
            if match:
                return handler(match, query)
        return self.not_found()

    def not_found(self) -> Response:
        return not_found(self.name, lang=self.lang, css=self.css)

    def page(self, title: str, body: str, lang: str | None = None) -> Response:
        return html_page(f"{title} – {self.name}", body, lang=lang or self.lang, css=self.css)

    def image(self, match: re.Match[str], query: Query) -> Response:
        """A product photo of an online offer (the first group is the offer id)."""
        offer = self.offers.get(match.group(1))
        if offer is None or match.group(0) not in offer.images:
            return self.not_found()
        return offer_picture(offer, match.group(0))


def offer_picture(offer: DemoOffer, path: str) -> Response:
    """The picture of `offer` at `path` (one of its `images`): `armswatch.demo.photos`."""
    body, media_type = picture(offer, offer.images.index(path) + 1)
    return Response(status=200, body=body, content_type=media_type)
