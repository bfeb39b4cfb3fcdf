"""Shared helpers of the signal extractors: building entities and testing span overlap."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from crawlers.listing import Entity

Extractor = Callable[[str, str], list[Entity]]
Span = tuple[int, int]


def entity(
    label: str, text: str, start: int, end: int, field: str, normalized: str | None
) -> Entity:
    """An entity whose `text` is exactly `text[start:end]`."""
    return Entity(
        label=label, text=text[start:end], start=start, end=end, field=field, normalized=normalized
    )


def inside(spans: Iterable[Span], start: int, end: int) -> bool:
    """True when [start, end) overlaps any of the spans."""
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def overlaps_taken(taken: list[Span], start: int, end: int) -> bool:
    """True when [start, end) overlaps a span already taken; otherwise takes it."""
    if inside(taken, start, end):
        return True
    taken.append((start, end))
    return False


_META = set("\\[](){}.*+?^$|")


def alternation(alternatives: Iterable[str]) -> str:
    """A regex alternation of the given alternatives, each in its own non-capturing group."""
    return "|".join(f"(?:{alternative})" for alternative in alternatives)


def literal_prefix(alternative: str) -> str:
    """The lowercase literal text every match of a regex alternative starts with.

    Raises ValueError when there is none, so a word list cannot silently lose its trigger.
    """
    prefix = ""
    for index, char in enumerate(alternative):
        if char in _META:
            if char in "?*{" and prefix:
                prefix = prefix[:-1]
            break
        if index + 1 < len(alternative) and alternative[index + 1] in "?*{":
            break
        prefix += char
    if not prefix:
        raise ValueError(f"regex alternative without a literal start: {alternative!r}")
    return prefix.lower()


def trie_regex(words: Iterable[str]) -> str:
    """A prefix-factored regex matching any of the words (longest first at one position)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(trie)


def _trie_node(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def lowered(text: str) -> str:
    """`text` lowercased with its length (and so every offset) unchanged."""
    return text.replace("\u0130", "I").lower()


# Characters that case-insensitive `re` matching folds onto a letter other than their
# `str.lower()` (dotless i, long s, the old Cyrillic forms): with one of them in a text,
# a lowercase literal test could miss a match, so pre-filters let such texts through.
_FOLDS_ODDLY = re.compile("[\u0131\u017f\u1c80-\u1c88\u1e9b\ufb05\ufb06]")


@lru_cache(maxsize=8)
def prefilter_text(text: str) -> str | None:
    """The lowercased text that pre-filters search, or None when they must not skip it.

    Shared by all extractors (cached for the last texts seen), so a text is lowercased once.
    """
    if _FOLDS_ODDLY.search(text):
        return None
    return lowered(text)


def may_match(text: str, cues: re.Pattern[str]) -> bool:
    """False only when `cues` (a pattern over the lowercased text) rules every match out."""
    lower = prefilter_text(text)
    return lower is None or cues.search(lower) is not None


class _TriggerIndex:
    """One prefix trie over the trigger stems of every `Triggered` pattern.

    Python's `re` tries a big case-insensitive alternation at every position of a text; one
    scan of the lowercased text for literal stems finds the few positions worth trying. The
    scan is shared by all extractors, cached for the last texts seen, and only run when an
    extractor's pre-filter (`may_match`) lets the text through.
    """

    def __init__(self) -> None:
        self.owners: dict[str, set[int]] = {}
        self.trigger: re.Pattern[str] | None = None
        self.table: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self.word_start: list[bool] = []

    def register(self, stems: Iterable[str], word_start: bool) -> int:
        owner = len(self.word_start)
        self.word_start.append(word_start)
        for stem in stems:
            self.owners.setdefault(stem.lower(), set()).add(owner)
        self.trigger = None
        _scan.cache_clear()
        return owner

    def compile(self) -> re.Pattern[str]:
        """The trigger regex; a digit stem's hit swallows the rest of its number."""
        if self.trigger is None:
            self.trigger = re.compile(f"({trie_regex(sorted(self.owners))})[0-9]*")
            self.table = {stem: self._owners_of(stem) for stem in self.owners}
        return self.trigger

    def _owners_of(self, stem: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(owners matching anywhere, owners matching at word starts) of a stem's hit."""
        owners = {
            owner
            for prefix, prefix_owners in self.owners.items()
            if stem.startswith(prefix)
            for owner in prefix_owners
        }
        anywhere = tuple(owner for owner in owners if not self.word_start[owner])
        return anywhere, tuple(owner for owner in owners if self.word_start[owner])


TRIGGERS = _TriggerIndex()


@lru_cache(maxsize=4)
def _scan(text: str) -> dict[int, list[int]]:
    """Owner → the positions where one of its stems occurs (at a word start if it asks so)."""
    lower = lowered(text)
    trigger = TRIGGERS.compile()
    table = TRIGGERS.table
    starts: dict[int, list[int]] = {}
    for hit in trigger.finditer(lower):
        start = hit.start()
        anywhere, at_word_start = table[hit.group(1)]
        for owner in anywhere:
            starts.setdefault(owner, []).append(start)
        if at_word_start and not (start and lower[start - 1].isalnum()):
            for owner in at_word_start:
                starts.setdefault(owner, []).append(start)
    return starts


class Triggered:
    """A pattern tried only where one of its literal trigger stems occurs in the text.

    Every match of `pattern` must start with one of the stems (compared lowercased). With
    `word_start`, a stem only counts at the start of a word.
    """

    def __init__(self, pattern: re.Pattern[str], stems: Iterable[str], word_start: bool = True):
        self.pattern = pattern
        self.owner = TRIGGERS.register(stems, word_start)

    def starts(self, text: str) -> list[int]:
        """Positions where one of this pattern's stems occurs."""
        return _scan(text).get(self.owner, [])

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        end = 0
        for start in self.starts(text):
            if start < end:
                continue
            match = self.pattern.match(text, start)
            if match:
                end = match.end()
                yield match
