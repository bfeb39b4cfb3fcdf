"""Normalisers that turn what a page says into the typed values of a `Listing`."""

from crawlers.normalize.countries import to_country_codes
from crawlers.normalize.dates import parse_posted
from crawlers.normalize.prices import ExchangeRates, parse_price

__all__ = ["ExchangeRates", "parse_posted", "parse_price", "to_country_codes"]
