"""Serial-number status of a firearm or part (label SERIAL), in en, de, es, fr, ru, pt, it, nl.

Normalized values:

* `serial/removed` — the number is said to be removed, scratched, ground or filed off,
  obliterated ("Seriennummer abgeschliffen", "número de serie limado", "numéro de série effacé",
  "номер спилен", "número de série raspado", "matricola abrasa", "serienummer weggevijld");
  removal words only count within three words of a serial-number noun;
* `serial/none` — "no serial", "unserialized", "ohne Seriennummer", "sin número de serie",
  "sans numéro de série", "без номера", "sem número de série", "senza matricola",
  "zonder serienummer";
* `serial/untraceable` — "untraceable", "unregistered", "off paper", "clean, no papers",
  "nicht registriert", "sin registrar", "non déclarée", "незарегистрированный", "чистый",
  "sem registro", "non denunciata", "niet geregistreerd", and "ghost" only as "ghost gun/kit/…"
  (a firearm noun within three words), so "ghost" as a brand or word alone is rejected;
* `serial/present` — "serial number intact", "with serial", "mit Seriennummer", or a number
  given after a cue ("SN: ABC123", "S/N 12345"; the number must contain a digit).

When phrases overlap at one position the more specific status wins (removed, none,
untraceable, then present).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from crawlers.listing import Entity
from extractors.signals._base import (
    GATES,
    Triggered,
    alternation,
    entity,
    gate_holds,
    literal_prefix,
    scanned,
)

LABEL = "SERIAL"
NOUNS = [
    r"serial(?:\s*(?:numbers?|nos?\.?|#))?", r"serials", r"s/n", r"seriennummer[n]?",
    r"seriennr\.?", r"numeros?\s+de\s+serie", r"números?\s+de\s+serie",
    r"numéro\s+de\s+série", r"номер\w*", r"numero\s+de\s+série", r"número\s+de\s+série",
    r"matricol[ae]", r"serienummers?", r"numbers?",
]  # fmt: skip
CODE_NOUNS = [
    r"serial(?:\s*(?:numbers?|nos?\.?|#))?", r"s/n", r"sn", r"seriennummer", r"seriennr\.?",
    r"numero\s+de\s+s[ée]rie", r"número\s+de\s+s[ée]rie", r"numéro\s+de\s+s[ée]rie",
    r"серийный\s+номер",
    r"заводской\s+номер", r"matricola", r"serienummer",
]  # fmt: skip
REMOVED_WORDS = [
    r"removed", r"scratched", r"ground", r"grinded", r"filed", r"obliterated", r"defaced",
    r"erased", r"drilled", r"milled", r"entfernt\w*", r"abgeschliffen\w*",
    r"weggeschliffen\w*", r"herausgefeilt\w*", r"ausgefr[äa]st\w*", r"unkenntlich",
    r"borrad[oa]s?", r"limad[oa]s?", r"eliminad[oa]s?", r"raspad[oa]s?", r"quitad[oa]s?",
    r"effac[ée]e?s?", r"lim[ée]e?s?", r"supprim[ée]e?s?", r"meul[ée]e?s?", r"gratt[ée]e?s?",
    r"спил\w*", r"сбит\w*", r"перебит\w*", r"удал[её]н\w*", r"стерт\w*", r"стёрт\w*", r"сточен\w*",
    r"removid[oa]s?", r"apagad[oa]s?", r"abras[oa]", r"cancellat[oa]", r"limat[oa]",
    r"rimoss[oa]", r"verwijderd", r"weggevijld", r"weggeslepen", r"onleesbaar",
]  # fmt: skip
NONE_WORDS = [
    r"no", r"without", r"ohne", r"keine?", r"sin", r"sans", r"без", r"sem", r"senza",
    r"zonder", r"geen",
]  # fmt: skip
NONE_ALONE = [r"un-?serial(?:i[sz]ed)?", r"non-serial(?:i[sz]ed)?", r"serial-?less"]
UNTRACEABLE = [
    r"untraceable", r"unregistered", r"off[\s-]paper", r"clean,?\s+no\s+papers",
    r"no\s+paperwork",
    r"ghost(?:[\s-]+[\w-]+){0,2}?[\s-]+(?:guns?|pistols?|rifles?|kits?|lowers?|frames?|builds?)",
    r"nicht\s+registriert\w*", r"unregistriert\w*", r"nicht\s+r[üu]ckverfolgbar",
    r"sin\s+registrar", r"no\s+registrad[oa]", r"irrastreable", r"non\s+d[ée]clar[ée]e?s?",
    r"non\s+enregistr[ée]e?s?", r"intra[çc]able", r"незарегистрированн\w*",
    r"не\s+зарегистрирован\w*", r"чист(?:ый|ая|ое|ые|ую)", r"sem\s+registro",
    r"não\s+registrad[oa]", r"nao\s+registrad[oa]", r"non\s+denunciat[oa]", r"non\s+registrat[oa]",
    r"niet\s+geregistreerd", r"ongeregistreerd",
]  # fmt: skip
WITH_WORDS = [r"with", r"mit", r"con", r"avec", r"с", r"com", r"met"]
PRESENT_WORDS = (
    r"intact|visible|present|legible|intakt|vorhanden|lesbar|intacto|legible|visible"
    r"|intacte?|lisible|целый|на\s+месте|читаем\w*|intatt[oa]|leggibile|aanwezig|leesbaar"
)
_FILLER = r"(?:[\s,:\-]+[\w.']+){0,3}?[\s,:\-]+"
_CODE = r"(?-i:(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{2,19})"
NOUN, CODE_NOUN = alternation(NOUNS), alternation(CODE_NOUNS)
REMOVED = alternation(REMOVED_WORDS)
# PATTERN's alternatives in the order `re` tries them: (kind, leading words, what follows).
# The kind names the status ("code" is `serial/present` with a number after a cue).
BRANCHES = [
    ("removed", NOUNS, rf"{_FILLER}(?:{REMOVED})(?:\s+off|\s+out)?"),
    ("removed", REMOVED_WORDS, rf"(?:\s+off|\s+out)?(?:[\s,]+[\w']+)?[\s,]+(?:{NOUN})"),
    ("none", NONE_WORDS, rf"[\s-]+(?:{NOUN})"),
    ("none", NONE_ALONE, ""),
    ("untraceable", UNTRACEABLE, ""),
    ("present", WITH_WORDS, rf"\s+(?:{NOUN})"),
    ("present", NOUNS, rf"\s+(?:is\s+|ist\s+)?(?:{PRESENT_WORDS})"),
    ("code", CODE_NOUNS, rf"\s*(?:[:#№]|nr\.?|no\.?)?\s*{_CODE}"),
]


def _alternatives(first: str | None = None, code: str = _CODE, suffix: str = "") -> str:
    """PATTERN's alternation, one named group per kind (named kind + `suffix`); with `first`,
    only the alternatives whose leading word starts with that character, which is left out."""
    kinds: dict[str, list[str]] = {}
    for kind, words, rest in BRANCHES:
        led = [word[1:] if first else word for word in words if first in (None, _first(word))]
        if led:
            rest = rest.replace(_CODE, code)
            kinds.setdefault(kind, []).append(f"(?:{alternation(led)}){rest}")
    return "|".join(f"(?P<{kind}{suffix}>{'|'.join(parts)})" for kind, parts in kinds.items())


def _first(word: str) -> str:
    """The first character of a leading word: a lowercase literal every match starts with."""
    if word[0] in r"\[](){}.*+?^$|" or word[1:2] in ("?", "*", "+", "{") or not word.islower():
        raise ValueError(f"leading word without a literal lowercase start: {word!r}")
    return word[0]


PATTERN = re.compile(rf"(?<!\w)(?:{_alternatives()})(?!\w)", re.IGNORECASE)
WORD_LISTS = (NOUNS, CODE_NOUNS, REMOVED_WORDS, NONE_WORDS, NONE_ALONE, UNTRACEABLE, WITH_WORDS)
TRIGGERED = Triggered(PATTERN, [literal_prefix(word) for words in WORD_LISTS for word in words])

# Gate (lowercased text): every match holds a serial-number noun or an untraceable phrase;
# tests/extractors/signals/test_prefilter.py checks that each word list is covered. Each word
# has its own gate bit, so that `find` looks only for the words a text holds.
GATE_WORDS = (
    "seri|s/n|sn|numer|númer|numér|номер|matricol|number|traceable|paper|ghost|unregist"
    "|registriert|registrar|registrad|enregistr|registro|registrat|geregistreerd|зарегистрирован"
    "|verfolgbar|irrastreable|clar|intra|чист|denunciat"
).split("|")
WORD_GATES = {word: GATES.gate([word]) for word in GATE_WORDS}
GATE = sum(WORD_GATES.values())

# The fast path, for a text that `prefilter_text` lowercases (nearly all): PATTERN is tried
# only near the gate words found. The gate word a match holds is in the match's first word
# or at most `DEPTHS` words after it, the words joined by whitespace, commas or hyphens (see
# `BRANCHES`): three before a noun ("removed off the serial"), two before "paper" ("clean, no
# papers"), one before other words ("non déclarée"). `_BACKS`, matched over the reversed
# text, span those words; `CHAIN` then tries PATTERN at each word start from there on, in
# one call. PATTERN runs case-sensitively over the lowercased text (`SCAN`), split by first
# character so that only the alternatives starting there are tried; a number after a cue
# found there is checked to be upper case in the text itself (`_numbered`).
NOUN_GATE_WORDS = ["seri", "s/n", "numer", "númer", "numér", "номер", "matricol", "number"]
DEPTHS = {
    word: 3 if word in NOUN_GATE_WORDS else 2 if word == "paper" else 1 for word in GATE_WORDS
}
_BACKS = [re.compile(rf"[\w']*(?:[\s,\-]+[\w']+){{0,{depth}}}") for depth in range(4)]
FIRSTS = sorted({_first(word) for _, words, _ in BRANCHES for word in words})
_LOWER_CODE = r"(?=[a-z0-9\-]*\d)[a-z0-9][a-z0-9\-]{2,19}"
SCAN = (  # the look-behind after the first character: not after a word character
    "(?:"
    + "|".join(
        rf"{re.escape(first)}(?<!\w.)(?:{_alternatives(first, _LOWER_CODE, f'_{index}')})"
        for index, first in enumerate(FIRSTS)
    )
    + r")(?!\w)"
)


@cache
def _numbered(first: str) -> re.Pattern[str]:
    """PATTERN restricted to the alternatives starting with `first` (the number upper case)."""
    return re.compile(rf"(?<!\w){re.escape(first)}(?:{_alternatives(first)})(?!\w)", re.I)


# SCAN at the first word start from a position on (words joined by whitespace, commas, hyphens
# or apostrophes, as in a window) where it matches; past a window it only finds the next match
# sooner. Possessive repeats: each step takes a whole word and what follows it.
CHAIN = re.compile(rf"(?:\w*+[\s,\-']++)*?(?P<at>){SCAN}")
_WORD_OF_BIT = {bit: word for word, bit in WORD_GATES.items()}
# the status for each group named after a kind of match (see `_alternatives`)
_GROUPS = {*PATTERN.groupindex, *CHAIN.groupindex} - {"at"}
_STATUS = {name: name.partition("_")[0].replace("code", "present") for name in _GROUPS}
_CODE_GROUPS = {name for name in _GROUPS if name.startswith("code")}


def may_contain(text: str) -> bool:
    """False only when the text cannot hold a SERIAL entity."""
    return gate_holds(text, GATE)


def find(text: str, field: str) -> list[Entity]:
    """SERIAL entities normalized `serial/<present|removed|none|untraceable>`."""
    scan = scanned(text)  # as `gate_holds`, in one look-up of the cached scan
    spans: Iterator[tuple[int, int, str]]
    if scan.prefilter is None:
        spans = ((*match.span(), _status(match)) for match in TRIGGERED.finditer(text))
    elif scan.gates & GATE:
        spans = _spans(text, scan.prefilter, scan.gates & GATE)
    else:
        return []
    return [
        entity(LABEL, text, start, end, field, f"serial/{status}") for start, end, status in spans
    ]


def _spans(text: str, lower: str, held: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, status) of what `TRIGGERED.finditer(text)` finds: in order, the first
    match that starts in a window (or later) and not before the end of the last one."""
    end = 0
    for first, last in sorted(_windows(lower, held)):
        position = max(first, end)
        while position <= last and (hit := CHAIN.match(lower, position)):
            start = hit.start("at")
            code = hit.lastgroup in _CODE_GROUPS  # is the number upper case in `text`?
            match = _numbered(lower[start]).match(text, start) if code else hit
            if match is None:  # the number is not upper case in `text`
                position = start + 1
            else:
                end = position = match.end()
                yield start, end, _status(match)


def _windows(lower: str, held: int) -> Iterator[tuple[int, int]]:
    """(first, last): a match holding one of the gate words found starts in [first, last]."""
    reverse, size = lower[::-1], len(lower)
    while held:
        bit = held & -held  # the lowest bit held
        held ^= bit
        word = _WORD_OF_BIT[bit]
        back = _BACKS[DEPTHS[word]]
        at = lower.find(word)
        while at >= 0:
            words = back.match(reverse, size - at)  # always matches, maybe nothing
            yield (size - words.end() if words else at), at
            at = lower.find(word, at + 1)


def _status(match: re.Match[str]) -> str:
    return _STATUS[match.lastgroup or ""]
