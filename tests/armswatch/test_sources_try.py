"""`armswatch sources try`: every field of every card, the selectors that matched nothing, the
listings a page gives; a saved file, a URL on 127.0.0.1, and (when present) a real Cypher page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from parsel import Selector

from armswatch.workbench import try_page
from crawlers.source_loader import load_source
from tests.conftest import REPO, run_armswatch
from tests.crawlers.test_extraction import PAGE as DETAIL_PAGE

CARDS = REPO / "tests" / "crawlers" / "fixtures" / "cards"
CYPHER = (REPO / ".." / "shared" / "data" / "markets" / "cypher-2020-09-17").resolve()
WIDE = {"COLUMNS": "400"}


def _try(tmp_path: Path, source: Path, page: str) -> tuple[int, str]:
    done = run_armswatch("sources", "try", str(source), page, data_dir=tmp_path, env=WIDE)
    return done.returncode, done.stdout + done.stderr


def test_every_field_of_every_card_and_the_card_without_a_link(tmp_path: Path) -> None:
    code, output = _try(tmp_path, CARDS / "bazaar.yaml", str(CARDS / "category.html"))
    assert code == 1, output  # one card gives no listing
    expected = ("Glock 19 slide, complete", "410 $", "slidesmith", "Gun parts", "lowers4u",
                "onion/category/product/bb22", "Auto sear drop-in")  # fmt: skip
    for text in expected:
        assert text in output, text
    assert "none (url: a card whose url selector matched nothing)" in output
    assert "3 listing(s) from this page" in output


def test_a_selector_that_matched_nothing_is_named(tmp_path: Path) -> None:
    definition = yaml.safe_load((CARDS / "bazaar.yaml").read_text())
    definition["index"]["cards"]["currency"] = "span.currency-that-is-not-there"
    source = tmp_path / "wrong.yaml"
    source.write_text(yaml.safe_dump(definition))
    code, output = _try(tmp_path, source, str(CARDS / "category.html"))
    assert code == 1
    assert "selectors that matched nothing: index.cards.currency" in output


@pytest.fixture
def served_cards() -> Iterator[str]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(CARDS))
    handler.log_message = lambda *args: None  # type: ignore[method-assign,assignment]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/category.html"
    server.shutdown()
    server.server_close()


def test_a_url_is_fetched_and_its_links_read_against_it(tmp_path: Path, served_cards: str) -> None:
    definition = yaml.safe_load((CARDS / "bazaar.yaml").read_text())
    definition["network"] = "clearnet"  # the page is on 127.0.0.1, not behind Tor
    source = tmp_path / "local.yaml"
    source.write_text(yaml.safe_dump(definition))
    code, output = _try(tmp_path, source, served_cards)
    assert "3 listing(s) from this page" in output, output
    assert served_cards.replace("category.html", "product/bb22") in output
    missing = served_cards.replace("category.html", "nothing.html")
    code, output = _try(tmp_path, source, missing)
    assert code == 2 and "the server answered 404" in output


def test_a_detail_page_shows_its_fields() -> None:
    source = load_source(REPO / "tests" / "crawlers" / "fixtures" / "good.yaml")
    reading = try_page(source, DETAIL_PAGE.encode(), "http://127.0.0.1:9/item/4711")
    assert reading.kind == "detail"
    assert reading.detail["title"] == ["Glock 19 Gen5"] and reading.detail["vendor"] == ["ironhand"]
    assert reading.unmatched == []  # the index selectors do not apply to a detail page
    assert [listing.title for listing in reading.listings] == ["Glock 19 Gen5"]
    without_price = DETAIL_PAGE.replace('<span class="price">€ 1.250,00</span>', "")
    again = try_page(source, without_price.encode(), "http://127.0.0.1:9/item/4711")
    assert again.unmatched == ["detail.price"] and again.listings[0].price is None


@pytest.mark.skipif(not CYPHER.exists(), reason="../shared/data not present")
def test_a_cypher_page_prints_every_field_of_every_card(tmp_path: Path) -> None:
    page = CYPHER / "pages" / "page0-10.html"
    code, output = _try(tmp_path, REPO / "sources" / "examples" / "cypher.yaml", str(page))
    assert code == 0, output
    cards = Selector(text=page.read_text()).css("div.card h4.card-title::text").getall()
    assert len(cards) == 24 and f"read as an index page with {len(cards)} listing cards" in output
    for title in {" ".join(title.split()) for title in cards}:
        assert title.split(" (Clone)")[0] in output
    assert "every selector matched something on this page" in output
    assert "24 listing(s) from this page" in output


def test_a_drafted_source_is_tried_as_the_guide_says(tmp_path: Path) -> None:
    draft = tmp_path / "drafted.yaml"
    page = str(CARDS / "category.html")
    done = run_armswatch("sources", "new", "drafted", "--from", page, "--out", str(draft),
                         data_dir=tmp_path, env=WIDE)  # fmt: skip
    assert done.returncode == 0, done.stderr
    code, output = _try(tmp_path, draft, page)
    assert code == 1  # the fixture's fourth card has no link: the draft shows it as the source did
    assert "3 listing(s) from this page" in output and "Glock 19 slide, complete" in output
