"""The pages of the demo onion market (Cinder Vault): login, CAPTCHA, queue, and listing pages
whose content a small inline script builds from the JSON in
`<script type="application/json" id="data">`.

Every link is site-absolute (`/listing/…`), so the pages work on any host: 127.0.0.1:PORT or the
market's `.onion` name behind a proxy.
"""

from __future__ import annotations

import json
from typing import Any

from armswatch.demo.model import SITE_NAMES, DemoOffer
from armswatch.demo.sites.page import Response, esc, href, html_page

NAME = SITE_NAMES["onion"]
CSS = (
    "body{background:#0d0f12;color:#d8d8d8;font:14px sans-serif;margin:0}a{color:#f93}"
    ".topbar{background:#000;padding:10px;border-bottom:2px solid #f93}"
    "main{padding:12px}table{border-collapse:collapse;width:100%}"
    "td{border:1px solid #333;padding:4px}.queue,.gate{max-width:420px;margin:60px auto}"
    "dl.listing-info dt{font-weight:bold}.error{color:#f55}"
)
BUILD_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var app = document.getElementById("app");
  app.textContent = "";
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function link(cls, text, url) { var a = el("a", cls, text); a.href = url; return a; }
  if (data.kind === "index") {
    add(app, el("h1", "page-title", "Listings"));
    var table = add(app, el("table", "listings"));
    data.listings.forEach(function (row) {
      var tr = add(table, el("tr", "listing-row"));
      add(add(tr, el("td", "item")), link("listing-link", row.title, row.url));
      add(tr, el("td", "price", row.price));
      add(tr, el("td", "vendor", row.vendor));
    });
    var pager = add(app, el("div", "pager"));
    add(pager, el("span", "page-info", "Page " + data.page + " of " + data.pages));
    if (data.next) { add(pager, link("next", "next »", data.next)); }
    return;
  }
  var d = data.listing;
  var crumbs = add(app, el("nav", "breadcrumb"));
  d.category.forEach(function (c) { add(crumbs, el("span", "crumb", c.label)); });
  add(app, el("h1", "listing-title", d.title));
  var gallery = add(app, el("div", "gallery"));
  d.images.forEach(function (src) {
    var img = el("img"); img.src = src; img.alt = d.title; add(gallery, img);
  });
  var info = add(app, el("dl", "listing-info"));
  function row(label, cls, text) {
    add(info, el("dt", null, label));
    return add(add(info, el("dd")), el("span", cls, text));
  }
  row("Price", "price", d.price).setAttribute("data-currency", d.currency);
  row("Vendor", "vendor", d.vendor);
  row("Ships from", "ships-from", d.ships_from);
  row("Ships to", "ships-to", d.ships_to);
  add(info, el("dt", null, "Shipping"));
  var methods = add(add(info, el("dd")), el("ul", "shipping-methods"));
  d.shipping.forEach(function (m) { add(methods, el("li", null, m.method)); });
  row("In stock", "stock", d.stock);
  row("Listing ID", "listing-id", d.id);
  add(app, el("h2", null, "Description"));
  add(app, el("div", "description-text", d.description));
})();
"""


def _frame(
    title: str, main: str, *, user: str | None, lang: str = "en", status: int = 200
) -> Response:
    account = (
        f' <span class="user">{esc(user)}</span> <a class="logout" href="/logout">Log out</a>'
        if user
        else ""
    )
    body = (
        f'<header class="topbar"><a class="logo" href="/">{NAME}</a>{account}</header>\n'
        f"<main>\n{main}\n</main>"
    )
    return html_page(f"{title} – {NAME}", body, lang=lang, css=CSS, status=status)


def not_found_page() -> Response:
    main = '<h1>404</h1><p class="not-found">No such page.</p>'
    return _frame("Not found", main, user=None, status=404)


def login_page(*, failed: bool = False) -> Response:
    error = '<p class="error">Invalid username or password.</p>' if failed else ""
    main = (
        f'<div class="gate"><h1>Sign in</h1>{error}\n'
        '<form id="login" method="post" action="/login">\n'
        '<label>Username <input type="text" name="username" autocomplete="off"></label>\n'
        '<label>Password <input type="password" name="password"></label>\n'
        '<button type="submit" name="action" value="login">Sign in</button>\n</form></div>'
    )
    return _frame("Sign in", main, user=None)


def captcha_page(challenge: str, next_path: str, *, user: str | None) -> Response:
    main = (
        '<div class="gate"><h1>Security check</h1>\n'
        '<form id="captcha" method="post" action="/captcha">\n'
        "<p>Type the characters you see in the image.</p>\n"
        f'<img class="captcha-image" src="/captcha/{challenge}.png" alt="CAPTCHA" width="200"'
        ' height="70">\n'
        f'<input type="hidden" name="challenge" value="{esc(challenge)}">\n'
        f'<input type="hidden" name="next" value="{esc(next_path)}">\n'
        '<input type="text" name="answer" autocomplete="off" maxlength="8">\n'
        '<button type="submit">Continue</button>\n</form></div>'
    )
    return _frame("Security check", main, user=user)


def queue_page(refresh_seconds: int) -> Response:
    main = (
        f'<meta http-equiv="refresh" content="{refresh_seconds}">\n'
        '<div class="queue"><h1>You are in the queue</h1>\n'
        f"<p>This page refreshes every {refresh_seconds} seconds; you will be let in shortly."
        " Do not reload.</p></div>"
    )
    return _frame("Queue", main, user=None)


def _data_page(title: str, data: dict[str, Any], *, user: str, lang: str = "en") -> Response:
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    main = (
        '<div id="app"><noscript>This market needs JavaScript.</noscript></div>\n'
        f'<script type="application/json" id="data">{payload}</script>\n'
        f"<script>{BUILD_SCRIPT}</script>"
    )
    return _frame(title, main, user=user, lang=lang)


def index_page(offers: list[DemoOffer], page: int, pages: int, *, user: str) -> Response:
    data = {
        "kind": "index",
        "page": page,
        "pages": pages,
        "listings": [
            {
                "url": href("listing", offer.offer_id),
                "title": offer.title,
                "price": offer.price_text,
                "vendor": offer.vendor,
            }
            for offer in offers
        ],
        "next": f"/?page={page + 1}" if page < pages else None,
    }
    return _data_page(f"Listings, page {page}", data, user=user)


def listing_page(offer: DemoOffer, *, user: str) -> Response:
    listing = {
        "id": offer.offer_id,
        "title": offer.title,
        "category": [{"label": label} for label in offer.category_path],
        "price": offer.price_text,
        "currency": offer.currency,
        "vendor": offer.vendor,
        "ships_from": offer.ships_from,
        "ships_to": offer.ships_to,
        "shipping": [{"method": method} for method in offer.shipping_methods],
        "stock": offer.quantity,
        "images": list(offer.images),
        "description": offer.description,
    }
    return _data_page(
        offer.title, {"kind": "listing", "listing": listing}, user=user, lang=offer.language
    )
