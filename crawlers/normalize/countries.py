"""Countries: names as sites write them (in many languages) to ISO 3166-1 alpha-2 codes.

`WW` stands for worldwide. Regions that markets use ("EU", "Europe", "Scandinavia") expand to
their member countries, so `ships_to:DE` finds a listing that ships to the EU.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry

WORLDWIDE = "WW"
NAME_LANGUAGES = ("de", "es", "fr", "ru", "pt", "it", "nl", "pl", "uk", "cs", "sv")

EU_MEMBERS = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
).split()
REGIONS: dict[str, tuple[str, ...]] = {
    "eu": tuple(EU_MEMBERS),
    "european union": tuple(EU_MEMBERS),
    "europe": (*EU_MEMBERS, "GB", "CH", "NO", "IS", "LI"),
    "europa": (*EU_MEMBERS, "GB", "CH", "NO", "IS", "LI"),
    "европа": (*EU_MEMBERS, "GB", "CH", "NO", "IS", "LI"),
    "scandinavia": ("DK", "NO", "SE"),
    "benelux": ("BE", "NL", "LU"),
    "north america": ("US", "CA"),
}
WORLDWIDE_NAMES = {
    "worldwide", "world wide", "world", "international", "everywhere", "ww", "global",
    "weltweit", "mundial", "todo el mundo", "monde entier", "le monde entier",
    "весь мир", "по всему миру", "мир", "mondiale", "in tutto il mondo", "wereldwijd",
    "mundo todo", "todo o mundo",
}  # fmt: skip
EXTRA_NAMES = {
    "usa": "US", "u.s.a.": "US", "us": "US", "u.s.": "US", "america": "US", "united states": "US",
    "uk": "GB", "u.k.": "GB", "england": "GB", "great britain": "GB", "britain": "GB",
    "holland": "NL", "russia": "RU", "россия": "RU", "рф": "RU", "czechia": "CZ",
    "south korea": "KR", "north korea": "KP", "vietnam": "VN", "turkey": "TR", "türkei": "TR",
    "schweiz": "CH", "suisse": "CH", "österreich": "AT", "deutschland": "DE", "brd": "DE",
    "usa (united states)": "US", "estados unidos": "US", "états-unis": "US", "сша": "US",
    "russland": "RU", "rusia": "RU", "russie": "RU", "russische föderation": "RU",
    "großbritannien": "GB", "grossbritannien": "GB", "великобритания": "GB", "royaume-uni": "GB",
    "reino unido": "GB", "vereinigtes königreich": "GB",
}  # fmt: skip
_SPLIT = re.compile(r"\s*(?:,|;|/|\||\+|&|\band\b|\bund\b|\by\b|\bet\b|\bи\b|\be\b|\ben\b)\s*")
_CODE = re.compile(r"^[A-Z]{2}$")


def to_country_codes(text: str | list[str] | None) -> list[str]:
    """ISO codes for every country, region or 'worldwide' named in the text, in order."""
    if not text:
        return []
    parts = text if isinstance(text, list) else [text]
    codes: list[str] = []
    for part in parts:
        for name in _SPLIT.split(part):
            for code in _codes_for(name):
                if code not in codes:
                    codes.append(code)
    return codes


def _codes_for(name: str) -> tuple[str, ...]:
    stripped = name.strip().strip(".:()[]").strip()
    if not stripped:
        return ()
    if _CODE.match(stripped) and pycountry.countries.get(alpha_2=stripped):
        return (stripped,)
    key = _fold(stripped)
    if key in WORLDWIDE_NAMES:
        return (WORLDWIDE,)
    if stripped.upper() == "EU" or key in REGIONS:
        return REGIONS["eu" if stripped.upper() == "EU" else key]
    code = _country_names().get(key)
    return (code,) if code else ()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


@cache
def _country_names() -> dict[str, str]:
    """Every English and translated name of every country, folded, to its code."""
    names: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for language in NAME_LANGUAGES
    ]
    for country in pycountry.countries:
        english = [
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ]
        for name in filter(None, english):
            names[_fold(name)] = country.alpha_2
            for translation in translations:
                names.setdefault(_fold(translation.gettext(name)), country.alpha_2)
        names.setdefault(_fold(country.alpha_3), country.alpha_2)
    for name, code in EXTRA_NAMES.items():
        names[_fold(name)] = code
    return names
