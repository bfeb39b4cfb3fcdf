"""Guess the field selectors inside listing cards, for `armswatch sources new`.

Each guess first picks, in every card, the element that most likely holds the field (a
heading for the title, the smallest money-like text for the price, a `/vendor/` link for the
vendor, ...), then looks for the simplest relative CSS selector that reads that same value in
(nearly) every card. Picking per card and checking across cards keeps one odd card from
setting the selector, and says how sure the guess is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from armswatch.source_draft_cards import MONEY, Element, classes_of, text_of
from crawlers.normalize.prices import currency_code
from crawlers.selectors import FieldSelector

AGREEMENT = 0.95  # share of cards a selector must read the picked value in, to be sure
LISTING_HINTS = ("/product", "/listing", "/item", "/offer", "/view")
_VENDOR_HREF = re.compile(r"vendor|seller|user|profile|shop|store", re.IGNORECASE)
_QUANTITY = re.compile(
    r"(?i)\b(?:stock|qty|quantity|available)\b\D{0,12}\d|\d+\s*(?:left|available|in stock)\b"
)
_LABEL = re.compile(r"^[^\W\d][^\d]{1,40}$")
_SEPARATED = re.compile(r"\s+([-|·•])\s+|\s+([-|·•])$")

Pick = tuple[Element, str] | None  # the element chosen in one card, and the value it gives


@dataclass(frozen=True)
class FieldGuess:
    """One drafted field: its selector, the cards it reads a value in, and any doubt."""

    name: str
    css: str
    attr: str | None = None
    regex: str | None = None
    many: bool = False
    matched: int = 0
    check: str | None = None

    def selector(self) -> FieldSelector:
        return FieldSelector(css=self.css, attr=self.attr, regex=self.regex, many=self.many)


def guess_title(cards: list[Selector]) -> FieldGuess | None:
    """A heading; else an element whose class says title or name; else the longest link text."""
    for pick in (_heading, _titled, _longest_link):
        picks = [pick(card.root) for card in cards]
        if sum(1 for found in picks if found) >= 0.6 * len(cards):
            return _fit("title", cards, picks)
    return None


def guess_url(cards: list[Selector], title: FieldGuess | None) -> FieldGuess | None:
    """The link that differs per card, with the title or with a listing-like path."""
    picks: list[Pick] = [_listing_link(card.root, title) for card in cards]
    hrefs = [pick[1] for pick in picks if pick]
    if len(set(hrefs)) < 0.6 * len(hrefs):
        return None
    words = [hint.lstrip("/") + "/" for hint in LISTING_HINTS]  # `product/1` is relative too
    extra = [f"a[href*='{word}']" for word in words if all(word in href for href in hrefs)]
    if title is not None:
        extra += [f"a:has({title.css})", f"{title.css} a"]
    return _fit("url", cards, picks, attr="href", first=extra)


def guess_price(cards: list[Selector], title: FieldGuess | None) -> FieldGuess | None:
    """The smallest element whose text is money-like (not inside the title)."""
    return _fit("price", cards, [_price(card, title) for card in cards])


def guess_currency(cards: list[Selector], price: FieldGuess) -> FieldGuess | None:
    """A separate currency element next to a bare price, if there is one."""
    picks: list[Pick] = []
    for card in cards:
        found = price.selector().first(card)
        element = _first(card, price.css)
        picks.append(None if found is None or currency_code(found) else _currency_near(element))
    return _fit("currency", cards, picks) if any(picks) else None


def guess_vendor(cards: list[Selector]) -> list[FieldGuess]:
    """The vendor's name and profile link: a link to a vendor, seller, user or shop page."""
    picks = [_vendor_link(card.root) for card in cards]
    hrefs = [p[0].get("href", "") for p in picks if p]
    match = [m.group(0).lower() for h in hrefs if (m := _VENDOR_HREF.search(_path(h)))]
    word = match[0] if match and match.count(match[0]) == len(hrefs) else None
    slashed = word and all(f"/{word}/" in href for href in hrefs)
    extra = [f"a[href*='{f'/{word}/' if slashed else word}']"] if word else []
    name = _fit("vendor", cards, picks, first=extra)
    if name is None:
        return []
    links: list[Pick] = [(p[0], p[0].get("href", "").strip()) if p else None for p in picks]
    link = _fit("vendor_url", cards, links, attr="href", first=[name.css])
    return [name, link] if link else [name]


