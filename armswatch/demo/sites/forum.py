"""Iron Board: a sale-thread forum built from divs and definition lists (no tables).

URL map: `/` (board index), `/board/<slug>?page=N` (20 threads per page, 'Next ›' link),
`/thread/<offer_id>` (seller's first post plus replies), `/member/<handle>`,
`/attachments/<offer_id>-<n>.png`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from armswatch.demo.model import SITE_NAMES, DemoOffer
from armswatch.demo.sites.page import (
    Query,
    Response,
    SiteApp,
    esc,
    href,
    paginate,
)
from armswatch.demo.taxonomy import FORUM_TREE, Category
from armswatch.demo.texts import forum_replies
from armswatch.demo.vendors import DemoVendor
from armswatch.demo.vocabulary import COUNTRIES

PER_PAGE = 20
CSS = (
    "body{font:15px/1.4 Georgia,serif;background:#eee9df;color:#222;margin:0}"
    "#wrapper{max-width:960px;margin:auto;background:#fff;padding:12px}"
    ".site-header{border-bottom:3px solid #7a4;padding:8px 0}.board,.thread-row{padding:6px;"
    "border-bottom:1px dotted #aaa}.post{display:flex;border:1px solid #ccc;margin:8px 0}"
    ".post-side{width:160px;background:#f4f1ea;padding:6px}.post-content{flex:1;padding:6px}"
    ".offer-meta dl{display:grid;grid-template-columns:120px 1fr}pre{font-size:11px}"
)


@dataclass(frozen=True)
class Reply:
    author: str
    posted: str
    text: str


class ForumSite(SiteApp):
    name = SITE_NAMES["forum"]
    lang = "en"
    css = CSS

    def __init__(self, offers: Sequence[DemoOffer], vendors: Sequence[DemoVendor]) -> None:
        super().__init__(offers)
        self.members = {vendor.handle: vendor for vendor in vendors}
        self.boards = {
            child.slug: (parent, child) for parent in FORUM_TREE for child in parent.children
        }
        self.threads: dict[str, list[DemoOffer]] = {slug: [] for slug in self.boards}
        for offer in sorted(offers, key=lambda item: int(item.offer_id)):
            self.threads[offer.category_slug].append(offer)
        self._handles = sorted(self.members)
        self.route(r"/", self._index)
        self.route(r"/board/([^/]+)", self._board)
        self.route(r"/thread/(\d+)", self._thread)
        self.route(r"/member/([^/]+)", self._member)
        self.route(r"/attachments/(\d+)-\d+\.png", self.image)

    def _frame(self, title: str, main: str, lang: str | None = None) -> Response:
        body = (
            '<div id="wrapper">\n<div class="site-header"><a class="brand" href="/">Iron Board</a>'
            ' <span class="slogan">trade · talk · trust</span></div>\n'
            f'{main}\n<div class="site-footer">Iron Board runs on BoardKit 2.1</div>\n</div>'
        )
        return self.page(title, body, lang)

    def replies(self, offer: DemoOffer) -> list[Reply]:
        """A deterministic handful of replies from other members."""
        rng = random.Random(f"replies:{offer.offer_id}")
        started = datetime.fromisoformat(offer.posted or "2026-01-01 00:00")
        replies = []
        for _ in range(rng.randint(1, 3)):
            started += timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59))
            author = rng.choice([h for h in self._handles if h != offer.vendor])
            text = rng.choice(forum_replies(offer.language))
            replies.append(Reply(author, started.strftime("%Y-%m-%d %H:%M"), text))
        return replies

    def _index(self, match: re.Match[str], query: Query) -> Response:
        sections = "\n".join(self._section(parent) for parent in FORUM_TREE)
        return self._frame("Board index", f'<div class="forum-index">\n{sections}\n</div>')

    def _section(self, parent: Category) -> str:
        boards = "".join(
            f'<div class="board"><a class="board-link" href="{href("board", child.slug)}">'
            f'{esc(child.label)}</a><div class="board-stats">Threads: '
            f"{len(self.threads[child.slug])}</div></div>"
            for child in parent.children
        )
        return (
            f'<div class="section"><h2 class="section-title">{esc(parent.label)}</h2>{boards}</div>'
        )

    def _board(self, match: re.Match[str], query: Query) -> Response:
        found = self.boards.get(match.group(1))
        if found is None:
            return self.not_found()
        parent, board = found
        paged = paginate(self.threads[board.slug], query, PER_PAGE)
        if paged is None:
            return self.not_found()
        shown, page, pages = paged
        rows = "\n".join(self._thread_row(offer) for offer in shown)
        main = (
            f'<div class="crumbs"><a href="/">Iron Board</a> » <span>{esc(parent.label)}</span>'
            f" » <span>{esc(board.label)}</span></div>\n<h1>{esc(board.label)}</h1>\n"
            f'<div class="thread-list">\n{rows}\n</div>\n{_pagination(board, page, pages)}'
        )
        return self._frame(board.label, main)

    def _thread_row(self, offer: DemoOffer) -> str:
        return (
            f'<div class="thread-row" id="t{offer.offer_id}"><div class="thread-main">'
            f'<a class="thread-link" href="{href("thread", offer.offer_id)}">{esc(offer.title)}</a>'
            f'<div class="thread-meta">by <a class="member" href="{href("member", offer.vendor)}">'
            f"{esc(offer.vendor)}</a> · {esc(offer.posted)}</div></div>"
            f'<div class="thread-replies">{_replies_label(len(self.replies(offer)))}</div></div>'
        )

    def _thread(self, match: re.Match[str], query: Query) -> Response:
        offer = self.offers.get(match.group(1))
        if offer is None:
            return self.not_found()
        parent, board = self.boards[offer.category_slug]
        crumbs = (
            f'<div class="crumbs"><a href="/">Iron Board</a> » <span class="crumb">'
            f'{esc(parent.label)}</span> » <a class="crumb" href="{href("board", board.slug)}">'
            f"{esc(board.label)}</a></div>"
        )
        replies = "\n".join(
            _post(f"post-{n}", "post reply", r.author, r.posted, f"<p>{esc(r.text)}</p>", offer)
            for n, r in enumerate(self.replies(offer), start=2)
        )
        first = _post("post-1", "post first-post", offer.vendor, offer.posted or "",
                      _first_body(offer), offer)  # fmt: skip
        main = (
            f'{crumbs}\n<h1 class="thread-title">{esc(offer.title)}</h1>\n'
            f'<div class="posts" data-thread-id="{offer.offer_id}">\n{first}\n{replies}\n</div>'
        )
        return self._frame(offer.title, main, offer.language)

    def _member(self, match: re.Match[str], query: Query) -> Response:
        member = self.members.get(match.group(1))
        if member is None:
            return self.not_found()
        wallets = (
            f'<div class="wallet">BTC: <code class="wallet-address">{member.btc_address}</code>'
            f'</div><div class="wallet">XMR: <code class="wallet-address">{member.xmr_address}'
            "</code></div>"
        )
        main = (
            f'<div class="member-profile"><h1 class="member-name">{esc(member.handle)}</h1>\n'
            f'<dl class="member-info"><dt>Rank</dt><dd>{_rank(member)}</dd><dt>Location</dt>'
            f"<dd>{esc(COUNTRIES[member.country][0])}</dd></dl>\n"
            f'<div class="member-about">{esc(member.about)}</div>\n'
            f'<div class="member-pgp"><h2>Public key</h2><pre class="pgp-block">'
            f'{esc(member.pgp_key)}</pre></div>\n<div class="member-wallets">{wallets}</div></div>'
        )
        return self._frame(member.handle, main)


def _replies_label(count: int) -> str:
    return f"{count} reply" if count == 1 else f"{count} replies"


def _rank(member: DemoVendor) -> str:
    return "Verified seller" if member.family == "arms" else "Member"


def _post(anchor: str, css: str, author: str, posted: str, body: str, offer: DemoOffer) -> str:
    stamp = posted.replace(" ", "T")
    return (
        f'<div class="{css}" id="{anchor}"><div class="post-side">'
        f'<a class="post-author" href="{href("member", author)}">{esc(author)}</a></div>'
        f'<div class="post-content"><div class="post-date"><time datetime="{stamp}">'
        f'{esc(posted)}</time></div><div class="post-body" lang="{offer.language}">{body}</div>'
        "</div></div>"
    )


def _first_body(offer: DemoOffer) -> str:
    images = "".join(f'<img src="{esc(src)}" alt="attachment">' for src in offer.images)
    methods = "".join(f'<span class="method">{esc(m)}</span> ' for m in offer.shipping_methods)
    meta = (
        ("Price", "offer-price", esc(offer.price_text)),
        ("Currency", "offer-currency", offer.currency),
        ("Ships from", "offer-ships-from", esc(offer.ships_from)),
        ("Ships to", "offer-ships-to", esc(offer.ships_to)),
        ("Shipping", "offer-shipping", methods.strip()),
        ("Quantity", "offer-quantity", str(offer.quantity)),
    )
    terms = "".join(f'<dt>{label}</dt><dd class="{css}">{value}</dd>' for label, css, value in meta)
    return (
        f"<p>{esc(offer.description)}</p>"
        f'<div class="post-images">{images}</div>'
        f'<div class="offer-meta"><dl>{terms}</dl></div>'
    )


def _pagination(board: Category, page: int, pages: int) -> str:
    base = href("board", board.slug)
    numbers = " ".join(
        f'<span class="page-num current">{n}</span>'
        if n == page
        else f'<a class="page-num" href="{base}?page={n}">{n}</a>'
        for n in range(1, pages + 1)
    )
    nxt = f' <a class="next-page" href="{base}?page={page + 1}">Next ›</a>' if page < pages else ""
    info = f'<span class="pages">Page {page} of {pages}</span>'
    return f'<div class="pagination">{info} {numbers}{nxt}</div>'
