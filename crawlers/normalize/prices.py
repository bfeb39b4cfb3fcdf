"""Prices: amount and currency from page text (price-parser), converted at capture time."""

from __future__ import annotations

import csv
import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import pycountry
from price_parser import Price as ParsedPrice

from crawlers.listing import Price

RATES_FILE = Path(__file__).resolve().parent.parent / "data" / "exchange_rates.csv"

CRYPTO_TICKERS = {"BTC", "XMR", "LTC", "ETH", "USDT", "BCH", "ZEC", "DASH"}
_CURRENCY_WORDS = {
    "₿": "BTC", "Ƀ": "BTC", "bitcoin": "BTC", "bitcoins": "BTC", "xbt": "BTC",
    "monero": "XMR", "litecoin": "LTC", "ether": "ETH", "ethereum": "ETH", "tether": "USDT",
    "€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "$": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "usd": "USD",
    "£": "GBP", "gbp": "GBP", "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB", "rub": "RUB",
    "a$": "AUD", "au$": "AUD", "c$": "CAD", "chf": "CHF", "zł": "PLN", "kr": "SEK",
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z]{3,8}\.?|[€$£₽₿Ƀ]|[A-Z]{1,2}\$|zł|руб\.?|р\.", re.UNICODE)


def currency_code(text: str | None) -> str | None:
    """An ISO 4217 code or crypto ticker for a currency as a page writes it, if recognisable."""
    if not text:
        return None
    for token in _TOKEN.findall(text):
        upper = token.upper().rstrip(".")
        if upper in CRYPTO_TICKERS:
            return upper
        if token.lower() in _CURRENCY_WORDS:
            return _CURRENCY_WORDS[token.lower()]
        if token in _CURRENCY_WORDS:
            return _CURRENCY_WORDS[token]
        if len(upper) == 3 and pycountry.currencies.get(alpha_3=upper) is not None:
            return upper
    return None


@dataclass
class ExchangeRates:
    """Dated USD and EUR rates per currency; the latest rate on or before a day is used."""

    days: dict[str, list[date]] = field(default_factory=dict)
    usd: dict[str, list[float]] = field(default_factory=dict)
    eur: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def from_csv(cls, path: Path) -> ExchangeRates:
        rates = cls()
        with path.open(encoding="utf-8") as handle:
            rows = sorted(csv.DictReader(handle), key=lambda row: (row["currency"], row["date"]))
        for row in rows:
            code = row["currency"].upper()
            rates.days.setdefault(code, []).append(date.fromisoformat(row["date"]))
            rates.usd.setdefault(code, []).append(float(row["usd"]))
            rates.eur.setdefault(code, []).append(float(row["eur"]))
        return rates

    def convert(
        self, amount: float, currency: str, at: datetime
    ) -> tuple[float | None, float | None]:
        """(amount in USD, amount in EUR) at the given time, or None where no rate is known."""
        days = self.days.get(currency)
        if not days:
            return None, None
        position = max(bisect_right(days, at.date()) - 1, 0)
        return round(amount * self.usd[currency][position], 2), round(
            amount * self.eur[currency][position], 2
        )


@cache
def default_rates() -> ExchangeRates:
    return ExchangeRates.from_csv(Path(os.environ.get("ARMSWATCH_RATES", RATES_FILE)))


def parse_price(
    text: str | None,
    *,
    currency_text: str | None = None,
    default_currency: str | None = None,
    captured_at: datetime,
    rates: ExchangeRates | None = None,
) -> Price | None:
    """A `Price` from page text such as '0.00412 BTC', '€ 1.250,00' or 'USD 265'; None if absent."""
    if not text:
        return None
    parsed = ParsedPrice.fromstring(text, currency_hint=currency_text)
    if parsed.amount is None:
        return None
    currency = currency_code(currency_text) or currency_code(text) or currency_code(parsed.currency)
    currency = currency or (default_currency.upper() if default_currency else None)
    amount = float(parsed.amount)
    usd, eur = (None, None)
    if currency is not None:
        usd, eur = (rates or default_rates()).convert(amount, currency, captured_at)
    return Price(
        amount=amount, currency=currency, amount_usd=usd, amount_eur=eur, text=text.strip()
    )
