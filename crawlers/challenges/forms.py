"""Fill in and submit an HTML form of a page (a login or CAPTCHA form).

A small stand-in for Scrapy's `FormRequest.from_response`, deprecated in Scrapy 2.19: the
form's own fields (hidden inputs, checked boxes, selected options, text areas) are sent as the
page has them, the given values replace or add to them, and the clicked button's name is sent.
"""

from __future__ import annotations

from parsel import Selector
from scrapy.http import FormRequest, TextResponse

_NOT_SENT = {"submit", "button", "image", "reset", "file"}
_CHOICES = {"checkbox", "radio"}
_BUTTONS = ".//button[not(@type) or @type='submit'] | .//input[@type='submit']"


def form_request(
    response: TextResponse,
    form: Selector,
    values: dict[str, str],
    *,
    button: Selector | None = None,
) -> FormRequest:
    """The request that submits `form` (a `<form>` of `response`) with `values` filled in."""
    fields = [(name, value) for name, value in _own_fields(form) if name not in values]
    fields.extend(values.items())
    clicked = button if button is not None else _first_button(form)
    if clicked is not None and clicked.attrib.get("name"):
        fields.append((clicked.attrib["name"], clicked.attrib.get("value", "")))
    method = (form.attrib.get("method") or "GET").upper()
    action = response.urljoin(form.attrib.get("action") or response.url)
    return FormRequest(
        action,
        method="POST" if method == "POST" else "GET",
        formdata=fields,
        encoding=response.encoding,
        dont_filter=True,
    )


def _own_fields(form: Selector) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for node in form.xpath(".//input[@name] | .//select[@name] | .//textarea[@name]"):
        name, tag = node.attrib["name"], getattr(node.root, "tag", "")
        if tag == "textarea":
            fields.append((name, _text(node)))
        elif tag == "select":
            options = node.xpath(".//option[@selected]") or node.xpath(".//option")
            if options:
                value = options[0].attrib.get("value")
                fields.append((name, value if value is not None else _text(options[0])))
        else:
            kind = (node.attrib.get("type") or "text").lower()
            if kind in _NOT_SENT or (kind in _CHOICES and "checked" not in node.attrib):
                continue
            fields.append((name, node.attrib.get("value", "on" if kind in _CHOICES else "")))
    return fields


def _first_button(form: Selector) -> Selector | None:
    buttons = form.xpath(_BUTTONS)
    return buttons[0] if buttons else None


def _text(node: Selector) -> str:
    return node.xpath("string()").get() or ""
