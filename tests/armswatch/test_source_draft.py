"""`armswatch sources new`: a source drafted from one saved page reads the same listings as the
hand-written source for that markup (the synthetic bazaar fixture, and saved Cypher pages when
../shared/data is present), and a page without listing cards gets a clear error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
import yaml
from scrapy.http import HtmlResponse

from armswatch.cli.source_new import new_source
from armswatch.source_draft import DraftError, SourceDraft, draft_source
from armswatch.source_draft_cards import MONEY
from crawlers.extraction import ExtractionError, card_nodes, listing_from_card
from crawlers.listing import Listing
from crawlers.source import Source
from crawlers.source_loader import load_source

REPO = Path(__file__).resolve().parents[2]
CARDS = REPO / "tests" / "crawlers" / "fixtures" / "cards"
CYPHER = (REPO / ".." / "shared" / "data" / "markets" / "cypher-2020-09-17" / "pages").resolve()
needs_cypher = pytest.mark.skipif(not CYPHER.exists(), reason="../shared/data not present")
WHEN = datetime(2020, 9, 17, tzinfo=UTC)
COMPARED = ("title", "url", "price", "vendor")

NO_CARDS = b"""<!doctype html><html><body><h1>About us</h1>
<p>We sell nothing here. <a href="/faq">FAQ</a></p><p>Contact: <a href="/c">here</a></p>
</body></html>"""

TABLE = b"""<!-- saved from url=(0041)http://shopabcdefghij.onion/category/guns -->
<html><body><table>
<tr class="item"><td><a href="/listing/101" class="name">Glock 17 Gen 5</a></td>
  <td>0.0031 BTC</td><td>by <a href="/user/alice">alice</a></td><td>5 left</td></tr>
<tr class="item"><td><a href="/listing/102" class="name">AK-47 parts kit</a></td>
  <td>0.012 BTC</td><td>by <a href="/user/bob">bob</a></td><td>1 left</td></tr>
<tr class="item"><td><a href="/listing/103" class="name">9mm ammo, 500 rounds</a></td>
  <td>0.004 BTC</td><td>by <a href="/user/carol">carol</a></td><td>20 left</td></tr>
</table></body></html>"""


def listings(source: Source, body: bytes, url: str) -> list[Listing | None]:
    """Each card's listing, None for a card that gives none."""
    root = HtmlResponse(url, body=body).selector
    found: list[Listing | None] = []
    for card in card_nodes(source, root):
        try:
            found.append(listing_from_card(source, url, card, WHEN))
        except ExtractionError:
            found.append(None)
    return found


def loaded(draft: SourceDraft) -> Source:
    return Source.model_validate(yaml.safe_load(draft.yaml_text))


def agreement(hand: list[Listing | None], drafted: list[Listing | None], field: str) -> float:
    same = sum(
        1
        for want, got in zip(hand, drafted, strict=True)
        if (want is None and got is None)
        or (want is not None and got is not None and getattr(want, field) == getattr(got, field))
    )
    return same / len(hand)


def test_the_bazaar_fixture_is_drafted_as_the_hand_written_source_reads_it() -> None:
    body = (CARDS / "category.html").read_bytes()
    hand = load_source(CARDS / "bazaar.yaml")
    url = str(hand.start_urls[0])
    draft = draft_source("bazaar-draft", body, url)
    source = loaded(draft)
    assert (draft.card_selector, draft.cards, draft.listings) == ("div.card", 4, 3)
    assert source.network == "tor" and [str(u) for u in source.start_urls] == [url]
    want, got = listings(hand, body, url), listings(source, body, url)
    assert len(got) == len(want) == 4
    for field in (*COMPARED, "category_path", "quantity", "images", "site_listing_id"):
        assert agreement(want, got, field) == 1.0, field
    assert draft.listing_id_pattern == "/product/([^/?#]+)"


def test_weak_guesses_are_marked_for_a_person_to_check() -> None:
    draft = draft_source("bazaar-draft", (CARDS / "category.html").read_bytes(), None)
    category = next(line for line in draft.yaml_text.splitlines() if "category:" in line)
    assert "regex" in category and "# check:" in category
    start = draft.yaml_text.splitlines().index("start_urls:") + 1
    assert "# check:" in draft.yaml_text.splitlines()[start]  # the page did not say its URL


def test_a_table_of_offers_gives_fields_its_saved_url_and_a_numeric_id() -> None:
    draft = draft_source("shop", TABLE, None)
    source = loaded(draft)
    assert [str(url) for url in source.start_urls] == ["http://shopabcdefghij.onion/category/guns"]
    assert draft.card_selector == "tr.item" and draft.listing_id_pattern == r"/listing/(\d+)"
    found = listings(source, TABLE, "http://shopabcdefghij.onion/")
    assert [(x.title, x.vendor.handle if x and x.vendor else None) for x in found if x] == [
        ("Glock 17 Gen 5", "alice"),
        ("AK-47 parts kit", "bob"),
        ("9mm ammo, 500 rounds", "carol"),
    ]
    assert [x.price.currency if x and x.price else None for x in found] == ["BTC"] * 3
    assert [x.quantity if x else None for x in found] == [5, 1, 20]


@pytest.mark.parametrize(
    ("text", "money"),
    [
        ("25 $", True),
        ("$25", True),
        ("€ 1.250,00", True),
        ("0.0031 BTC", True),
        ("25 USD", True),
        ("Stock: 1700", False),
        ("AR-15 lower", False),
        ("9mm", False),
    ],
)
def test_money_like_texts_are_told_from_others(text: str, money: bool) -> None:
    assert bool(MONEY.search(text)) is money


