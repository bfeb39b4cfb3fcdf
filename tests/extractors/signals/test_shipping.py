"""Ships-from / ships-to countries and shipping methods in eight languages."""

from __future__ import annotations

import pytest

from crawlers.normalize.countries import EU_MEMBERS
from extractors.signals import shipping
from tests.extractors.signals import normalized


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ships from Germany with DHL", "DE"),
        ("shipping from: NL", "NL"),
        ("Versand aus Deutschland", "DE"),
        ("envío desde España", "ES"),
        ("expédié depuis la France", "FR"),
        ("отправка из России", "RU"),
        ("envio de Portugal", "PT"),
        ("spedizione dall'Italia", "IT"),
        ("verzending vanuit Nederland", "NL"),
        ("Versand aus der Schweiz", "CH"),
    ],
)
def test_ships_from(text: str, code: str) -> None:
    found = shipping.find(text, "description")
    assert normalized(text, found, "SHIPS_FROM") == [code]


def test_ships_to_lists_and_regions() -> None:
    text = "Ships to: EU, US. Versand nach DE/AT/CH"
    found = shipping.find(text, "t")
    assert normalized(text, found, "SHIPS_TO") == [*EU_MEMBERS, "US", "DE", "AT", "CH"]
    assert [item.text for item in found][-3:] == ["DE", "AT", "CH"]
    assert found[0].text == "EU"


@pytest.mark.parametrize(
    "text",
    ["worldwide shipping", "weltweiter Versand", "envío internacional", "доставка по всему миру"],
)
def test_worldwide(text: str) -> None:
    assert normalized(text, shipping.find(text, "t"), "SHIPS_TO") == ["WW"]


def test_list_stops_at_non_country() -> None:
    text = "ships from the United States and Canada by post, ships to us customers"
    found = shipping.find(text, "t")
    assert normalized(text, found, "SHIPS_FROM") == ["US", "CA"]
    assert normalized(text, found, "SHIPS_TO") == []
    assert normalized(text, found, "SHIPPING_METHOD") == ["post"]


def test_russian_inflections() -> None:
    text = "доставка по России и Беларуси"
    assert normalized(text, shipping.find(text, "t"), "SHIPS_TO") == ["RU", "BY"]


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("sent by post", "post"),
        ("registered mail", "post"),
        ("Deutsche Post oder Packstation", "post"),
        ("por Correos", "post"),
        ("par La Poste", "post"),
        ("Почта России", "post"),
        ("DHL Express", "courier"),
        ("UPS or FedEx", "courier"),
        ("СДЭК", "courier"),
        ("stealth shipping", "stealth"),
        ("vacuum sealed", "stealth"),
        ("split shipment", "split_shipment"),
        ("ships in parts", "split_shipment"),
        ("sent in separate packages", "split_shipment"),
        ("Versand in Teilen", "split_shipment"),
        ("zerlegt", "disassembled"),
        ("envío en piezas", "disassembled"),
        ("arme désassemblée", "disassembled"),
        ("в разобранном виде", "disassembled"),
        ("закладка", "dead_drop"),
        ("только клад", "dead_drop"),
        ("Abholung möglich", "pickup"),
        ("pickup only", "pickup"),
        ("meet in person", "pickup"),
    ],
)
def test_methods(text: str, method: str) -> None:
    found = shipping.find(text, "t")
    assert set(normalized(text, found, "SHIPPING_METHOD")) == {method}
