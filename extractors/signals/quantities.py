"""Prices and counts written in listing text.

`PRICE` (normalized "<amount> <ISO 4217 code or crypto ticker>", e.g. "450 USD", "0.012 BTC",
"1200 EUR") is an amount next to a currency symbol, code or word, on either side ("$450",
"450 USD", "0.012 BTC", "1.200 €", "€ 1 200,00", "3500 руб"). Amounts are read by price-parser
and currencies by `crawlers.normalize.prices.currency_code`; numbers without a currency are
rejected. Crypto amounts with one separator, and any amount starting "0." / "0,", are read with
that separator as the decimal point (price-parser would read "0.012" as twelve).

`QUANTITY` (normalized: the integer count, e.g. "50") is a count with a unit ("50 rds",
"1000 rounds", "10 pcs", "100 Schuss", "50 Patronen", "50 патронов"), a multiplier ("x20",
"20x"; not calibres such as "7.62x39" nor magnifications such as "4x scope"), or a container
("caja de 50", "boîte de 50", "box of 50", "lot of 3"). Extra unit words can be passed with
`units` (for example the vocabularies' ammunition units).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache

from price_parser import Price as ParsedPrice

from crawlers.listing import Entity
from crawlers.normalize.prices import CRYPTO_TICKERS, currency_code
from extractors.signals._base import (
    GATES,
    Span,
    Triggered,
    alternation,
    entity,
    gates,
    literal_prefix,
    overlaps_taken,
    prefilter_text,
)

UNITS = (
    "rds", "rd", "round", "rounds", "pcs", "pc", "pieces", "piece", "units", "unit", "boxes",
    "cartridges", "shells", "shots", "mags", "magazines", "schuss", "patronen", "stück", "stk",
    "cartuchos", "balas", "unidades", "uds", "piezas", "cargadores", "cartouches", "munitions",
    "pièces", "pcs.", "патронов", "патрона", "патрон", "патроны", "штук", "штуки", "шт",
    "магазинов", "munições", "peças", "balas", "colpi", "cartucce", "pezzi", "caricatori",
    "stuks", "kogels", "patronen", "st",
)  # fmt: skip
CONTAINERS = [
    r"box", r"pack", r"lot", r"set", r"case", r"bag", r"tin", r"can", r"crate", r"caja",
    r"paquete", r"lote", r"bo[iî]te", r"paquet", r"packung", r"schachtel", r"karton",
    r"коробк\w*", r"пачк\w*", r"упаковк\w*", r"ящик\w*", r"scatola", r"confezione", r"caixa",
    r"pacote", r"doos", r"pak", r"partij",
]  # fmt: skip
CURRENCY_STEMS = [
    "us$", "a$", "au$", "c$", "€", "$", "£", "₽", "₿", "ƀ", "usd", "eur", "gbp", "rub", "chf",
    "pln", "sek", "cad", "aud", "btc", "xbt", "xmr", "ltc", "eth", "usdt", "bch", "zec", "dash",
    "dollar", "euro", "bitcoin", "monero", "litecoin", "руб", "р.", "zł",
]  # fmt: skip
DIGITS = list("0123456789")

# The patterns are written in lowercase: compiled case-insensitively for the text, or as they
# are for the lowercased text (the fast path, see `_Scan`). PRICE and CONTAINER start with a
# lookahead every match satisfies, so that positions without a number nearby fail at once.
_PREPOSITIONS = r"of|de|mit|à|a|da|di|van|von|по|из|met"
_NUMBER = r"\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+|\d+"
_AMOUNT = r"\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+(?:[.,]\d{1,8})?|\d+(?:[.,]\d{1,8})?"
_CURRENCY = (
    r"us\$|a\$|au\$|c\$|[€$£₽₿ƀ]|(?<!\w)(?:usd|eur|gbp|rub|chf|pln|sek|cad|aud|btc|xbt|xmr|ltc"
    r"|eth|usdt|bch|zec|dash|dollars?|euros?|bitcoins?|monero|litecoin|руб(?:лей|ля|\.)?|р\.|zł)"
    r"(?![\w$])"
)  # at most 9 characters before the amount's first digit, hence \D{0,9}
PRICE = (
    rf"(?=\D{{0,9}}\d)(?:(?P<pre>{_CURRENCY})[^\S\n]?(?P<a1>{_AMOUNT})(?![\d\w])"
    rf"|(?<![\d.,\w])(?P<a2>{_AMOUNT})[^\S\n]?(?P<post>{_CURRENCY}))"
)
MULTIPLIER = (
    r"(?<![\w.,])x[^\S\n]?(?P<n1>\d{1,5})(?![\w.,]*\d)(?!\w)"
    r"|(?<![\w.,])(?P<n2>\d{1,5})[^\S\n]?x(?!\w|[^\S\n]*\d|\s*(?:scope|optic|zoom|magnif))"
)
CONTAINER = (
    rf"(?=\w+[^\S\n]+(?:\w+[^\S\n]+)?\d)"
    rf"(?:{alternation(CONTAINERS)})[^\S\n]+(?:(?:{_PREPOSITIONS})[^\S\n]+)?(?P<n>{_NUMBER})(?![\d\w])"
)
_DIGIT = re.compile(r"\d")
_CONTAINER_NUMBER = re.compile(rf"\w*[^\S\n]+(?:(?:{_PREPOSITIONS})[^\S\n]+)?\d")


def _digit_next_to(lower: str, start: int, end: int) -> bool:
    """A digit at most three characters before or after [start, end)."""
    return (
        _DIGIT.search(lower, max(start - 3, 0), start) is not None
        or _DIGIT.search(lower, end, end + 3) is not None
    )


def _number_after(lower: str, start: int, end: int) -> bool:
    """A container word (its key at [start, end)) followed by a number."""
    return _CONTAINER_NUMBER.match(lower, end) is not None


# Gate (lowercased text): a price is a number with a currency next to it (at most one space
# between), a count a number right before a unit, right before or after an "x", or after a
# container word (and maybe a preposition).
CONTAINER_KEYS = [
    *(literal_prefix(word) for word in CONTAINERS if not word.startswith("bo[")),
    "boite",
    "boîte",
]
PRICE_GATE = GATES.gate(CURRENCY_STEMS, _digit_next_to)
UNIT_GATE = GATES.gate(UNITS, _digit_next_to)
X_GATE = GATES.gate(["x"], _digit_next_to)
CONTAINER_GATE = GATES.gate(CONTAINER_KEYS, _number_after)
GATE = PRICE_GATE | UNIT_GATE | X_GATE | CONTAINER_GATE
# Not part of GATE, only telling `find` to look for prices: an ending can move the amount
# past the three characters after the stem "руб" ("50 рублей" passes GATE, "рублей 50" not).
LONG_PRICE_GATE = GATES.gate(["рубля", "рублей"], _digit_next_to)


class _Scan:
    """A pattern tried at the word starts where one of its literal stems occurs, as `Triggered`.

    For a text that lowercases the way case-insensitive `re` folds (`prefilter_text` is not
    None: nearly all), the pattern runs case-sensitively over the lowercased text, wrapped so
    that `re` skips in C to the stems' first characters and reports every start where the
    pattern matches; the overlap rule of `Triggered` (a start inside the last match is not
    tried) is then applied to those few hits. Other texts take the `Triggered` path.

    Stems starting with a letter are frequent first characters: `before_digit`, a pattern
    over the reversed lowercased text, can find where they start instead (see `_PRICE_WORDS`).
    """

    def __init__(self, pattern: str, stems: list[str], before_digit: str | None = None):
        scanned = {stem[0] for stem in stems if before_digit is None or not stem[0].isalpha()}
        first = re.escape("".join(sorted(scanned)))
        self.hits = re.compile(rf"[{first}](?<=(?<![^\W_])(?=(?P<whole>{pattern})).)")
        self.at = re.compile(rf"(?<![^\W_])(?P<whole>{pattern})")
        self.before_digit = re.compile(before_digit) if before_digit else None
        self.triggered = Triggered(re.compile(pattern, re.IGNORECASE), stems)

    def spans(self, text: str, lower: str | None) -> Iterator[tuple[int, int, re.Match[str]]]:
        """(start, end, match) of each match; the match's group spans index `text`."""
        if lower is None:
            for match in self.triggered.finditer(text):
                yield match.start(), match.end(), match
            return
        end = 0
        for hit in self._hits(lower):
            start = hit.start()
            if start >= end:
                end = hit.end("whole")
                yield start, end, hit

    def _hits(self, lower: str) -> list[re.Match[str]]:
        hits = list(self.hits.finditer(lower))
        if self.before_digit is not None:
            for found in self.before_digit.finditer(lower[::-1]):
                hit = self.at.match(lower, len(lower) - found.end())
                if hit:
                    hits.append(hit)
            hits.sort(key=re.Match.start)
        return hits