def guess_category(cards: list[Selector], taken: set[str]) -> FieldGuess | None:
    """An element whose class names a category; else a label between ` - ` separators."""
    picks = [_by_class(card.root, "categ") for card in cards]
    if sum(1 for found in picks if found) >= 0.6 * len(cards):
        return _fit("category", cards, picks)
    labelled = [_separated_label(card.root, taken) for card in cards]
    regexes = [regex for found in labelled if found for regex in [found[2]]]
    if not regexes or len(regexes) < 0.6 * len(cards):
        return None
    regex = max(set(regexes), key=regexes.count)
    picks = [(found[0], found[1]) if found and found[2] == regex else None for found in labelled]
    guess = _fit("category", cards, picks, regex=regex)
    return _doubt(guess, "a label cut out of a longer text by a regex") if guess else None


def guess_quantity(cards: list[Selector]) -> FieldGuess | None:
    """The smallest text with a stock word and a number (`Stock: 12`, `3 left`)."""
    return _fit("quantity", cards, [_smallest(card.root, _QUANTITY.search) for card in cards])


def guess_images(cards: list[Selector]) -> FieldGuess | None:
    """The card's images (`img` src)."""
    picks: list[Pick] = []
    for card in cards:
        images = [img for img in card.root.iter("img") if (img.get("src") or "").strip()]
        picks.append((images[0], images[0].get("src", "").strip()) if images else None)
    guess = _fit("images", cards, picks, attr="src")
    return replace(guess, many=True) if guess else None


def _fit(
    name: str,
    cards: list[Selector],
    picks: list[Pick],
    *,
    attr: str | None = None,
    regex: str | None = None,
    first: list[str] | None = None,
) -> FieldGuess | None:
    """The first candidate selector that reads the picked values; the best one, with a doubt."""
    chosen = [pick for pick in picks if pick]
    if not chosen:
        return None
    best: tuple[float, FieldGuess] | None = None
    for css in dict.fromkeys([*(first or []), *_candidates(chosen[0][0])]):
        guess = FieldGuess(name, css, attr=attr, regex=regex)
        read = [guess.selector().first(card) for card in cards]
        agree = sum(1 for got, pick in zip(read, picks, strict=True) if pick and got == pick[1])
        share = agree / len(chosen)
        matched = sum(1 for got in read if got)
        guess = FieldGuess(name, css, attr=attr, regex=regex, matched=matched)
        if share >= AGREEMENT:
            return guess
        if best is None or share > best[0]:
            best = (share, guess)
    if best is None or best[0] < 0.5:
        return None
    return _doubt(best[1], f"reads the guessed value in {best[0]:.0%} of the cards")


def _candidates(element: Element) -> Iterator[str]:
    """Relative CSS selectors for an element, simplest first."""
    tag = str(element.tag)
    classes = classes_of(element)
    holder = next((up for up in element.iterancestors() if classes_of(up)), None)
    yield from (f"{tag}.{name}" for name in classes)
    if holder is not None:
        yield from (f"{holder.tag}.{name} {tag}" for name in classes_of(holder)[:3])
    yield tag
    if classes and holder is not None:
        yield f"{holder.tag}.{classes_of(holder)[0]} {tag}.{classes[0]}"
    inner = next((e for e in element.iterdescendants() if classes_of(e)), None)
    if inner is not None:
        yield f"{tag}:has({inner.tag}.{classes_of(inner)[0]})"
    parent = element.getparent()
    if parent is not None:
        kin = [e for e in parent if e.tag == element.tag]
        yield f"{tag}:nth-of-type({kin.index(element) + 1})"


def _doubt(guess: FieldGuess, why: str) -> FieldGuess:
    return replace(guess, check=why)


