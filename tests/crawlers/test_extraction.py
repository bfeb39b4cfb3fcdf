from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector

from crawlers.extraction import ExtractionError, listing_from_page, read_fields
from crawlers.listing import listing_id
from crawlers.source_loader import load_source

SOURCE = load_source(Path(__file__).parent / "fixtures" / "good.yaml")
CAPTURED = datetime(2026, 3, 20, tzinfo=UTC)
PAGE = """<html lang="de-AT"><body>
<ol class="crumbs"><li>Weapons</li><li>Pistols</li></ol>
<h1>  Glock   19 Gen5 </h1>
<div class="text"><p>Clean pistol.</p><p>Two mags.</p></div>
<span class="price">€ 1.250,00</span>
<a class="seller" href="/vendor/ironhand">ironhand</a>
<dl><dt>From</dt><dd>Deutschland</dd><dt>To</dt><dd>EU, Switzerland</dd></dl>
<img class="photo" src="/img/1.jpg"><img class="photo" src="img/2.jpg">
<span class="stock">7 left</span>
<time>12. März 2026</time>
</body></html>"""


def test_every_field_of_a_detail_page() -> None:
    url = "http://127.0.0.1:9/item/4711?b=2&a=1"
    listing = listing_from_page(SOURCE, url, Selector(text=PAGE), CAPTURED)
    assert listing.title == "Glock 19 Gen5"
    assert listing.description == "Clean pistol.\nTwo mags."
    assert listing.category_path == ["Weapons", "Pistols"]
    assert listing.price is not None and (listing.price.amount, listing.price.currency) == (
        1250.0,
        "EUR",
    )
    assert listing.price.amount_usd is not None and listing.price.amount_usd > 1250
    assert listing.vendor is not None and listing.vendor.handle == "ironhand"
    assert listing.vendor.profile_url == "http://127.0.0.1:9/vendor/ironhand"
    assert listing.ships_from == ["DE"]
    assert "DE" in listing.ships_to and "CH" in listing.ships_to and "GB" not in listing.ships_to
    assert listing.images == ["http://127.0.0.1:9/img/1.jpg", "http://127.0.0.1:9/item/img/2.jpg"]
    assert listing.quantity == 7
    assert listing.posted_at == datetime(2026, 3, 12, tzinfo=UTC)
    assert listing.site_listing_id == "4711"
    assert listing.language == "de"
    assert listing.url == "http://127.0.0.1:9/item/4711?a=1&b=2"
    assert listing.id == listing_id("good-shop", "4711", listing.url)
    assert (listing.first_seen, listing.last_seen, listing.captured_at) == (
        CAPTURED,
        CAPTURED,
        CAPTURED,
    )


def test_same_listing_same_id_whatever_the_url_spelling() -> None:
    first = listing_from_page(SOURCE, "http://127.0.0.1:9/item/4711", Selector(text=PAGE), CAPTURED)
    again = listing_from_page(
        SOURCE, "http://127.0.0.1:9/item/4711?ref=x", Selector(text=PAGE), CAPTURED
    )
    assert first.id == again.id


def test_missing_title_is_an_extraction_error_naming_field_and_url() -> None:
    with pytest.raises(ExtractionError) as caught:
        listing_from_page(
            SOURCE, "http://127.0.0.1:9/item/1", Selector(text="<p>nothing</p>"), CAPTURED
        )
    assert caught.value.field == "title"
    assert "http://127.0.0.1:9/item/1" in str(caught.value)


def test_missing_optional_fields_are_listed_not_fatal() -> None:
    page = read_fields(SOURCE.detail, Selector(text="<h1>Only a title</h1>"))
    assert page.first("title") == "Only a title"
    assert {"price", "vendor", "ships_to"} <= set(page.missing)
    listing = listing_from_page(
        SOURCE, "http://127.0.0.1:9/item/2", Selector(text="<h1>T</h1>"), CAPTURED
    )
    assert listing.price is None and listing.vendor is None and listing.ships_to == []