# A price led by a word or letters ("usd 5", "us$5", "рублей 5") has the amount's first digit
# right after the currency as written (and one space): the reversed text shows it right after
# the digit. These are all the letter-led forms `_CURRENCY` matches; none ends another.
LETTER_CURRENCIES = [
    "us$", "a$", "au$", "c$", "usd", "eur", "gbp", "rub", "chf", "pln", "sek", "cad", "aud",
    "btc", "xbt", "xmr", "ltc", "eth", "usdt", "bch", "zec", "dash", "dollar", "dollars", "euro",
    "euros", "bitcoin", "bitcoins", "monero", "litecoin", "руб", "рублей", "рубля", "руб.", "р.",
    "zł",
]  # fmt: skip
_REVERSED = "|".join(re.escape(word[::-1]) for word in LETTER_CURRENCIES)
_PRICE_WORDS = rf"\d[^\S\n]?(?:{_REVERSED})(?![^\W_])"
PRICES = _Scan(PRICE, CURRENCY_STEMS + DIGITS, _PRICE_WORDS)
MULTIPLIERS = _Scan(MULTIPLIER, ["x", *DIGITS])
CONTAINERS_FOUND = _Scan(CONTAINER, [literal_prefix(word) for word in CONTAINERS])


def may_contain(text: str, units: Iterable[str] | None = None) -> bool:
    """False only when the text cannot hold a PRICE or QUANTITY entity."""
    lower = prefilter_text(text)
    if lower is None or gates(text) & GATE:
        return True
    return bool(units) and _DIGIT.search(lower) is not None


