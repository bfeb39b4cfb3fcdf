"""The Annotator: entities with exact offsets, obfuscations, languages, confounders, signals."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from crawlers.listing import Annotations, Entity, Evidence, Listing, Price, Vendor
from extractors.annotator import Annotator
from extractors.language_id import listing_language

BTC_ADDRESS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # the genesis block's address
MUTATED_BTC_ADDRESS = BTC_ADDRESS[:-1] + "b"  # one character changed: the checksum fails
RUSSIAN = {
    "title": "Пистолет Глок 19 с патронами 9х19",
    "description": "Продаю пистолет Глок 17, доставка по Москве, оплата биткоин",
}
GERMAN = {
    "title": "Verkaufe Pistole Walther P99 mit Munition",
    "description": "Biete eine gebrauchte Pistole mit zwei Magazinen und 50 Schuss Munition an, "
    "Versand nach Deutschland",
}


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator.load()


def _one(annotator: Annotator, title: str, description: str = "", **fields: Any) -> Annotations:
    [found] = annotator.annotate_records([{"title": title, "description": description, **fields}])
    return found


def _labelled(annotations: Annotations, label: str) -> list[Entity]:
    return [entity for entity in annotations.entities if entity.label == label]


def _texts(annotations: Annotations) -> set[tuple[str, str]]:
    return {(entity.label, entity.text) for entity in annotations.entities}


def test_entity_offsets_point_at_the_entity_text_in_title_and_description(
    annotator: Annotator,
) -> None:
    records: list[Mapping[str, Any]] = [
        {
            "id": "a",
            "title": "GL0CK 19 Gen5 + 2 mags",
            "description": "Clean G.lock 17 and S1G P365",
        },
        {"id": "b", **RUSSIAN},
        {"id": "c", **GERMAN},
        {
            "id": "d",
            "title": "  Glock switch  auto sear (x3)",
            "description": f"Ships from NL.\nPay {BTC_ADDRESS}\n\n9mm Luger 50 rounds",
        },
    ]
    annotated = annotator.annotate_records(records)
    assert len(annotated) == len(records)
    for record, found in zip(records, annotated, strict=True):
        fields = {entity.field for entity in found.entities}
        assert {"title", "description"} <= fields, (record["id"], found.entities)
        for entity in found.entities:
            text = record[entity.field]
            assert text[entity.start : entity.end] == entity.text, (record["id"], entity)


@pytest.mark.parametrize(
    ("written", "normalized"),
    [("GL0CK 19", "Glock 19"), ("G.lock 17", "Glock 17"), ("S1G P365", "SIG Sauer P365")],
)
def test_obfuscated_model_names_are_found_and_normalized(
    annotator: Annotator, written: str, normalized: str
) -> None:
    found = _one(annotator, f"{written} for sale, DM me")
    models = _labelled(found, "MODEL")
    assert [(model.text, model.normalized) for model in models] == [(written, normalized)]
    assert models[0].start == 0 and models[0].field == "title"
    assert found.category == "firearm" and found.firearm_related


def test_obfuscations_in_the_description_keep_their_own_offsets(annotator: Annotator) -> None:
    description = "Clean G.lock 17 and S1G P365, both boxed"
    found = _one(annotator, "Collection sale", description)
    models = {(e.text, e.normalized, e.field) for e in _labelled(found, "MODEL")}
    assert models == {
        ("G.lock 17", "Glock 17", "description"),
        ("S1G P365", "SIG Sauer P365", "description"),
    }
    for model in _labelled(found, "MODEL"):
        assert description[model.start : model.end] == model.text


def test_russian_listing_gets_entities_from_the_russian_pipeline(annotator: Annotator) -> None:
    assert listing_language(None, RUSSIAN["title"], RUSSIAN["description"]) == "ru"
    detected = _one(annotator, **RUSSIAN)
    # "патронами" (ammunition, instrumental case) is only in the Russian vocabulary
    assert ("AMMUNITION", "патронами") in _texts(detected)
    assert ("FIREARM_TYPE", "Пистолет") in _texts(detected)
    models = {e.normalized for e in _labelled(detected, "MODEL")}
    assert models == {"Glock 19", "Glock 17"}
    assert detected.category == "firearm"
    # declared English, the Russian words are not found: the pipeline was chosen by language
    as_english = _one(annotator, **RUSSIAN, language="en")
    assert ("AMMUNITION", "патронами") not in _texts(as_english)


def test_german_listing_gets_entities_from_the_german_pipeline(annotator: Annotator) -> None:
    assert listing_language(None, GERMAN["title"], GERMAN["description"]) == "de"
    detected = _one(annotator, **GERMAN)
    german_words = {
        ("FIREARM_TYPE", "Pistole"),
        ("AMMUNITION", "Munition"),
        ("COMPONENT", "Magazinen"),
    }
    assert german_words <= _texts(detected)
    assert detected.category == "firearm"
    as_english = _one(annotator, **GERMAN, language="en")
    assert not german_words & _texts(as_english)


def test_a_declared_language_is_trusted(annotator: Annotator) -> None:
    declared = _one(annotator, **GERMAN, language="de-AT")
    assert ("AMMUNITION", "Munition") in _texts(declared)


def test_cannabis_strain_named_after_a_rifle_is_not_firearm_related(annotator: Annotator) -> None:
    found = _one(annotator, "AK-47 Kush 7g strain")
    assert found.category == "none"
    assert found.firearm_related is False
    assert _labelled(found, "MODEL") == []
    assert any("confounder" in reason for reason in found.reasons), found.reasons


def test_ecstasy_pills_named_silver_bullet_are_not_ammunition(annotator: Annotator) -> None:
    found = _one(annotator, "Silver Bullet XTC pills 220mg")
    assert found.category == "none", found.reasons
    assert found.firearm_related is False


def test_blank_pistol_is_another_weapon_not_a_firearm(annotator: Annotator) -> None:
    found = _one(annotator, "Zoraki 917 blank pistol")
    assert found.category == "other_weapon"
    assert found.firearm_related is False
    assert ("NON_LETHAL", "blank pistol") in _texts(found)
    assert any("not a firearm" in reason and "blank pistol" in reason for reason in found.reasons)


def test_auto_sear_and_glock_switch_are_conversion_devices(annotator: Annotator) -> None:
    found = _one(annotator, "Glock switch auto sear")
    assert found.category == "conversion_device"
    assert found.firearm_related is True
    devices = {(e.text, e.normalized) for e in _labelled(found, "COMPONENT")}
    assert devices == {
        ("Glock switch", "conversion_device/glock_switch"),
        ("auto sear", "conversion_device/auto_sear"),
    }
    assert found.score >= 0.9


def test_reasons_name_the_deciding_field_and_words(annotator: Annotator) -> None:
    from_title = _one(annotator, "Glock switch auto sear", "Glock 19 pistol with 9mm ammo")
    assert from_title.reasons[0].startswith('title "Glock switch"'), from_title.reasons
    assert "conversion_device/glock_switch" in from_title.reasons[0]

    from_description = _one(
        annotator,
        "Selling my collection, make an offer",
        "Glock 19 pistol in 9mm with two magazines, barely used.",
    )
    assert from_description.category == "firearm"
    assert from_description.reasons[0].startswith('description "Glock 19"')
    assert "MODEL = Glock 19" in from_description.reasons[0]
    # the description alone decides with less confidence than the title
    from_its_title = _one(annotator, "Glock 19 pistol in 9mm with two magazines")
    assert from_description.score < from_its_title.score


def test_crypto_addresses_pass_through_and_a_mutated_one_is_not_found(
    annotator: Annotator,
) -> None:
    description = f"Pay BTC to {BTC_ADDRESS} only. Old wallet {MUTATED_BTC_ADDRESS} is gone."
    found = _one(annotator, "Glock 19 Gen5", description)
    addresses = _labelled(found, "CRYPTO_ADDRESS")
    assert [(a.text, a.normalized, a.field) for a in addresses] == [
        (BTC_ADDRESS, f"btc:{BTC_ADDRESS}", "description")
    ]
    assert description[addresses[0].start : addresses[0].end] == BTC_ADDRESS
    assert all(MUTATED_BTC_ADDRESS not in entity.text for entity in found.entities)


def test_pgp_keys_pass_through_with_their_fingerprint(annotator: Annotator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy
        from pgpy.constants import EllipticCurveOID, HashAlgorithm, KeyFlags, PubKeyAlgorithm

        key = pgpy.PGPKey.new(PubKeyAlgorithm.EdDSA, EllipticCurveOID.Ed25519)
        key.add_uid(
            pgpy.PGPUID.new("Vendor", email="vendor@example.invalid"),
            usage={KeyFlags.Sign},
            hashes=[HashAlgorithm.SHA256],
        )
    block = str(key.pubkey).strip()
    description = f"Encrypt your address with my key:\n{block}\nNo refunds."
    found = _one(annotator, "G17 Gen5 with 2 mags", description)
    [pgp_key] = _labelled(found, "PGP_KEY")
    fingerprint = str(key.fingerprint).replace(" ", "").upper()
    assert pgp_key.normalized == fingerprint
    assert pgp_key.field == "description"
    assert pgp_key.text == block
    assert description[pgp_key.start : pgp_key.end] == block
    # nothing found inside the armored base64 (no stray addresses or models)
    inside = [
        e
        for e in found.entities
        if e is not pgp_key and e.field == "description" and pgp_key.start <= e.start < pgp_key.end
    ]
    assert inside == []


def test_annotate_listings_keeps_every_other_field(annotator: Annotator) -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    listing = Listing(
        id="abc123",
        source="demo-market",
        market="Demo Market",
        url="http://127.0.0.1:8301/listing/7",
        site_listing_id="7",
        source_kind="market",
        title="Glock switch auto sear",
        description=f"Fast shipping. BTC {BTC_ADDRESS}",
        category_path=["Weapons", "Parts"],
        language="en",
        images=["http://127.0.0.1:8301/img/7.jpg"],
        price=Price(amount=120.0, currency="USD", amount_usd=120.0, text="$120"),
        quantity=3,
        vendor=Vendor(handle="parts_guy", profile_url="http://127.0.0.1:8301/vendor/parts_guy"),
        ships_from=["US"],
        ships_to=["DE", "NL"],
        shipping_methods=["stealth"],
        posted_at=when,
        first_seen=when,
        last_seen=when,
        captured_at=when,
        status="changed",
        version=4,
        evidence=Evidence(warc_file="x.warc.gz", warc_record_id="<urn:uuid:1>", sha256="00" * 32),
    )
    plain = listing.model_copy(update={"id": "def456", "title": "Glock 19", "description": ""})
    annotated = annotator.annotate_listings([listing, plain])
    assert [item.id for item in annotated] == ["abc123", "def456"]
    for before, after in zip([listing, plain], annotated, strict=True):
        assert after.annotations is not None
        assert after.model_dump(exclude={"annotations"}) == before.model_dump(
            exclude={"annotations"}
        )
    assert annotated[0].annotations is not None
    assert annotated[0].annotations.category == "conversion_device"
    assert annotated[1].annotations is not None
    assert annotated[1].annotations.category == "firearm"
    # the input is not modified
    assert listing.annotations is None


def test_annotate_records_keeps_order_across_languages(annotator: Annotator) -> None:
    records = [
        {"title": "Glock switch auto sear"},
        RUSSIAN,
        {"title": "AK-47 Kush 7g strain"},
        GERMAN,
        {"title": "Zoraki 917 blank pistol"},
        {"title": "", "description": ""},
    ]
    categories = [found.category for found in annotator.annotate_records(records)]
    assert categories == [
        "conversion_device",
        "firearm",
        "none",
        "firearm",
        "other_weapon",
        "none",
    ]
    assert annotator.annotate_records([]) == []
