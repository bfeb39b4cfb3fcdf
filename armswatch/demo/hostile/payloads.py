"""Pages that are hostile by their content: huge, deeply nested, mis-encoded or broken.

Each is a listing detail page in the site's usual markup (title first), so a crawler that
survives it can still capture the title; what follows the title is the attack. The two 50 MiB
pages are streamed from a few shared byte strings, never held whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from armswatch.demo.hostile.catalog import NormalListing
from armswatch.demo.hostile.exchange import Exchange, route
from armswatch.demo.hostile.pages import detail_parts

BIG_BYTES = 50 * 1024 * 1024
DEEP_LEVELS = 200_000

_BIG_PAGE = NormalListing(
    id="hb-big-page", title="Parts catalogue, all", price=99, path="/big/page", vendor="northgear"
)
_BIG_TEXT = NormalListing(
    id="hb-big-textnode", title="CZ lot", price=1800, path="/big/textnode", category=1
)
_DEEP = NormalListing(
    id="hb-deep",
    title="Makarov PM, boxed",
    price=700,
    path="/deep",
    vendor="balkan_supply",
    ships_from="Serbia",
    description="Makarov PM in its box, at the bottom of 200,000 divs.",
)
_ROW = (
    b'<tr class="part"><td class="sku">HB-PART</td><td class="name">Glock 19 slide, stripped'
    b'</td><td class="fits">G19 Gen3</td><td class="cost">$250</td></tr>\n'
)
_SENTENCE = b"AR-15 lower receiver 80% with jig and bits, untraceable, ships in pieces. "
_ROWS_PER_CHUNK = 8192


def _repeated(unit: bytes, total: int, per_chunk: int) -> Iterator[bytes]:
    """`total` bytes of `unit` repeated (the last copy cut short), in chunks of `per_chunk`."""
    block = unit * per_chunk
    full, rest = divmod(total, len(block))
    for _ in range(full):
        yield block
    yield block[:rest]


def _padded(before: bytes, after: bytes, unit: bytes, per_chunk: int) -> Iterator[bytes]:
    yield before
    yield from _repeated(unit, BIG_BYTES - len(before) - len(after), per_chunk)
    yield after


def _big_page(exchange: Exchange) -> None:
    """50 MiB: the listing, then a table of about 370,000 identical rows."""
    before, after = (part.encode() for part in detail_parts(_BIG_PAGE))
    head = before + b'<table class="compatibility">\n'
    # the rows end wherever 50 MiB is reached; a cut row is left open, as on a real broken site
    exchange.send_stream(_padded(head, b"</table>" + after, _ROW, _ROWS_PER_CHUNK), BIG_BYTES)


def _big_textnode(exchange: Exchange) -> None:
    """50 MiB: a description that is one text node."""
    before, after = (part.encode() for part in detail_parts(_BIG_TEXT))
    head = before + b'<div class="description">'
    chunks = _padded(head, b"</div>" + after, _SENTENCE, 16384)
    exchange.send_stream(chunks, BIG_BYTES)


def deep_page() -> bytes:
    """The listing, then DEEP_LEVELS nested divs; the description is the innermost one."""
    before, after = detail_parts(_DEEP)
    nesting = "<div>" * (DEEP_LEVELS - 1)
    innermost = f'<div class="description">{_DEEP.description}</div>'
    return f"{before}{nesting}{innermost}{'</div>' * (DEEP_LEVELS - 1)}{after}".encode()


def _deep(exchange: Exchange) -> None:
    exchange.send(deep_page())


_RUSSIAN = NormalListing(
    id="hb-mislabelled",
    title="Пистолет ТТ-33 с двумя магазинами",
    price=850,
    path="/charset/mislabelled",
    vendor="balkan_supply",
    ships_from="Россия",
    ships_to="Европа",
    description="Пистолет Токарева ТТ-33, армейский склад, без номера. Доставка почтой.",
)


def charset_page(*, labelled: bool) -> bytes:
    """A Russian listing in cp1251; `labelled` adds <meta charset="utf-8"> (a lie)."""
    if labelled:
        listing = _RUSSIAN
    else:
        listing = replace(
            _RUSSIAN, id="hb-unlabelled", title="Автомат АК-74, охолощённый", path="/charset/none"
        )
    before, after = detail_parts(listing, lang="ru", charset="utf-8" if labelled else None)
    page = f'{before}<div class="description">{listing.description}</div>{after}'
    return page.encode("cp1251")


def _charset_mislabelled(exchange: Exchange) -> None:
    exchange.send(charset_page(labelled=True), content_type="text/html; charset=utf-8")


def _charset_none(exchange: Exchange) -> None:
    exchange.send(charset_page(labelled=False), content_type="text/html")


MALFORMED_PAGE = (
    b"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<body>\n"
    b"</div></div><title>Second title in the body</title>\n"
    b'<nav class=breadcrumb><a class=crumb href="/">Home</a> &gt <a class=crumb href=/category/1>'
    b"Pistols &amp parts</nav>\n<main class=listing>\n"
    b"<h1 class=title>Beretta 92 parts kit</h1>\n"
    b"<p class=offer><span class=price>$430</span> <span class=currency>USD</span>\n"
    b"<p class=seller>Sold by <a class=vendor href=/vendor/ironside>ironside</a>\n"
    b"<p class=shipping>Ships from <span class=ships-from>Italy</span> to "
    b"<span class=ships-to>Europe</span>\n"
    b"<p class=ref>Listing <span class=listing-id>hb-malformed</span>\n"
    b"<div class=description>Beretta 92 parts: slide, barrel,\x00 recoil spring <b><i>unclosed"
    b"</b> tags\x00 and a stray </div></div></span> here.\n"
    b"<table><tr><td>no closing tags<tr><td>anywhere\n"
    b'<a href="/listing/hb-001 class=listing-link>broken quote</a>\n'
    b"<div id=x id=y class='a' class=b>duplicate attributes\x00\n"
)


def _malformed(exchange: Exchange) -> None:
    exchange.send(MALFORMED_PAGE)


ROUTES = (
    route(r"/big/page", _big_page),
    route(r"/big/textnode", _big_textnode),
    route(r"/deep", _deep),
    route(r"/charset/mislabelled", _charset_mislabelled),
    route(r"/charset/none", _charset_none),
    route(r"/malformed", _malformed),
)