def find(text: str, field: str, units: Iterable[str] | None = None) -> list[Entity]:
    """PRICE and QUANTITY entities; a span used by a price is not also a quantity."""
    found: list[Entity] = []
    lower = prefilter_text(text)
    held = gates(text) if lower is not None else -1  # -1: every scan
    if not held & GATE and not (units and _DIGIT.search(lower or "")):
        return found  # as `may_contain`
    taken: list[Span] = []
    if held & (PRICE_GATE | LONG_PRICE_GATE):
        for start, end, match in PRICES.spans(text, lower):
            normalized = _price(text, match)
            if normalized and not overlaps_taken(taken, start, end):
                found.append(entity("PRICE", text, start, end, field, normalized))
    scans = [
        scan
        for scan, gate in ((MULTIPLIERS, X_GATE), (CONTAINERS_FOUND, CONTAINER_GATE))
        if held & gate
    ]
    if units or held & UNIT_GATE:
        scans.insert(0, _unit_scan(frozenset(units or ())))
    for scan in scans:
        for start, end, match in scan.spans(text, lower):
            count = _count(match)
            if count and not overlaps_taken(taken, start, end):
                found.append(entity("QUANTITY", text, start, end, field, count))
    return found


@lru_cache(maxsize=16)
def _unit_scan(extra: frozenset[str]) -> _Scan:
    words = sorted({*UNITS, *(unit.lower() for unit in extra)}, key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    return _Scan(rf"(?<![\w.,])(?P<n>{_NUMBER})[^\S\n]?(?:{alternatives})(?!\w)", DIGITS)


def _group(text: str, match: re.Match[str], name: str) -> str | None:
    """The text of a group of `match` (found in `text` or its lowercased copy), if it took part."""
    start, end = match.span(name)
    return text[start:end] if start >= 0 else None


def _count(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    number = next(groups[name] for name in ("n", "n1", "n2") if groups.get(name))
    digits = "".join(filter(str.isdecimal, number))  # \d is a decimal digit
    count = int(digits) if digits else 0
    return str(count) if count > 0 else None


def _price(text: str, match: re.Match[str]) -> str | None:
    amount_text = _group(text, match, "a1") or _group(text, match, "a2") or ""
    code = currency_code(_group(text, match, "pre") or _group(text, match, "post"))
    if code is None:
        return None
    if amount_text.isascii() and amount_text.isdigit() and amount_text[0] != "0":
        return f"{amount_text} {code}"  # what price-parser reads, without its cost
    parsed = ParsedPrice.fromstring(
        amount_text, decimal_separator=_decimal_separator(amount_text, code)
    )
    if parsed.amount is None:
        return None
    return f"{_plain(parsed.amount)} {code}"


def _decimal_separator(amount: str, code: str) -> str | None:
    separators = [char for char in amount if char in ".,"]
    if re.match(r"0[.,]", amount) or (code in CRYPTO_TICKERS and len(separators) == 1):
        return separators[0]
    return None


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")
