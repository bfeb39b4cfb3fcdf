"""A page not in the charset it declares, or declaring none, is decoded as detected."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawlers.safety.charsets import charset_anomaly

RUSSIAN = (
    "<html><head><title>Продаю пистолет</title></head><body><h1>Продаю Глок 19, новый,"
    " с документами</h1><p>Цена 1200 долларов. Доставка по Европе почтой.</p></body></html>"
)


def page(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse(
        "http://m.onion/listing/1", body=body, headers={"Content-Type": content_type}
    )


def test_cp1251_served_as_utf8_is_decoded_as_cp1251() -> None:
    response = page(RUSSIAN.encode("cp1251"), "text/html; charset=utf-8")
    assert "\ufffd" in response.text  # what Scrapy alone makes of it
    found = charset_anomaly(response)
    assert found is not None
    kind, declared, detected = found
    assert (kind, declared, detected) == ("charset_mislabelled", "utf-8", "cp1251")
    assert "Продаю Глок 19" in response.replace(encoding=detected).text


def test_cp1251_without_a_charset_is_decoded_as_cp1251() -> None:
    response = page(RUSSIAN.encode("cp1251"), "text/html")
    found = charset_anomaly(response)
    assert found is not None and found[:2] == ("charset_missing", "none")
    assert "Продаю Глок 19" in response.replace(encoding=found[2]).text


def test_pages_in_their_charset_pass() -> None:
    assert charset_anomaly(page(RUSSIAN.encode("utf-8"), "text/html; charset=utf-8")) is None
    assert charset_anomaly(page(RUSSIAN.encode("utf-8"), "text/html")) is None
    assert charset_anomaly(page(RUSSIAN.encode("cp1251"), "text/html; charset=cp1251")) is None
    assert charset_anomaly(page(b"<html>plain ascii</html>", "text/html")) is None
