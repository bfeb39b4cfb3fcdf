"""Where a listing ships from and to, and how it ships.

`SHIPS_FROM` / `SHIPS_TO` (normalized: ISO 3166-1 alpha-2, `WW` for worldwide, one entity per
country) come from a cue phrase in en, de, es, fr, ru, pt, it or nl ("ships from Germany",
"Versand aus Deutschland", "envío desde España", "expédié depuis la France", "отправка из
России", "envio de Portugal", "spedizione dall'Italia", "verzending vanuit Nederland",
"ships to: EU, US", "Versand nach DE/AT/CH") followed by a list of country names or codes,
resolved with `crawlers.normalize.to_country_codes`; regions expand to their member countries
(each entity then spans the region's name). "worldwide shipping" and its translations are
`SHIPS_TO` `WW`. The country list ends at the first word that is not a country, article or
conjunction, or at sentence punctuation, so "ships from Germany with DHL" yields only DE.

`SHIPPING_METHOD` is normalized to one of `post`, `courier`, `stealth`, `split_shipment`,
`disassembled`, `dead_drop`, `pickup` from carrier names and method words in the same languages.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any, NamedTuple

import ahocorasick

from crawlers.listing import Entity
from crawlers.normalize import to_country_codes
from extractors.signals._base import (
    GATES,
    Triggered,
    alternation,
    entity,
    gate_holds,
    literal_prefix,
    lowered,
    prefilter_text,
)

FROM_CUES = [
    r"ships?\s+from", r"shipping\s+from", r"shipped\s+from", r"dispatch(?:ed|es)?\s+from",
    r"sent\s+from", r"versand\s+(?:aus|ab|von)", r"versendet\s+(?:aus|von)",
    r"verschickt\s+aus", r"standort", r"env[ií]os?\s+desde", r"enviad[oa]\s+desde",
    r"se\s+env[ií]a\s+desde", r"exp[ée]di[ée]e?s?\s+(?:depuis|de)", r"exp[ée]dition\s+depuis",
    r"envoi\s+depuis", r"отправк[аи]\s+из", r"отправляю\s+из", r"отправляем\s+из",
    r"доставка\s+из", r"высылаю\s+из", r"envio\s+(?:de|desde|a\s+partir\s+de)",
    r"enviad[oa]\s+de", r"spedizion[ei]\s+(?:da|dalla|dal|dall['’])",
    r"spedit[oa]\s+(?:da|dalla|dal|dall['’])", r"verzend(?:ing|en)\s+(?:vanuit|uit)",
    r"verzonden\s+(?:vanuit|uit)",
]  # fmt: skip
TO_CUES = [
    r"ships?\s+to", r"shipping\s+to", r"deliver(?:y|s)?\s+to", r"we\s+ship\s+to",
    r"versand\s+(?:nach|in\s+die|in)", r"lieferung\s+(?:nach|in)", r"liefern\s+nach",
    r"versende\s+nach", r"env[ií]os?\s+a", r"enviamos\s+a", r"entrega\s+a",
    r"livraison\s+(?:en|vers|à|au|aux)", r"exp[ée]dition\s+vers", r"envoi\s+vers",
    r"exp[ée]di[ée]e?\s+vers", r"доставка\s+(?:в|во|по)", r"отправка\s+(?:в|во|по)",
    r"отправляю\s+(?:в|по)", r"envio\s+para", r"entrega\s+para", r"enviamos\s+para",
    r"spedizion[ei]\s+(?:in|verso|a)", r"spediamo\s+(?:in|a)", r"verzend(?:ing|en)\s+naar",
    r"levering\s+naar", r"verzonden\s+naar",
]  # fmt: skip
WORLDWIDE_PHRASES = [
    r"worldwide\s+shipping", r"ships?\s+worldwide", r"shipping\s+worldwide",
    r"weltweite[rn]?\s+versand", r"versand\s+weltweit",
    r"env[ií]os?\s+(?:mundial(?:es)?|internacional(?:es)?)",
    r"livraison\s+(?:mondiale|internationale|dans\s+le\s+monde\s+entier)",
    r"доставка\s+по\s+всему\s+миру", r"отправка\s+по\s+всему\s+миру",
    r"envio\s+(?:mundial|internacional|para\s+todo\s+o\s+mundo)",
    r"spedizion[ei]\s+(?:in\s+tutto\s+il\s+mondo|internazionali?|mondiale)",
    r"wereldwijde\s+verzending", r"verzending\s+wereldwijd",
]  # fmt: skip
WORLDWIDE = re.compile(rf"(?:{alternation(WORLDWIDE_PHRASES)})(?!\w)", re.IGNORECASE)
# after a cue: a word end (or an apostrophe, "dall'Italia") and an optional colon or dash
CUE_END = r"(?:(?<=['’])|(?!\w))\s*[:\-–]?\s*"
CUE = re.compile(
    rf"(?:(?P<from>{alternation(FROM_CUES)})|(?P<to>{alternation(TO_CUES)})){CUE_END}",
    re.IGNORECASE,
)
_LETTERS = r"[^\W\d_]+(?:['’][^\W\d_]+)?"
_WORD = re.compile(_LETTERS)
# the words a country list may hold: from the first word on, each joined to the last by
# separators only, within `_WINDOW` characters of the cue
_RUN = re.compile(rf"{_LETTERS}(?:[ \t,/|+&\-–():]+{_LETTERS})*")
_WINDOW = 120
SKIP_WORDS = {
    "the", "la", "le", "les", "l", "el", "los", "las", "der", "die", "das", "den", "il", "lo",
    "o", "a", "os", "het", "de", "and", "und", "y", "et", "и", "e", "en", "or", "oder", "ou",
    "или", "of", "all", "alle", "toda", "toute", "всей", "всю",
}  # fmt: skip
CONJUNCTIONS = {"and", "und", "y", "et", "и", "e", "en", "or", "oder", "ou", "или", "o"}
# inflected forms that `to_country_codes` does not know ("Schweiz", "РФ" it does)
EXTRA_FORMS = {"niederlanden": "NL", "vereinigten staaten": "US"}
_RU_ENDINGS = (("ии", "ия"), ("ию", "ия"), ("ой", "а"), ("ы", "а"), ("у", "а"), ("и", "а"),
               ("и", "ь"), ("а", ""), ("ов", "ы"), ("е", "а"), ("ю", "я"))  # fmt: skip
_MAX_WORDS_PER_NAME = 4
_MAX_COUNTRIES = 40

METHOD_WORDS: dict[str, list[str]] = {
    "post": [
        r"by\s+post", r"registered\s+(?:mail|post)", r"deutsche\s+post", r"packstation",
        r"per\s+post", r"einschreiben", r"correos", r"correo\s+certificado", r"por\s+correo",
        r"la\s+poste", r"colissimo", r"par\s+la\s+poste", r"почта\s+россии", r"почтой", r"ctt",
        r"pelo\s+correio", r"poste\s+italiane", r"per\s+posta", r"postnl", r"royal\s+mail",
        r"usps", r"airmail",
    ],
    "courier": [
        r"dhl", r"hermes", r"ups", r"fedex", r"dpd", r"gls", r"tnt", r"сдэк", r"cdek",
        r"couriers?", r"kurier", r"mensajer[oí]a?", r"coursier", r"курьер\w*", r"corriere",
        r"koerier", r"seur", r"chronopost", r"boxberry",
    ],
    "stealth": [
        r"stealth(?:\s+shipping)?", r"vacuum[\s-]+sealed", r"vakuumiert", r"discreet\s+packaging",
        r"neutral\s+verpackt", r"diskrete?\s+verpackung", r"env[ií]o\s+discreto",
        r"emballage\s+discret", r"скрытн\w+\s+упаковк\w*", r"embalagem\s+discreta",
        r"imballaggio\s+discreto", r"discrete\s+verpakking",
    ],
    "split_shipment": [
        r"split\s+shipments?", r"split\s+shipping", r"ships\s+in\s+parts",
        r"sent\s+in\s+separate\s+packages", r"separate\s+packages", r"in\s+teilen",
        r"in\s+mehreren\s+paketen", r"en\s+varios\s+paquetes", r"en\s+plusieurs\s+colis",
        r"несколькими\s+посылками", r"частями", r"in\s+più\s+pacchi", r"in\s+meerdere\s+pakketten",
        r"em\s+v[aá]rias\s+encomendas",
    ],
    "disassembled": [
        r"disassembled", r"zerlegt", r"en\s+piezas", r"desmontad[oa]s?", r"désassembl[ée]e?s?",
        r"desassembl[ée]e?s?", r"démont[ée]e?s?", r"demont[ée]e?s?", r"в\s+разобранном\s+виде",
        r"разобранн\w+", r"smontat[oa]", r"gedemonteerd",
    ],
    "dead_drop": [
        r"dead\s+drops?", r"закладк\w*", r"клад\w{0,2}", r"toter\s+briefkasten",
        r"buz[oó]n\s+muerto", r"bo[iî]te\s+aux\s+lettres\s+morte",
    ],
    "pickup": [
        r"abholung", r"selbstabholung", r"pick[\s-]?up", r"meet\s+in\s+person", r"in\s+person",
        r"meetup", r"recogida\s+en\s+persona", r"en\s+mano", r"remise\s+en\s+main\s+propre",
        r"main\s+propre", r"самовывоз", r"личная\s+встреча", r"ritiro\s+a\s+mano", r"di\s+persona",
        r"ophalen", r"retirada\s+em\s+m[aã]os?", r"em\s+m[aã]os",
    ],
}  # fmt: skip
METHOD = re.compile(
    "|".join(rf"(?P<{name}>{alternation(words)})(?!\w)" for name, words in METHOD_WORDS.items()),
    re.IGNORECASE,
)
CUES = Triggered(CUE, [literal_prefix(cue) for cue in FROM_CUES + TO_CUES])
WORLDWIDE_CUES = Triggered(WORLDWIDE, [literal_prefix(phrase) for phrase in WORLDWIDE_PHRASES])
_METHOD_STEMS = [literal_prefix(word) for words in METHOD_WORDS.values() for word in words]
METHODS = Triggered(METHOD, _METHOD_STEMS)
# Gate (lowercased text): a word that every cue, worldwide phrase and method word holds (not
# the short words some of them start with, such as "in", "en", "la", "в");
# tests/extractors/signals/test_prefilter.py checks that every phrase is covered.
GATE_WORDS = [
    # cues and worldwide phrases
    "ship", "deliver", "dispatch", "sent", "versand", "versend", "verschickt", "standort", "liefer",
    "envi", "enví", "entrega", "livraison", "expedi", "expédi", "envoi", "отправк", "отправля",
    "доставк", "высыла", "spedi", "verzend", "verzond", "levering", "worldwide", "weltweit",
    "wereldwijd",
    # post
    "post", "registered", "packstation", "einschreiben", "correo", "correio", "colissimo",
    "почт", "ctt", "royal", "usps", "airmail",
    # courier
    "dhl", "hermes", "ups", "fedex", "dpd", "gls", "tnt", "сдэк", "cdek", "courier", "kurier",
    "mensajer", "coursier", "курьер", "corriere", "koerier", "seur", "boxberry",
    # stealth
    "stealth", "vacuum", "vakuumiert", "discre", "diskret", "verpackt", "скрытн", "imballaggio",
    # split shipment
    "split", "separate", "teilen", "mehreren", "varios", "plusieurs", "несколькими", "частями",
    "pacchi", "meerdere", "encomendas",
    # disassembled
    "disassembled", "zerlegt", "piezas", "desmontad", "désassembl", "desassembl", "démont",
    "demont", "разобранн", "smontat",
    # dead drop
    "dead", "клад", "briefkasten", "muerto", "morte",
    # pickup
    "abholung", "pick", "person", "meetup", "mano", "propre", "самовывоз", "встреча", "ritiro",
    "ophalen", "retirada", "mãos", "maos",
]  # fmt: skip
GATE = GATES.gate(GATE_WORDS)

# The fast path finds every text that a cue, worldwide phrase or method word matches (its
# literal expansions, `\s+` as one space) with one Aho-Corasick pass over the lowercased text,
# so most hits need only a word-end test; alternatives with an open repeat (`\w*`) are found
# by their literal prefix and matched as a regex there.
_CUE, _WORLDWIDE, _METHOD = 0, 1, 2
_WORD_END = r"(?!\w)"
_REPEATS = ("?", "*", "+", "{")


class _Phrase(NamedTuple):
    kind: int  # _CUE, _WORLDWIDE or _METHOD: the order `find` reports them in
    rank: int  # where the regex alternation tries it: lower wins at the same start
    label: str
    normalized: str | None
    pattern: re.Pattern[str]  # matched at the start plus `offset` in the original text
    offset: int


def _expansions(alternative: str) -> list[str] | None:
    r"""Every text a regex alternative matches (lowercased, one space for `\s+`), in the order
    `re` tries them; None when it holds any construct but literals, `\s+`, classes of single
    characters, `(?:...|...)` groups and `?`."""
    try:
        texts, index = _sequence(alternative, 0)
    except ValueError:
        return None
    return [lowered(text) for text in texts] if index == len(alternative) else None


def _sequence(pattern: str, index: int) -> tuple[list[str], int]:
    texts = [""]
    while index < len(pattern) and pattern[index] not in "|)":
        options, index = _atom(pattern, index)
        if pattern.startswith("?", index):
            options, index = [*options, ""], index + 1  # greedy: with the atom first
        texts = [text + option for text in texts for option in options]
    return texts, index


def _atom(pattern: str, index: int) -> tuple[list[str], int]:
    if pattern.startswith("(?:", index):
        options, index = _sequence(pattern, index + 3)
        while pattern.startswith("|", index):
            more, index = _sequence(pattern, index + 1)
            options += more
        if not pattern.startswith(")", index):
            raise ValueError(pattern)
        return options, index + 1
    if pattern.startswith(r"\s+", index) and not pattern.startswith(_REPEATS, index + 3):
        return [" "], index + 3
    if pattern[index] == "[":
        close = pattern.index("]", index)
        members = pattern[index + 1 : close]
        if set(members) & set("\\^-"):
            raise ValueError(pattern)
        return list(members), close + 1
    if pattern[index] in "\\.*+?{}()[]^$|":
        raise ValueError(pattern)
    return [pattern[index]], index + 1


def _phrase_automaton() -> Any:
    """An automaton from each lowercase phrase text to (its length, its `_Phrase`s)."""
    groups = [
        (_CUE, "SHIPS_FROM", None, FROM_CUES, CUE_END),
        (_CUE, "SHIPS_TO", None, TO_CUES, CUE_END),
        (_WORLDWIDE, "SHIPS_TO", "WW", WORLDWIDE_PHRASES, _WORD_END),
        *((_METHOD, "SHIPPING_METHOD", name, words, _WORD_END)
          for name, words in METHOD_WORDS.items()),
    ]  # fmt: skip
    table: dict[str, list[_Phrase]] = {}
    ranks = itertools.count()
    for kind, label, normalized, alternatives, end in groups:
        for alternative in alternatives:
            texts = _expansions(alternative)
            if texts is None:
                whole = re.compile(f"(?:{alternative}){end}", re.IGNORECASE)
                entries = [(literal_prefix(alternative), whole, 0)]
            else:
                entries = [(text, re.compile(end), len(text)) for text in texts]
            for text, pattern, offset in entries:
                phrase = _Phrase(kind, next(ranks), label, normalized, pattern, offset)
                table.setdefault(text, []).append(phrase)
    automaton = ahocorasick.Automaton()
    for text, phrases in table.items():
        automaton.add_word(text, (len(text), tuple(phrases)))
    automaton.make_automaton()
    return automaton


_PHRASES = _phrase_automaton()
_SPACE_TABLE = {code: " " for code in range(0x3001) if chr(code).isspace()}  # all below U+3001


def may_contain(text: str) -> bool:
    """False only when the text cannot hold a shipping entity."""
    return gate_holds(text, GATE)


def find(text: str, field: str) -> list[Entity]:
    """SHIPS_FROM, SHIPS_TO and SHIPPING_METHOD entities."""
    if not may_contain(text):
        return []
    spaced = _spaced(text)
    if spaced is None:
        return _find_with_regexes(text, field)
    found: list[Entity] = []
    kind, reach = -1, 0
    for hit_kind, start, _, phrase in _hits(spaced):
        if hit_kind != kind:
            kind, reach = hit_kind, 0
        if start < reach:
            continue
        match = phrase.pattern.match(text, start + phrase.offset)
        if match is None:
            continue
        reach = match.end()
        if kind == _CUE:
            _add_countries(found, phrase.label, text, reach, field)
        else:
            found.append(entity(phrase.label, text, start, reach, field, phrase.normalized))
    return found


def _find_with_regexes(text: str, field: str) -> list[Entity]:
    """`find` for texts `_spaced` cannot take: each pattern tried wherever one of its stems is."""
    found: list[Entity] = []
    for match in CUES.finditer(text):
        label = "SHIPS_FROM" if match.group("from") else "SHIPS_TO"
        _add_countries(found, label, text, match.end(), field)
    for match in WORLDWIDE_CUES.finditer(text):
        found.append(entity("SHIPS_TO", text, *match.span(), field, "WW"))
    for match in METHODS.finditer(text):
        found.append(entity("SHIPPING_METHOD", text, *match.span(), field, match.lastgroup))
    return found


def _spaced(text: str) -> str | None:
    r"""The lowercased text with every whitespace character a space, or None when a phrase's
    text may not be found in it literally: for whitespace runs (one `\s+` stands for one space
    in `_PHRASES`) or characters that case-insensitive `re` folds oddly."""
    lower = prefilter_text(text)
    if lower is None:
        return None
    if not lower.isprintable():  # every whitespace character but " " is unprintable
        lower = lower.translate(_SPACE_TABLE)
    return None if "  " in lower else lower


def _hits(spaced: str) -> list[tuple[int, int, int, _Phrase]]:
    """(kind, start, rank, phrase) for each phrase text found at a word start, sorted."""
    hits = []
    for end, (length, phrases) in _PHRASES.iter(spaced):
        start = end + 1 - length
        if start and spaced[start - 1].isalnum():
            continue
        for phrase in phrases:
            hits.append((phrase.kind, start, phrase.rank, phrase))
    hits.sort()
    return hits


def _add_countries(found: list[Entity], label: str, text: str, position: int, field: str) -> None:
    """Adds an entity for each country in the list that starts at `position`."""
    run = _RUN.search(text, position, position + _WINDOW)
    if run is not None:
        offset = run.start()
        for start, end, code in _run_countries(run[0]):
            found.append(entity(label, text, offset + start, offset + end, field, code))


@lru_cache(maxsize=4096)
def _run_countries(run: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, code) in a run of words joined by separators, up to the first word that
    is neither a country nor a skipped word."""
    words = [match.span() for match in _WORD.finditer(run)]
    found: list[tuple[int, int, str]] = []
    index = 0
    while index < len(words) and len(found) < _MAX_COUNTRIES:
        size, codes = _longest_name(run, words, index)
        if not codes:
            if run[words[index][0] : words[index][1]].casefold() not in SKIP_WORDS:
                break
            index += 1
            continue
        start, end = words[index][0], words[index + size - 1][1]
        found += [(start, end, code) for code in codes]
        index += size
    return tuple(found)


