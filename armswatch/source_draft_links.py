"""Guess the links a crawl follows from an index page, for `armswatch sources new`.

Two kinds: the next page of the same index (`index.pagination.next`) and the other index pages
(`index.follow`, usually the category tree). The next-page link says what it is: `rel=next`, a
class or label with "next", or the word itself (in the languages markets use) or an arrow. The
category links are a group of three or more links outside the cards, alike in markup, leading
to pages of one kind on the same site (`/category/...`), and not to the listings or vendors
the cards were drafted with. Links inside cards are never candidates.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from armswatch.source_draft_cards import Element, card_selector, classes_of, css_matches, text_of
from crawlers.selectors import FieldSelector

MIN_LINKS = 3
_NEXT_TEXT = re.compile(
    r"^(?:next(?: page)?|older|more|weiter|nächste(?: seite)?|suivant(?:e)?|siguiente|"
    r"successiva|próxima|volgende|далее|следующая|вперёд|вперед|下一页|次へ)"
    r"\s*[›»>→]*$|^[›»>→]{1,2}$",
    re.IGNORECASE,
)
_NEXT_MARK = re.compile(r"(?:^|[-_\s])next(?:$|[-_\s])", re.IGNORECASE)
_STATE = re.compile(r"^(?:is-)?(?:active|current|selected|open)$", re.IGNORECASE)  # "you are here"
_INDEX_WORDS = re.compile(
    r"categor|^cat$|^c$|section|board|forum|dept|department|subcat|browse|tag|collection|shop",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LinkGuess:
    """A drafted link selector (always the `href`), and any doubt about it."""

    selector: FieldSelector
    check: str | None = None

    @property
    def yaml(self) -> str:
        """The selector as a YAML flow mapping."""
        how = (
            f'css: "{self.selector.css}"'
            if self.selector.css
            else f"xpath: '{self.selector.xpath}'"
        )
        many = ", many: true" if self.selector.many else ""
        return "{" + how + ", attr: href" + many + "}"


def guess_next_page(root: Element, cards: list[Element]) -> LinkGuess | None:
    """The link to the next page of this index, if the page shows one."""
    inside = _inside(cards)
    for anchor in _anchors(root, inside):
        rel = (anchor.get("rel") or "").lower().split()
        if "next" in rel:
            return _fitted(root, anchor, "[rel=next]")
        marked = [name for name in classes_of(anchor) if _NEXT_MARK.search(name)]
        if marked:
            return _fitted(root, anchor, "." + marked[0], with_classes=False)
        label = anchor.get("aria-label") or anchor.get("title") or ""
        if '"' not in label and (_NEXT_MARK.search(label) or _NEXT_TEXT.match(label.strip())):
            return _fitted(root, anchor, f'[{_label_attr(anchor)}="{label}"]', with_classes=False)
        text = text_of(anchor)
        if _NEXT_TEXT.match(text):
            xpath = f"//a[normalize-space(.)={_xpath_literal(text)}]"
            return LinkGuess(FieldSelector(xpath=xpath, attr="href"), "check: found by its text")
    return None


def guess_follow(
    root: Element, cards: list[Element], page_url: str, card_links: list[str]
) -> LinkGuess | None:
    """The category links (or other index pages) outside the cards, if the page has them;
    `card_links` are the listing and vendor links the cards were drafted with."""
    inside = _inside(cards)
    card_kinds = {_first_segment(urljoin(page_url, href)) for href in card_links}
    best: tuple[float, list[Element], str] | None = None
    for members in _link_groups(root, inside):
        kind = _shared_segment([urljoin(page_url, a.get("href") or "") for a in members])
        if kind is None or kind in card_kinds:
            continue
        named = bool(_INDEX_WORDS.search(kind)) or any(
            _INDEX_WORDS.search(name) for name in classes_of(members[0])
        )
        score = len(members) * (4 if named else 1)
        if best is None or score > best[0]:
            best = (score, members, kind)
    if best is None:
        return None
    _, members, kind = best
    css, exact = card_selector(root, tuple(members))
    doubts = [] if exact else ["also picks other links"]
    if not _INDEX_WORDS.search(kind) and not _INDEX_WORDS.search(css):
        doubts.append(f"links to /{kind}/ pages: are they index pages?")
    check = f"check: {'; '.join(doubts)}" if doubts else None
    return LinkGuess(FieldSelector(css=css, attr="href", many=True), check)


def _anchors(root: Element, inside: set[Element]) -> Iterator[Element]:
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if anchor in inside or not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        yield anchor


def _inside(cards: list[Element]) -> set[Element]:
    """Every element of the cards (held, so lxml keeps handing out these same proxies)."""
    return {element for card in cards for element in card.iter()}


def _link_groups(root: Element, inside: set[Element]) -> Iterator[list[Element]]:
    """Links alike in markup (`_markup`), three or more to different places."""
    groups: dict[tuple[str, ...], list[Element]] = defaultdict(list)
    for anchor in _anchors(root, inside):
        groups[_markup(anchor)].append(anchor)
    for members in groups.values():
        if len({anchor.get("href") for anchor in members}) >= MIN_LINKS:
            yield members


def _markup(anchor: Element) -> tuple[str, ...]:
    """The link's tag and classes; for a link without classes, its two parents' too."""
    key: list[str] = []
    element: Element | None = anchor
    for _ in range(1 if _plain_classes(anchor) else 3):
        if element is None:
            break
        key.append(".".join([str(element.tag), *sorted(_plain_classes(element))]))
        element = element.getparent()
    return tuple(key)


def _plain_classes(element: Element) -> list[str]:
    return [name for name in classes_of(element) if not _STATE.match(name)]


def _shared_segment(urls: list[str]) -> str | None:
    """The first path segment most of the links share (one host), if they do."""
    hosts = {urlsplit(url).netloc for url in urls}
    segments = Counter(_first_segment(url) for url in urls)
    segment, count = segments.most_common(1)[0]
    if len(hosts) != 1 or not segment or count < 0.8 * len(urls):
        return None
    return segment


def _first_segment(url: str) -> str:
    return next((part for part in urlsplit(url).path.split("/") if part), "")


def _fitted(root: Element, anchor: Element, mark: str, *, with_classes: bool = True) -> LinkGuess:
    """`a.page-link[rel=next]`: the anchor's own classes (if they help) and its mark."""
    tag = str(anchor.tag)
    classes = "".join(f".{name}" for name in classes_of(anchor)[:1]) if with_classes else ""
    css = f"{tag}{classes}{mark}"
    picked = {href for a in css_matches(root, css) if (href := a.get("href"))}
    check = None if len(picked) == 1 else "check: also picks other links"
    return LinkGuess(FieldSelector(css=css, attr="href"), check)


def _label_attr(anchor: Element) -> str:
    return "aria-label" if anchor.get("aria-label") else "title"


def _xpath_literal(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"
