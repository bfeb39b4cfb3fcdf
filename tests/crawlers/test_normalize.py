from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.normalize import ExchangeRates, parse_posted, parse_price, to_country_codes
from crawlers.normalize.countries import EU_MEMBERS
from crawlers.normalize.prices import currency_code

CAPTURED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Germany, Austria", ["DE", "AT"]),
        ("Deutschland", ["DE"]),
        ("Allemagne", ["DE"]),
        ("Alemania y Portugal", ["DE", "PT"]),
        ("Германия", ["DE"]),
        ("Nederland", ["NL"]),
        ("USA", ["US"]),
        ("United States", ["US"]),
        ("UK", ["GB"]),
        ("Worldwide", ["WW"]),
        ("Weltweit", ["WW"]),
        ("Весь мир", ["WW"]),
        ("de", []),  # lower-case two letters is a word, not a code
        ("Atlantis", []),
    ],
)
def test_country_names_in_many_languages(text: str, codes: list[str]) -> None:
    assert to_country_codes(text) == codes


def test_regions_expand_to_member_countries() -> None:
    eu = to_country_codes("EU")
    assert eu == EU_MEMBERS and "DE" in eu and "GB" not in eu
    assert "GB" in to_country_codes("Europe") and "DE" in to_country_codes("Europa")


@pytest.mark.parametrize(
    ("text", "currency_text", "amount", "currency"),
    [
        ("0.00412 BTC", None, 0.00412, "BTC"),
        ("1,2 XMR", None, 1.2, "XMR"),
        ("€ 1.250,00", None, 1250.0, "EUR"),
        ("USD 265.00", None, 265.0, "USD"),
        ("$450", None, 450.0, "USD"),
        ("12 000 ₽", None, 12000.0, "RUB"),
        ("0.5", "Monero", 0.5, "XMR"),
        ("Preis: 800", None, 800.0, "EUR"),  # the source's default currency
    ],
)
def test_prices(text: str, currency_text: str | None, amount: float, currency: str) -> None:
    price = parse_price(
        text, currency_text=currency_text, default_currency="EUR", captured_at=CAPTURED
    )
    assert price is not None
    assert price.amount == pytest.approx(amount)
    assert price.currency == currency


def test_price_conversion_uses_the_rate_of_the_capture_day(tmp_path: Path) -> None:
    rates_file = tmp_path / "rates.csv"
    rates_file.write_text(
        "date,currency,usd,eur\n2026-01-01,BTC,60000,55000\n2026-03-01,BTC,70000,64000\n"
    )
    rates = ExchangeRates.from_csv(rates_file)
    early = parse_price("0.01 BTC", captured_at=datetime(2026, 2, 1, tzinfo=UTC), rates=rates)
    late = parse_price("0.01 BTC", captured_at=CAPTURED, rates=rates)
    assert early is not None and late is not None
    assert (early.amount_usd, early.amount_eur) == (600.0, 550.0)
    assert (late.amount_usd, late.amount_eur) == (700.0, 640.0)
    unknown = parse_price("10 ZZZ", captured_at=CAPTURED, rates=rates)
    assert unknown is not None and unknown.amount_usd is None


def test_no_price_in_text() -> None:
    assert parse_price("ask the vendor", captured_at=CAPTURED) is None
    assert parse_price(None, captured_at=CAPTURED) is None
    assert currency_code("no money words") is None


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("12. März 2026", ["de"], datetime(2026, 3, 12, tzinfo=UTC)),
        ("2026-03-12", [], datetime(2026, 3, 12, tzinfo=UTC)),
        ("3 days ago", ["en"], datetime(2026, 3, 17, 12, tzinfo=UTC)),
        ("12 марта 2026", ["ru"], datetime(2026, 3, 12, tzinfo=UTC)),
    ],
)
def test_posted_dates(text: str, languages: list[str], expected: datetime) -> None:
    assert parse_posted(text, languages=languages, relative_to=CAPTURED) == expected


def test_unparseable_date_is_none() -> None:
    assert parse_posted("sometime soon-ish", languages=["en"], relative_to=CAPTURED) is None