def _longest_name(
    text: str, words: list[tuple[int, int]], index: int
) -> tuple[int, tuple[str, ...]]:
    for size in range(_name_sizes(text, words, index), 0, -1):
        codes = country_codes(text[words[index][0] : words[index + size - 1][1]])
        if codes:
            return size, codes
    return 0, ()


def _name_sizes(text: str, words: list[tuple[int, int]], index: int) -> int:
    """How many words from `index` on (at most four) may form one name: words joined by
    whitespace only, none of them a conjunction (a single word always may)."""
    limit = min(_MAX_WORDS_PER_NAME, len(words) - index)
    if limit < 2 or _is_conjunction(text, words[index]):
        return min(limit, 1)
    size = 1
    while size < limit:
        gap = text[words[index + size - 1][1] : words[index + size][0]]
        if gap.strip() or _is_conjunction(text, words[index + size]):
            break
        size += 1
    return size


def _is_conjunction(text: str, word: tuple[int, int]) -> bool:
    return text[word[0] : word[1]].casefold() in CONJUNCTIONS


@lru_cache(maxsize=8192)
def country_codes(name: str) -> tuple[str, ...]:
    """Codes for one country name, code or region, with a few inflected (de, ru) forms."""
    if len(name) == 2:
        return tuple(to_country_codes(name)) if name.isupper() else ()
    folded = name.casefold()
    if folded in SKIP_WORDS:
        return ()
    if folded in EXTRA_FORMS:
        return (EXTRA_FORMS[folded],)
    codes = to_country_codes(name)
    if codes or not re.search("[а-яё]", folded):
        return tuple(codes)
    for ending, replacement in _RU_ENDINGS:
        if folded.endswith(ending):
            codes = to_country_codes(folded[: -len(ending)] + replacement)
            if codes:
                return tuple(codes)
    return ()