def _heading(card: Element) -> Pick:
    return _first_with_text(card.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6"))


def _titled(card: Element) -> Pick:
    return _by_class(card, "title") or _by_class(card, "name")


def _longest_link(card: Element) -> Pick:
    links = [(a, text_of(a)) for a in card.iter("a") if text_of(a)]
    return max(links, key=lambda pair: len(pair[1])) if links else None


def _by_class(card: Element, word: str) -> Pick:
    found = [e for e in card.iter() if any(word in name.lower() for name in classes_of(e))]
    return _first_with_text(found)


def _first_with_text(elements: list[Element]) -> Pick:
    return next(((e, text) for e in elements if (text := text_of(e))), None)


def _listing_link(card: Element, title: FieldGuess | None) -> Pick:
    heading = _first(Selector(root=card), title.css) if title else None
    best: tuple[int, Element, str] | None = None
    for anchor in card.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        near = heading is not None and (_within(anchor, heading) or _within(heading, anchor))
        rank = 3 * near + 2 * _is_listing_href(href) - 3 * _is_vendor_href(href)
        if best is None or rank > best[0]:
            best = (rank, anchor, href)
    return (best[1], best[2]) if best else None


def _vendor_link(card: Element) -> Pick:
    for anchor in card.iter("a"):
        href = anchor.get("href") or ""
        text = text_of(anchor)
        if text and _is_vendor_href(href) and not _is_listing_href(href):
            return anchor, text
    return None


def _price(card: Selector, title: FieldGuess | None) -> Pick:
    heading = _first(card, title.css) if title else None
    outside = [e for e in card.root.iter() if heading is None or not _within(e, heading)]
    return _smallest_of(outside, MONEY.search)


def _smallest(card: Element, test: Callable[[str], object]) -> Pick:
    return _smallest_of(list(card.iter()), test)


def _smallest_of(elements: list[Element], test: Callable[[str], object]) -> Pick:
    found = [(e, text) for e in elements if isinstance(e.tag, str) and test(text := text_of(e))]
    return min(found, key=lambda pair: len(pair[1])) if found else None


def _path(href: str) -> str:
    """The path and query of a link: a host such as `darkstore.onion` says nothing of the page."""
    parts = urlsplit(href.strip())
    return f"{parts.path}?{parts.query}"


def _is_listing_href(href: str) -> bool:
    return any(hint in _path(href) for hint in LISTING_HINTS)


def _is_vendor_href(href: str) -> bool:
    return bool(_VENDOR_HREF.search(_path(href)))


def _within(element: Element, container: Element) -> bool:
    return element is container or container in element.iterancestors()


def _currency_near(element: Element | None) -> Pick:
    if element is None:
        return None
    for near in (element.getnext(), element.getprevious()):
        if near is not None and (text := text_of(near)) and len(text) <= 8 and currency_code(text):
            return near, text
    return None


def _separated_label(card: Element, taken: set[str]) -> tuple[Element, str, str] | None:
    """An element whose text holds a label between separators, the label, and a regex for it."""
    found: list[tuple[Element, str, str]] = []
    for element in card.iter():
        text = text_of(element) if isinstance(element.tag, str) else ""
        if len(text) > 120 or not _SEPARATED.search(text):
            continue
        parts = [part.strip() for part in re.split(r"\s+[-|·•](?:\s+|$)", text)]
        labels = [p for p in parts if _LABEL.match(p) and p not in taken and not MONEY.search(p)]
        if labels:
            found.append((element, text, labels[-1]))
    if not found:
        return None
    element, text, label = min(found, key=lambda item: len(item[1]))
    return element, label, _label_regex(text, label)


def _label_regex(text: str, label: str) -> str:
    """`\\s-\\s+(.+?)\\s+-\\s*$` for `From: 25 $ - Hacking -`: the label by its separators."""
    before, _, after = text.rpartition(label)
    sep = {"|": r"\|"}.get(before.rstrip()[-1:], before.rstrip()[-1:] or "-")
    if not after.strip():
        return rf"\s{sep}\s+(.+?)\s*$"
    if len(after.strip()) == 1:  # only the closing separator follows
        return rf"\s{sep}\s+(.+?)\s+{sep}\s*$"
    return rf"\s{sep}\s+(.+?)\s+{sep}\s"


def _first(card: Selector, css: str) -> Element | None:
    found = card.css(css)
    return found[0].root if found and isinstance(found[0].root, etree._Element) else None
