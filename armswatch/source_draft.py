"""Draft a source definition from one saved index page (`armswatch sources new NAME --from`).

Writing a source for a market one has never seen starts with reading its markup for the
repeated listing card and the selectors of each field. This does that first pass: it finds the
cards (`source_draft_cards`), guesses each field inside them (`source_draft_fields`), writes
YAML with a `# check:` comment wherever a guess is weak, and loads the draft as a `Source` and
reads the page's cards with it, so what it hands over is valid and known to give listings.
A person then corrects it with `armswatch sources try`. Pure functions: no network.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import yaml
from parsel import Selector
from pydantic import ValidationError
from scrapy.http import HtmlResponse

from armswatch.source_draft_cards import DraftError, card_selector, find_card_groups
from armswatch.source_draft_fields import (
    FieldGuess,
    guess_category,
    guess_currency,
    guess_images,
    guess_price,
    guess_quantity,
    guess_title,
    guess_url,
    guess_vendor,
)
from armswatch.source_draft_links import LinkGuess, guess_follow, guess_next_page
from crawlers.extraction import ExtractionError, card_nodes, listing_from_card
from crawlers.snapshots.pages import saved_from_url
from crawlers.source import Source

__all__ = ["DraftError", "FieldGuess", "SourceDraft", "draft_source"]

PLACEHOLDER_URL = "http://example.onion/"
MAX_INDEX_PAGES = 100  # pages followed per index, as the source model's default
DRAFTED = (  # in the order a person reads a card
    "url", "title", "price", "currency", "category", "quantity", "vendor", "vendor_url", "images"
)  # fmt: skip
_HTML = re.compile(rb"<\s*(?:!doctype\s+html|html|body|div|a|p|table|ul)\b", re.IGNORECASE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True)
class SourceDraft:
    """A drafted source: its YAML, the cards it found and what it could and could not guess."""

    yaml_text: str
    card_selector: str
    cards: int
    fields: tuple[FieldGuess, ...]
    missing: tuple[str, ...]
    listing_id_pattern: str | None
    listings: int  # cards of the page that give a listing with the draft
    start_url: str
    follow: LinkGuess | None = None  # the category links, if the page shows them
    next_page: LinkGuess | None = None  # the next-page link, if the page shows one


def draft_source(name: str, html: bytes | str, page_url: str | None = None) -> SourceDraft:
    """A source definition for the listing cards on one saved page; `DraftError` if none."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    if not _HTML.search(body[:65536]):
        raise DraftError("not an HTML page: save the market's category page as HTML and retry")
    root = HtmlResponse(page_url or PLACEHOLDER_URL, body=body, encoding=None).selector
    groups = find_card_groups(root.root)
    if not groups:
        raise DraftError(
            "no repeated listing cards found (blocks of 3 or more, each with a link and a"
            " price): save a category or search page that lists several offers"
        )
    css, exact = card_selector(root.root, groups[0].members)
    cards: list[Selector] = list(root.css(css))
    fields = _guess_fields(cards)
    names = {guess.name for guess in fields}
    if not {"title", "url"} <= names:
        lacking = " and ".join(sorted({"title", "url"} - names))
        raise DraftError(f"found {len(cards)} cards ({css}) but no {lacking} in them")
    start, start_doubt = _start_url(body, page_url, fields, cards)
    pattern = _listing_id_pattern(fields, cards)
    card_elements = [card.root for card in cards]
    links = (
        guess_follow(root.root, card_elements, start, _card_links(fields, cards)),
        guess_next_page(root.root, card_elements),
    )
    text = _render(name, start, start_doubt, css, exact, len(cards), fields, pattern, links)
    listings = _check(text, root, start)
    if "price" in names:
        names.add("currency")  # read from the price text unless a separate element holds it
    missing = tuple(field for field in DRAFTED if field not in names)
    return SourceDraft(text, css, len(cards), fields, missing, pattern, listings, start, *links)


Links = tuple[LinkGuess | None, LinkGuess | None]  # the follow and next-page guesses


def _guess_fields(cards: list[Selector]) -> tuple[FieldGuess, ...]:
    title = guess_title(cards)
    found: list[FieldGuess | None] = [guess_url(cards, title), title]
    price = guess_price(cards, title)
    found += [price, guess_currency(cards, price) if price else None]
    vendor = guess_vendor(cards)
    named = [guess for guess in (title, *vendor) if guess is not None]
    taken = {value for card in cards for guess in named for value in guess.selector().values(card)}
    found += [guess_category(cards, taken), guess_quantity(cards), *vendor, guess_images(cards)]
    return tuple(guess for guess in found if guess is not None)


def _card_links(fields: tuple[FieldGuess, ...], cards: list[Selector]) -> list[str]:
    """The listing and vendor links the cards give with the drafted fields."""
    links = (guess for guess in fields if guess.name in ("url", "vendor_url"))
    return [link for guess in links for card in cards for link in guess.selector().values(card)]


