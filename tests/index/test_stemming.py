"""Stemming routes and stems (the embedded index's side of stemmed search), and stem fields
in queries."""

from __future__ import annotations

import pytest

from index.errors import QuerySyntaxError
from index.query import TextMatch, build_query
from index.stemming import ROUTES, stem_route, stem_tokens, stems_by_route


@pytest.mark.parametrize(
    ("language", "route"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("PT_br", "pt"),
        ("pl", "folded"),
        (None, "folded"),
        ("", "folded"),
    ],
)
def test_a_listing_language_picks_its_route(language: str | None, route: str) -> None:
    assert stem_route(language) == route


@pytest.mark.parametrize(
    ("text", "route", "stems"),
    [
        ("Pistolen Pistole", "de", ["pistol", "pistol"]),
        ("barrels AR-15", "en", ["barrel", "ar", "15"]),
        ("pistolas", "es", ["pistol"]),
        ("fusils", "fr", ["fusil"]),
        ("пистолеты новый", "ru", ["пистолет", "нов"]),
        ("Pistolen", "folded", ["pistolen"]),
    ],
)
def test_stems_are_the_snowball_stems_of_the_lowercased_words(
    text: str, route: str, stems: list[str]
) -> None:
    assert stem_tokens(text, route) == stems


def test_an_unknown_route_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown stemming route"):
        stem_tokens("x", "klingon")


def test_routes_with_the_same_stems_are_grouped() -> None:
    grouped = stems_by_route("glock")
    assert grouped == {"glock": list(ROUTES)}


def test_stem_fields_build_stemmed_text_matches() -> None:
    assert build_query("stem:Pistolen") == TextMatch(
        ("title", "description"), "Pistolen", stemmed=True
    )
    assert build_query('title.stem:"neue Pistolen"') == TextMatch(
        ("title",), "neue Pistolen", "phrase", stemmed=True
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stem:pist*", "without wildcards"),
        ('stem:"neue pistolen"~2', "proximity"),
        ("stem:[a TO b]", "ranges need"),
        ("stems:pistole", "did you mean 'stem'"),
    ],
)
def test_stem_fields_refuse_what_they_cannot_match(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        build_query(query)