def test_a_page_without_repeated_cards_is_a_clear_error() -> None:
    with pytest.raises(DraftError, match="no repeated listing cards"):
        draft_source("x", NO_CARDS, None)
    with pytest.raises(DraftError, match="not an HTML page"):
        draft_source("x", b"name,price\nglock,400\n", None)


def test_the_command_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "about.html"
    page.write_bytes(NO_CARDS)
    for given in (page, tmp_path / "absent.html"):
        with pytest.raises(typer.Exit) as exit_:
            new_source("x", given)
        assert exit_.value.exit_code == 2
        assert str(given) in capsys.readouterr().err


def test_the_command_writes_a_loadable_file_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bazaar.yaml"
    new_source("bazaar", CARDS / "category.html", out)
    assert load_source(out).index.cards is not None
    assert "div.card" in capsys.readouterr().err
    out.write_text("# mine\n")
    with pytest.raises(typer.Exit) as exit_:
        new_source("bazaar", CARDS / "category.html", out)
    assert exit_.value.exit_code == 2 and out.read_text() == "# mine\n"


@needs_cypher
@pytest.mark.parametrize(
    "page", ["page0-10.html", "page1-81.html", "page0-43.html", "page2-41.html"]
)
def test_cypher_pages_are_drafted_as_the_hand_written_source_reads_them(page: str) -> None:
    hand = load_source(REPO / "sources" / "examples" / "cypher.yaml")
    body = (CYPHER / page).read_bytes()
    url = str(hand.start_urls[0])
    source = loaded(draft_source("cypher-draft", body, None))
    want, got = listings(hand, body, url), listings(source, body, url)
    assert len(got) == len(want) > 0
    for field in COMPARED:
        assert agreement(want, got, field) >= 0.95, field


@needs_cypher
def test_a_cypher_page_without_cards_is_a_clear_error() -> None:
    with pytest.raises(DraftError, match="no repeated listing cards"):
        draft_source("cypher-draft", (CYPHER / "page2-45.html").read_bytes(), None)


FORUM_LIKE = b"""<html><body>
<nav><ul class="cats">
  <li><a href="/c/pistols">Pistols</a></li><li><a href="/c/rifles">Rifles</a></li>
  <li><a href="/c/parts">Parts</a></li><li><a href="/c/ammo">Ammunition</a></li>
</ul></nav>
<aside><a class="top" href="/seller/alice">alice</a><a class="top" href="/seller/bob">bob</a>
  <a class="top" href="/seller/carol">carol</a><a class="top" href="/seller/dave">dave</a></aside>
<div class="offers">
<div class="offer"><a href="/item/1">Glock 17 Gen 5</a> <b>$650</b>
  <a href="/seller/alice">alice</a><a href="/c/pistols">Pistols</a></div>
<div class="offer"><a href="/item/2">AR-15 lower receiver</a> <b>$220</b>
  <a href="/seller/bob">bob</a><a href="/c/parts">Parts</a></div>
<div class="offer"><a href="/item/3">9mm FMJ x500</a> <b>$180</b> <a href="/seller/carol">carol</a>
  <a href="/c/ammo">Ammunition</a></div>
</div>
<p class="pages"><a href="/c/pistols?p=1">1</a> <a href="/c/pistols?p=2">Next &raquo;</a></p>
</body></html>"""


def test_category_and_next_page_links_are_drafted_from_outside_the_cards() -> None:
    url = "http://shopabcdefghij.onion/c/pistols"
    draft = draft_source("shop", FORUM_LIKE, url)
    source = loaded(draft)
    root = HtmlResponse(url, body=FORUM_LIKE).selector
    (follow,) = source.index.follow
    assert sorted(follow.values(root)) == ["/c/ammo", "/c/parts", "/c/pistols", "/c/rifles"]
    assert source.index.pagination is not None and source.index.pagination.next is not None
    assert source.index.pagination.next.values(root) == ["/c/pistols?p=2"]
    assert draft.next_page is not None and draft.next_page.check  # found by its text only
    assert "Not drafted" not in draft.yaml_text


def test_a_page_without_them_says_the_links_were_not_drafted() -> None:
    draft = draft_source("bazaar-draft", (CARDS / "category.html").read_bytes(), None)
    source = loaded(draft)
    assert source.index.follow == [] and source.index.pagination is None
    assert "# Not drafted (not on this page): index.follow (category links)" in draft.yaml_text


@needs_cypher
def test_every_cypher_draft_follows_the_links_the_hand_written_source_follows() -> None:
    hand = load_source(REPO / "sources" / "examples" / "cypher.yaml")
    url = str(hand.start_urls[0])
    assert hand.index.pagination is not None and hand.index.pagination.next is not None
    drafted = same_follow = same_next = 0
    for page in sorted(CYPHER.glob("*.html")):
        body = page.read_bytes()
        try:
            source = loaded(draft_source("cypher-draft", body, None))
        except DraftError:
            continue  # a page without cards (checked above)
        root = HtmlResponse(url, body=body).selector
        drafted += 1
        want = {link for rule in hand.index.follow for link in rule.values(root)}
        got = {link for rule in source.index.follow for link in rule.values(root)}
        same_follow += want == got
        drafted_next = source.index.pagination.next if source.index.pagination else None
        got_next = drafted_next.values(root)[:1] if drafted_next else []
        same_next += hand.index.pagination.next.values(root)[:1] == got_next
    print(f"{drafted} drafts: follow the same links {same_follow}, next page {same_next}")
    assert drafted >= 180 and same_follow == same_next == drafted
