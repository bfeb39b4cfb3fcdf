"""Shared helpers of the signal extractors: building entities and testing span overlap."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

import ahocorasick

from crawlers.listing import Entity

Extractor = Callable[[str, str], list[Entity]]
Span = tuple[int, int]


def entity(
    label: str, text: str, start: int, end: int, field: str, normalized: str | None
) -> Entity:
    """An entity whose `text` is exactly `text[start:end]`."""
    return Entity(  # validated: as fast as `Entity.model_construct` in pydantic 2.14
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


def lowered(text: str) -> str:
    """`text` lowercased with its length (and so every offset) unchanged."""
    return text.replace("\u0130", "I").lower()


# Characters that case-insensitive `re` matching folds onto a letter other than their
# `str.lower()` (dotless i, long s, the old Cyrillic forms): with one of them in a text,
# a lowercase literal test could miss a match, so pre-filters let such texts through.
_FOLDS_ODDLY = re.compile("[\u0131\u017f\u1c80-\u1c88\u1e9b\ufb05\ufb06]")


def prefilter_text(text: str) -> str | None:
    """The lowercased text that pre-filters search, or None when they must not skip it.

    Shared by all extractors (cached for the last texts seen), so a text is lowercased once.
    """
    return scanned(text).prefilter


GateCheck = Callable[[str, int, int], bool]


class _Key(NamedTuple):
    length: int
    gates: int  # gate bits this key sets by itself
    checked: tuple[tuple[int, GateCheck], ...]  # gate bits it sets when the check holds


class _GateIndex:
    """One Aho-Corasick automaton over the keys of every extractor's gate.

    A gate is a set of lowercase keys of which every match of an extractor holds at least one,
    each optionally confirmed by a check at the hit. One C-level pass of the automaton over the
    lowercased text (cached for the last texts seen) tells which gates hold, so an extractor
    whose gate fails skips the text without running a single pattern.
    """

    def __init__(self) -> None:
        self.keys: dict[str, list[tuple[int, GateCheck | None]]] = {}
        self.count = 0
        self.automata: tuple[Any, Any] | None = None  # for other texts, for ASCII ones

    def gate(
        self, keys: Iterable[str], check: GateCheck | None = None, bit: int | None = None
    ) -> int:
        """A gate bit (new, or `bit` to widen a gate) set for a text holding one of the keys
        (lowercased) where `check`, given the lowercased text and the key's span, holds."""
        if bit is None:
            bit = 1 << self.count
            self.count += 1
        for key in keys:
            self.keys.setdefault(key.lower(), []).append((bit, check))
        self.automata = None
        scanned.cache_clear()
        return bit

    def automaton(self, ascii_text: bool) -> Any:
        """The automaton for a lowercased text: without the non-ASCII keys for an ASCII one."""
        if self.automata is None:
            keys = sorted(self.keys, key=_key_order)
            self.automata = (_automaton(self.keys, keys), _automaton(self.keys, keys, True))
        return self.automata[ascii_text]


# pyahocorasick looks a character up among a node's children one after the other, in the
# order they were added: keys starting with frequent characters go first (only speed).
_FREQUENT = " etaoinsrhldcumfpgwybvkxjqz.,:0123456789оаеинтсрвлкмдпуяыь"


def _key_order(key: str) -> tuple[int, str]:
    rank = _FREQUENT.find(key[0])
    return (rank if rank >= 0 else len(_FREQUENT), key)


def _automaton(
    gates: dict[str, list[tuple[int, GateCheck | None]]], keys: list[str], ascii_only: bool = False
) -> Any:
    automaton = ahocorasick.Automaton()
    for key in keys:
        if ascii_only and not key.isascii():
            continue
        plain = 0
        for bit, check in gates[key]:
            plain |= bit if check is None else 0
        checked = tuple((bit, check) for bit, check in gates[key] if check is not None)
        automaton.add_word(key, _Key(len(key), plain, checked))
    automaton.make_automaton()
    return automaton


GATES = _GateIndex()


class Scanned(NamedTuple):
    """What every extractor's pre-filter needs of a text, computed once for all of them."""

    lower: str  # `lowered(text)`
    prefilter: str | None  # `prefilter_text(text)`
    gates: int  # `gates(text)`


@lru_cache(maxsize=8)
def scanned(text: str) -> Scanned:
    """The lowercased text, pre-filter text and gate bits of a text (cached for the last seen)."""
    if text.isascii():  # no "\u0130", nothing that folds oddly
        lower = text.lower()
        return Scanned(lower, lower, _gate_bits(lower, GATES.automaton(True)))
    lower = lowered(text)
    prefilter = None if _FOLDS_ODDLY.search(text) else lower
    return Scanned(lower, prefilter, _gate_bits(lower, GATES.automaton(False)))


def _gate_bits(lower: str, automaton: Any) -> int:
    gates = 0
    for end, key in automaton.iter(lower):
        gates |= key.gates
        for bit, check in key.checked:
            if not gates & bit and check(lower, end + 1 - key.length, end + 1):
                gates |= bit
    return gates


def _lowered(text: str) -> str:
    return scanned(text).lower


def gates(text: str) -> int:
    """The bits of the gates that hold for a text (cached for the last texts seen)."""
    return scanned(text).gates


def gate_holds(text: str, bit: int) -> bool:
    """False only when the gate rules every match of its extractor out."""
    scan = scanned(text)
    return scan.prefilter is None or bool(scan.gates & bit)


class Triggered:
    """A pattern tried only where one of its literal trigger stems occurs in the text.

    Every match of `pattern` must start with one of the stems (compared lowercased). With
    `word_start`, a stem only counts at the start of a word. Python's `re` would try a big
    case-insensitive alternation at every position of a text; an Aho-Corasick automaton over
    the stems finds the few positions worth trying in one C-level pass (one-character stems,
    frequent everywhere, are found with a character class instead). Only run for texts that
    passed the extractor's gate.
    """

    def __init__(self, pattern: re.Pattern[str], stems: Iterable[str], word_start: bool = True):
        self.pattern = pattern
        self.word_start = word_start
        lowered_stems = {stem.lower() for stem in stems}
        singles = "".join(sorted(stem for stem in lowered_stems if len(stem) == 1))
        self.singles: re.Pattern[str] | None = None
        if singles:
            # the character first (so `re` skips to it), then: not after an alphanumeric one
            after = r"(?<![^\W_].)" if word_start else ""  # \w is alphanumeric or "_"
            self.singles = re.compile(f"[{re.escape(singles)}]{after}")
        self.automaton: Any = None
        longer = lowered_stems - set(singles)
        if longer:
            self.automaton = ahocorasick.Automaton()
            for stem in longer:
                self.automaton.add_word(stem, len(stem))
            self.automaton.make_automaton()

    def starts(self, text: str) -> list[int]:
        """Sorted positions where one of this pattern's stems occurs."""
        lower = _lowered(text)
        positions: set[int] = set()
        if self.automaton is not None:
            word_start = self.word_start
            for end, length in self.automaton.iter(lower):
                start = end + 1 - length
                if not (word_start and start and lower[start - 1].isalnum()):
                    positions.add(start)
        if self.singles is not None:
            positions.update(hit.start() for hit in self.singles.finditer(lower))
        return sorted(positions)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        end = 0
        for start in self.starts(text):
            if start < end:
                continue
            match = self.pattern.match(text, start)
            if match:
                end = match.end()
                yield match
