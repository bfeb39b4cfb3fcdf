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
from collections.abc import Iterable
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
_PREPOSITIONS = r"of|de|mit|à|a|da|di|van|von|по|из|met"
_NUMBER = r"\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+|\d+"
_AMOUNT = r"\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+(?:[.,]\d{1,8})?|\d+(?:[.,]\d{1,8})?"
_CURRENCY = (
    r"US\$|A\$|AU\$|C\$|[€$£₽₿Ƀ]|(?<!\w)(?:USD|EUR|GBP|RUB|CHF|PLN|SEK|CAD|AUD|BTC|XBT|XMR|LTC"
    r"|ETH|USDT|BCH|ZEC|DASH|dollars?|euros?|bitcoins?|monero|litecoin|руб(?:лей|ля|\.)?|р\.|zł)"
    r"(?![\w$])"
)
PRICE = re.compile(
    rf"(?P<pre>{_CURRENCY})[^\S\n]?(?P<a1>{_AMOUNT})(?![\d\w])"
    rf"|(?<![\d.,\w])(?P<a2>{_AMOUNT})[^\S\n]?(?P<post>{_CURRENCY})",
    re.IGNORECASE,
)
MULTIPLIER = re.compile(
    r"(?<![\w.,])x[^\S\n]?(?P<n1>\d{1,5})(?![\w.,]*\d)(?!\w)"
    r"|(?<![\w.,])(?P<n2>\d{1,5})[^\S\n]?x(?!\w|[^\S\n]*\d|\s*(?:scope|optic|zoom|magnif))",
    re.IGNORECASE,
)
CONTAINER = re.compile(
    rf"(?:{alternation(CONTAINERS)})[^\S\n]+(?:(?:{_PREPOSITIONS})[^\S\n]+)?(?P<n>{_NUMBER})(?![\d\w])",
    re.IGNORECASE,
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
GATE = GATES.gate([*CURRENCY_STEMS, "x", *UNITS], _digit_next_to)
GATES.gate(CONTAINER_KEYS, _number_after, GATE)


def may_contain(text: str, units: Iterable[str] | None = None) -> bool:
    """False only when the text cannot hold a PRICE or QUANTITY entity."""
    lower = prefilter_text(text)
    if lower is None or gates(text) & GATE:
        return True
    return bool(units) and _DIGIT.search(lower) is not None


def find(text: str, field: str, units: Iterable[str] | None = None) -> list[Entity]:
    """PRICE and QUANTITY entities; a span used by a price is not also a quantity."""
    found: list[Entity] = []
    if not may_contain(text, units):
        return found
    taken: list[Span] = []
    for match in PRICES.finditer(text):
        normalized = _price(match)
        if normalized and not overlaps_taken(taken, *match.span()):
            found.append(entity("PRICE", text, *match.span(), field, normalized))
    for pattern in (_unit_pattern(frozenset(units or ())), MULTIPLIERS, CONTAINERS_FOUND):
        for match in pattern.finditer(text):
            count = _count(match)
            if count and not overlaps_taken(taken, *match.span()):
                found.append(entity("QUANTITY", text, *match.span(), field, count))
    return found


PRICES = Triggered(PRICE, CURRENCY_STEMS + DIGITS)
MULTIPLIERS = Triggered(MULTIPLIER, ["x", *DIGITS])
CONTAINERS_FOUND = Triggered(CONTAINER, [literal_prefix(word) for word in CONTAINERS])


@lru_cache(maxsize=16)
def _unit_pattern(extra: frozenset[str]) -> Triggered:
    words = sorted({*UNITS, *(unit.lower() for unit in extra)}, key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    pattern = re.compile(
        rf"(?<![\w.,])(?P<n>{_NUMBER})[^\S\n]?(?:{alternatives})(?!\w)", re.IGNORECASE
    )
    return Triggered(pattern, DIGITS)


def _count(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    digits = re.sub(r"\D", "", next(value for key, value in groups.items() if value))
    count = int(digits) if digits else 0
    return str(count) if count > 0 else None


def _price(match: re.Match[str]) -> str | None:
    amount_text = match.group("a1") or match.group("a2")
    code = currency_code(match.group("pre") or match.group("post"))
    if code is None:
        return None
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