def _start_url(
    body: bytes, page_url: str | None, fields: tuple[FieldGuess, ...], cards: list[Selector]
) -> tuple[str, str | None]:
    """The page's own URL if known; else the site its card links point at; else a placeholder."""
    saved = saved_from_url(body)
    if saved:
        return saved, None
    if page_url:
        return page_url, None
    url = next(guess for guess in fields if guess.name == "url")
    hosts = Counter(
        f"{parts.scheme}://{parts.netloc}/"
        for card in cards
        if (link := url.selector().first(card)) and (parts := urlsplit(link)).netloc
    )
    if hosts:
        site = hosts.most_common(1)[0][0]
        return site, "the site of the cards' links: put the URL of the page itself"
    return PLACEHOLDER_URL, "the page does not say its URL: put the market's start page"


def _listing_id_pattern(fields: tuple[FieldGuess, ...], cards: list[Selector]) -> str | None:
    """`/product/([0-9a-f-]{36})` when every card's link has an id after one fixed segment."""
    url = next(guess for guess in fields if guess.name == "url")
    links = [link for card in cards if (link := url.selector().first(card))]
    paths = [
        [s for s in urlsplit(urljoin("http://x/", link)).path.split("/") if s] for link in links
    ]
    if not paths:
        return None
    for key in paths[0]:
        ids = [path[path.index(key) + 1] for path in paths if key in path[:-1]]
        if len(ids) == len(paths) and len(set(ids)) == len(ids) and not key.isdigit():
            return f"/{re.escape(key)}/{_id_shape(ids)}"
    return None


def _id_shape(ids: list[str]) -> str:
    if all(_UUID.match(value) for value in ids):
        return "([0-9a-f-]{36})"
    if all(value.isdigit() for value in ids):
        return r"(\d+)"
    return "([^/?#]+)"


def _render(
    name: str,
    start: str,
    start_doubt: str | None,
    css: str,
    exact: bool,
    count: int,
    fields: tuple[FieldGuess, ...],
    pattern: str | None,
    links: Links,
) -> str:
    host = urlsplit(start).hostname or ""
    network = "tor" if host.endswith(".onion") else "i2p" if host.endswith(".i2p") else "clearnet"
    card_note = f"{count} cards on the page" + (
        "" if exact else "; check: also picks other elements"
    )
    lines = [
        "# Drafted by `armswatch sources new` from one saved page: a first guess to correct.",
        "# Lines marked `check:` are weak guesses. Try it: armswatch sources try FILE PAGE",
        f"name: {json.dumps(name)}",
        "kind: market",
        f"network: {network}",
        "start_urls:",
        _commented(f"  - {json.dumps(start)}", start_doubt and f"check: {start_doubt}"),
        "index:",
        "  cards:",
        _commented(f"    card: {json.dumps(css)}", card_note),
    ]
    for guess in sorted(fields, key=lambda field: DRAFTED.index(field.name)):
        doubt = f"check: {guess.check}" if guess.check else None
        lines.append(_commented(f"    {guess.name}: {_yaml_selector(guess)}", doubt))
    if pattern:
        lines.append(f"    listing_id_pattern: {json.dumps(pattern)}")
    lines += _link_lines(*links)
    labels = ("index.follow (category links)", "index.pagination (the next page)")
    missing = [label for label, guess in zip(labels, links, strict=True) if guess is None]
    if missing:
        lines.insert(2, f"# Not drafted (not on this page): {', '.join(missing)}.")
    return "\n".join(lines) + "\n"


def _link_lines(follow: LinkGuess | None, next_page: LinkGuess | None) -> list[str]:
    lines = []
    if follow is not None:
        lines += ["  follow:", _commented(f"    - {follow.yaml}", follow.check)]
    if next_page is not None:
        next_line = _commented(f"    next: {next_page.yaml}", next_page.check)
        lines += ["  pagination:", next_line, f"    max_pages: {MAX_INDEX_PAGES}"]
    return lines


def _commented(line: str, comment: str | None) -> str:
    return f"{line}  # {comment}" if comment else line


def _yaml_selector(guess: FieldGuess) -> str:
    """`"h4.card-title"`, or a flow mapping when an attribute, regex or `many` is needed."""
    if guess.attr is None and guess.regex is None and not guess.many:
        return json.dumps(guess.css)
    parts = [f"css: {json.dumps(guess.css)}"]
    parts += [f"attr: {guess.attr}"] if guess.attr else []
    parts += [f"regex: {json.dumps(guess.regex)}"] if guess.regex else []
    parts += ["many: true"] if guess.many else []
    return "{" + ", ".join(parts) + "}"


def _check(text: str, root: Selector, page_url: str) -> int:
    """Load the draft as a `Source` and count the page's cards that give a listing with it."""
    try:
        source = Source.model_validate(yaml.safe_load(text))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise DraftError(f"the draft does not validate ({problems})") from None
    when = datetime.now(UTC)
    read = 0
    for card in card_nodes(source, root):
        try:
            listing_from_card(source, page_url, card, when)
        except ExtractionError:
            continue
        read += 1
    return read
