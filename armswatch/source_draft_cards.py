"""Find the listing cards of a saved index page, for `armswatch sources new`.

A market's category page repeats one block per listing. Elements that sit at the same path of
`tag.class` signatures from the root are such repeats, even when a grid splits them into rows
of three (siblings alone would miss that). Each group is scored as listing cards: many
members, each with a link, several texts and one price. Single-child wrappers (`div.col-md-4 >
div.row > div.card`) are looked through, so the card is the element holding the content, and
the CSS selector offered is the shortest that selects exactly those elements on the page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from lxml import etree
from parsel.csstranslator import HTMLTranslator

_CSS = HTMLTranslator()
_SKIPPED = {"head", "script", "style", "noscript", "template", "svg"}
_IDENTIFIER = re.compile(r"^-?[_a-zA-Z][_a-zA-Z0-9-]*$")
_NUMBERED = re.compile(r"\d{3,}")  # `post-12345`: a class that names one element, not a kind
_WHITESPACE = re.compile(r"\s+")
_AMOUNT = r"\d(?:[\d.,\s]*\d)?"
_CURRENCY = r"(?:USD|EUR|GBP|AUD|CAD|CHF|RUB|BTC|mBTC|XMR|LTC|ETH|USDT|BCH)"
MONEY = re.compile(
    rf"[$€£¥₽₿]\s?{_AMOUNT}|{_AMOUNT}\s?(?:[$€£¥₽₿]|{_CURRENCY}\b)|\b{_CURRENCY}\s?{_AMOUNT}"
)
MIN_CARDS = 3

Element: TypeAlias = etree._Element


class DraftError(ValueError):
    """The page cannot be drafted from: the message says why and what to do."""


@dataclass(frozen=True)
class CardGroup:
    """Repeated elements that look like listing cards, with how much they look like it."""

    members: tuple[Element, ...]
    score: float


def text_of(element: Element) -> str:
    """The element's text as a `FieldSelector` reads it: text nodes joined, spaces collapsed."""
    parts = (part.strip() for part in element.itertext())
    return _WHITESPACE.sub(" ", " ".join(part for part in parts if part)).strip()


def classes_of(element: Element) -> list[str]:
    """The classes of an element usable in a CSS selector, in their written order."""
    names = (element.get("class") or "").split()
    return [name for name in dict.fromkeys(names) if _IDENTIFIER.match(name)]


def css_matches(root: Element, css: str) -> list[Element]:
    """The elements a CSS selector picks under `root` (itself included, as parsel does)."""
    found = etree.XPath(_CSS.css_to_xpath(css))(root)
    return (
        [node for node in found if isinstance(node, etree._Element)]
        if isinstance(found, list)
        else []
    )


def find_card_groups(root: Element) -> list[CardGroup]:
    """Groups of repeated elements that each hold a link and text, best first."""
    by_path: dict[tuple[str, ...], list[Element]] = defaultdict(list)
    for element, path in _paths(root, ()):
        by_path[path].append(element)
    groups: dict[tuple[int, ...], CardGroup] = {}
    for members in by_path.values():
        if len(members) < MIN_CARDS:
            continue
        content = _through_wrappers(members)
        linked = [member for member in content if _has_link_and_text(member)]
        if len(linked) >= max(MIN_CARDS, 0.6 * len(content)) and _priced(content) >= 0.5:
            key = tuple(id(member) for member in content)
            groups[key] = CardGroup(tuple(content), _score(content))
    return sorted(groups.values(), key=lambda group: group.score, reverse=True)


def card_selector(root: Element, members: tuple[Element, ...]) -> tuple[str, bool]:
    """The shortest CSS selector for the cards, and whether it selects exactly them."""
    wanted = {id(member) for member in members}
    candidates = list(_selector_candidates(members))
    for css in candidates:
        if {id(node) for node in css_matches(root, css)} == wanted:
            return css, True
    return candidates[-1], False


def _paths(element: Element, above: tuple[str, ...]) -> Iterator[tuple[Element, tuple[str, ...]]]:
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _SKIPPED:
            path = (*above, _signature(child))
            yield child, path
            yield from _paths(child, path)


def _signature(element: Element) -> str:
    kept = sorted(name for name in classes_of(element) if not _NUMBERED.search(name))
    return ".".join([str(element.tag), *kept])


def _through_wrappers(members: list[Element]) -> list[Element]:
    """Look through elements that only wrap one element of the same kind in every member."""
    while True:
        children = [_only_child(member) for member in members]
        if any(child is None for child in children):
            return members
        inner = [child for child in children if child is not None]
        if len({_signature(child) for child in inner}) != 1:
            return members
        members = inner


def _only_child(element: Element) -> Element | None:
    children = [child for child in element if isinstance(child.tag, str)]
    own_text = (element.text or "").strip() or any((c.tail or "").strip() for c in children)
    return children[0] if len(children) == 1 and not own_text else None


def _has_link_and_text(element: Element) -> bool:
    links = element.xpath("descendant-or-self::a[@href]")
    return bool(links) and bool(text_of(element))


def _score(members: list[Element]) -> float:
    """Many members, rich in text, one price each, with images: listing cards."""
    texts = [min(sum(1 for part in member.itertext() if part.strip()), 12) for member in members]
    prices = [len(MONEY.findall(text_of(member))) for member in members]
    priced = _priced(members)
    per_card = sum(max(count, 1) for count in prices) / len(members)
    images = sum(1 for member in members if member.xpath(".//img")) / len(members)
    richness = sum(texts) / len(members)
    return len(members) * richness * (1 + 4 * priced) * (1 + 0.2 * images) / per_card


def _priced(members: list[Element]) -> float:
    """The share of members that show a price."""
    return sum(1 for member in members if MONEY.search(text_of(member))) / len(members)


def _selector_candidates(members: tuple[Element, ...]) -> Iterator[str]:
    """`tag.class` forms first, then with the parent, then the whole path from the root."""
    tag = str(members[0].tag)
    common = _common_classes(members)
    yield from (f"{tag}.{name}" for name in common)
    if len(common) > 1:
        yield tag + "".join(f".{name}" for name in common)
    parents = tuple(member.getparent() for member in members)
    if all(parent is not None for parent in parents):
        parent = _compound(tuple(p for p in parents if p is not None))
        yield f"{parent} > {tag}" + "".join(f".{name}" for name in common)
    yield " > ".join(_compound(level) for level in _levels(members))


def _levels(members: tuple[Element, ...]) -> list[tuple[Element, ...]]:
    levels = [members]
    while all(element.getparent() is not None for element in levels[0]):
        levels.insert(0, tuple(e.getparent() for e in levels[0] if e.getparent() is not None))
    return levels


def _compound(elements: tuple[Element, ...]) -> str:
    return str(elements[0].tag) + "".join(f".{name}" for name in _common_classes(elements))


def _common_classes(elements: tuple[Element, ...]) -> list[str]:
    first = classes_of(elements[0])
    shared = set(first).intersection(*(classes_of(element) for element in elements[1:]))
    return [name for name in first if name in shared and not _NUMBERED.search(name)]
