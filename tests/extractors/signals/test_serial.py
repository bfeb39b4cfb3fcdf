"""Serial-number status phrases in eight languages."""

from __future__ import annotations

import pytest

from extractors.signals import serial
from tests.extractors.signals import normalized

CASES = {
    "removed": [
        "serial removed", "serial number has been ground off", "serial scratched",
        "serial filed off", "numbers obliterated", "Seriennummer entfernt",
        "Seriennummer abgeschliffen", "número de serie borrado", "número de serie limado",
        "numéro de série effacé", "numéro de série limé", "номер спилен", "номер сбит",
        "перебитый номер", "número de série raspado", "matricola abrasa", "matricola cancellata",
        "serienummer verwijderd", "serienummer weggevijld",
    ],
    "none": [
        "no serial", "without serial", "unserialized", "ohne Seriennummer",
        "sin número de serie", "sans numéro de série", "без номера", "sem número de série",
        "senza matricola", "zonder serienummer",
    ],
    "untraceable": [
        "untraceable", "unregistered", "off paper", "ghost gun", "ghost kit",
        "ghost polymer 80 frame", "clean, no papers", "nicht registriert", "unregistriert",
        "sin registrar", "arme non déclarée", "незарегистрированный", "ствол чистый",
        "sem registro", "pistola non denunciata", "niet geregistreerd",
    ],
    "present": [
        "serial number intact", "mit Seriennummer", "SN: ABC123", "S/N 12345",
        "con número de serie", "avec numéro de série", "serienummer aanwezig",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "status"), [(text, status) for status, texts in CASES.items() for text in texts]
)
def test_status(text: str, status: str) -> None:
    sentence = f"Pistol, {text}, good condition."
    found = serial.find(sentence, "description")
    assert normalized(sentence, found) == [f"serial/{status}"]


@pytest.mark.parametrize(
    "text", ["Ghost Recon game", "ghost", "serial: great", "номер телефона 89001234567"]
)
def test_rejected(text: str) -> None:
    assert serial.find(text, "t") == []
