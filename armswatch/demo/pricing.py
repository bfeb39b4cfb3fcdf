"""Prices of demo offers: currency per site, rounding, and the text each site prints.

Rates match `crawlers/data/exchange_rates.csv`, so a crawled price converts back to the
catalog's USD value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

USD_RATES = {"USD": 1.0, "EUR": 1.087, "BTC": 64000.0, "XMR": 160.0}
CRYPTO_DECIMALS = {"BTC": 5, "XMR": 4}
CURRENCY_WEIGHTS: dict[str, dict[str, int]] = {
    "market": {"BTC": 70, "XMR": 30},
    "forum": {"USD": 45, "EUR": 35, "BTC": 20},
    "classifieds": {"EUR": 85, "USD": 15},
}
THOUSANDS = {"en": ",", "de": ".", "es": ".", "fr": " ", "ru": " "}


@dataclass(frozen=True)
class DemoPrice:
    amount: float
    currency: str
    usd: float
    text: str  # as the site prints it


def choose_currency(site: str, rng: random.Random) -> str:
    weights = CURRENCY_WEIGHTS[site]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def amount_in(currency: str, usd: float) -> float:
    """The amount a seller would ask in `currency` for about `usd` dollars."""
    raw = usd / USD_RATES[currency]
    if currency in CRYPTO_DECIMALS:
        decimals = CRYPTO_DECIMALS[currency]
        return max(round(raw, decimals), 10.0**-decimals)
    step = 1 if raw < 50 else 5 if raw < 500 else 10
    return float(max(step, round(raw / step) * step))


def _grouped(amount: float, language: str) -> str:
    return f"{int(amount):,}".replace(",", THOUSANDS[language])


def _crypto_text(amount: float, currency: str) -> str:
    return f"{amount:.{CRYPTO_DECIMALS[currency]}f} {currency}"


def _forum_text(amount: float, currency: str, language: str, style: int) -> str:
    number = _grouped(amount, language)
    if currency == "USD":
        return (f"${number}", f"{number} USD", f"{number}$")[style % 3]
    return (f"{number} €", f"€{number}", f"{number} EUR")[style % 3]


def _classifieds_text(amount: float, currency: str, language: str, style: int) -> str:
    number = _grouped(amount, language)
    if currency == "USD":
        return f"${number}" if language == "en" else f"{number} USD"
    if language == "en":
        return f"€{number}"
    suffix = " VB" if language == "de" and style % 3 == 0 else ""
    return f"{number} €{suffix}"


def price_text(site: str, currency: str, amount: float, language: str, style: int) -> str:
    if currency in CRYPTO_DECIMALS:
        return _crypto_text(amount, currency)
    if site == "forum":
        return _forum_text(amount, currency, language, style)
    return _classifieds_text(amount, currency, language, style)


def make_price(site: str, currency: str, usd: float, language: str, style: int) -> DemoPrice:
    amount = amount_in(currency, usd)
    return DemoPrice(
        amount=amount,
        currency=currency,
        usd=round(amount * USD_RATES[currency], 2),
        text=price_text(site, currency, amount, language, style),
    )


def reprice(site: str, old: DemoPrice, factor: float, language: str, style: int) -> DemoPrice:
    """The price after a change by about `factor`; always a different amount."""
    new = make_price(site, old.currency, old.usd * factor, language, style)
    if new.amount != old.amount:
        return new
    if old.currency in CRYPTO_DECIMALS:
        step = 10.0 ** -CRYPTO_DECIMALS[old.currency]
    else:
        step = 1.0 if old.amount < 50 else 5.0 if old.amount < 500 else 10.0
    amount = round(old.amount + step if factor >= 1 else max(old.amount - step, step), 5)
    if amount == old.amount:
        amount = round(old.amount + step, 5)
    return DemoPrice(
        amount=amount,
        currency=old.currency,
        usd=round(amount * USD_RATES[old.currency], 2),
        text=price_text(site, old.currency, amount, language, style),
    )
