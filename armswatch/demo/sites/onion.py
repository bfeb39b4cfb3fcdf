"""Cinder Vault: the demo onion market. It needs a login, shows CAPTCHAs and a queue page, and
builds its listing pages with JavaScript from JSON (`armswatch.demo.sites.onion_pages`).

Served by `DemoSites` on loopback (default port 8304); the test SOCKS proxy maps `ONION_HOST`
to that port, so crawls reach it as `http://<ONION_HOST>/`. All links are site-absolute.

Behaviour, per session (cookie `vsid`):
- the first requests of a new session see a queue page for `queue_seconds`;
- every page but `/login` and the CAPTCHA images redirects (302) to `/login` until signed in;
- signing in (the demo persona: user `demo-analyst`, password `not-a-real-password-7f3`;
  synthetic, it opens nothing but this demo) is followed by a CAPTCHA, and so is every
  `captcha_every` pages; the answer of a challenge is `captcha_answer(challenge_id)`;
- `expire_sessions()` signs every session out on the server side; `session_pages` makes
  sessions time out after that many pages.

The market sells a subset of the demo market's catalog (`onion_offers(day)`): every
`STRIDE`-th offer whose texts JSON does not need to escape, so a regular expression over the
JSON reads them verbatim.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qs, urlsplit

from armswatch.demo.captcha_image import captcha_answer, captcha_png, challenge_id, check_answer
from armswatch.demo.catalog import offers_by_site
from armswatch.demo.model import DemoOffer
from armswatch.demo.sites import onion_pages as pages
from armswatch.demo.sites.page import PNG, Query, Response, offer_picture, paginate

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "ONION_HOST",
    "OnionOptions",
    "OnionRequest",
    "OnionResponse",
    "OnionSite",
    "captcha_answer",
    "expected_onion_listing",
    "onion_offers",
]

# A well-formed v3 onion address (checksum and version byte valid) of a synthetic key.
ONION_HOST = "obca7v6d3lslxro3gvg7bamsf6uhvn7tdkgyakozx7bxldhozxwxqryd.onion"
DEMO_USERNAME = "demo-analyst"
DEMO_PASSWORD = "not-a-real-password-7f3"  # synthetic demo credential, documented above
COOKIE = "vsid"
PER_PAGE = 25
STRIDE = 12
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f<>]')


@dataclass(frozen=True)
class OnionOptions:
    captcha_every: int = 25  # pages per session between CAPTCHAs (0: only after login)
    queue_seconds: float = 3.0  # how long a new session waits in the queue (0: no queue)
    queue_refresh: int = 5  # what the queue page's meta refresh says
    session_pages: int = 0  # a session is signed out after this many pages (0: never)


@dataclass(frozen=True)
class OnionRequest:
    method: str
    target: str  # path and query, as sent
    cookies: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> Query:
        return parse_qs(urlsplit(self.target).query)


@dataclass(frozen=True)
class OnionResponse(Response):
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Session:
    sid: str
    queued_until: float
    user: str | None = None
    challenge: str | None = None  # the pending CAPTCHA
    pages_since_captcha: int = 0
    pages_since_login: int = 0


def _plain(offer: DemoOffer) -> bool:
    texts = (offer.title, offer.description, offer.vendor, offer.ships_from, offer.ships_to)
    return not any(_NEEDS_ESCAPE.search(text) for text in (*texts, *offer.shipping_methods))


@cache
def onion_offers(day: int = 1) -> tuple[DemoOffer, ...]:
    """The offers Cinder Vault sells on `day` (a subset of the demo market's), by id."""
    market = sorted(offers_by_site(day)["market"], key=lambda offer: int(offer.offer_id))
    return tuple(offer for offer in market if int(offer.offer_id) % STRIDE == 0 and _plain(offer))


def expected_onion_listing(offer_id: str, day: int = 1) -> DemoOffer | None:
    """The offer `/listing/<offer_id>` shows on `day`, or None (404)."""
    return _offers_by_id(day).get(offer_id)


@cache
def _offers_by_id(day: int) -> dict[str, DemoOffer]:
    return {offer.offer_id: offer for offer in onion_offers(day)}


class OnionSite:
    """The market's state (sessions, challenges, counters) and its request handling."""

    name = pages.NAME

    def __init__(self, options: OnionOptions | None = None, day: Callable[[], int] = lambda: 1):
        self.options = options or OnionOptions()
        self._day = day
        self._sessions: dict[str, _Session] = {}
        self._challenges: list[str] = []
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    # --- for tests and the demo ------------------------------------------------------------

    def expire_sessions(self) -> int:
        """Sign every session out (as a server restart or a session timeout would)."""
        with self._lock:
            signed_in = [s for s in self._sessions.values() if s.user is not None]
            for session in signed_in:
                session.user = None
            return len(signed_in)

    def issued_challenges(self) -> list[str]:
        """Every CAPTCHA challenge id issued so far, oldest first."""
        with self._lock:
            return list(self._challenges)

    def count(self, event: str) -> int:
        with self._lock:
            return self.counts.get(event, 0)

    # --- request handling --------------------------------------------------------------------

    def handle(self, request: OnionRequest) -> OnionResponse:
        with self._lock:
            session, new = self._session(request.cookies.get(COOKIE))
            response = self._dispatch(request, session)
        headers = response.headers if isinstance(response, OnionResponse) else ()
        if new:
            cookie = f"{COOKIE}={session.sid}; Path=/; HttpOnly; SameSite=Lax"
            headers = (*headers, ("Set-Cookie", cookie))
        return OnionResponse(response.status, response.body, response.content_type, headers)

    def _session(self, sid: str | None) -> tuple[_Session, bool]:
        if sid and sid in self._sessions:
            return self._sessions[sid], False
        sid = secrets.token_urlsafe(18)
        session = _Session(sid=sid, queued_until=time.monotonic() + self.options.queue_seconds)
        self._sessions[sid] = session
        return session, True

    def _count(self, event: str) -> None:
        self.counts[event] = self.counts.get(event, 0) + 1

    def _dispatch(self, request: OnionRequest, session: _Session) -> Response:
        path = request.path
        if request.method == "GET" and (match := re.fullmatch(r"/captcha/(\w+)\.png", path)):
            return self._captcha_image(match.group(1))
        if time.monotonic() < session.queued_until:
            self._count("queue_pages")
            return pages.queue_page(self.options.queue_refresh)
        if path == "/login":
            return self._login(request, session)
        if session.user is not None and self._timed_out(session):
            session.user = None
            self._count("sessions_timed_out")
        if session.user is None:
            self._count("redirects_to_login")
            return _redirect("/login")
        if path == "/captcha" and request.method == "POST":
            return self._answer(request, session)
        if path == "/logout":
            session.user = None
            return _redirect("/login")
        if session.challenge is None and self._captcha_due(session):
            session.challenge = self._new_challenge(session)
        if session.challenge is not None:
            self._count("captcha_pages")
            return pages.captcha_page(session.challenge, request.target, user=session.user)
        session.pages_since_captcha += 1
        session.pages_since_login += 1
        self._count("pages")
        return self._page(path, request.query, session.user)

    def _timed_out(self, session: _Session) -> bool:
        limit = self.options.session_pages
        return limit > 0 and session.pages_since_login >= limit

    def _captcha_due(self, session: _Session) -> bool:
        every = self.options.captcha_every
        return every > 0 and session.pages_since_captcha >= every

    def _new_challenge(self, session: _Session) -> str:
        challenge = challenge_id(f"{session.sid}:{len(self._challenges)}")
        self._challenges.append(challenge)
        self._count("captchas_issued")
        return challenge

    def _captcha_image(self, challenge: str) -> Response:
        if challenge not in self._challenges:
            return pages.not_found_page()
        return Response(status=200, body=captcha_png(challenge), content_type=PNG)

    def _login(self, request: OnionRequest, session: _Session) -> Response:
        if request.method != "POST":
            if session.user:
                return _redirect("/")
            self._count("login_forms")
            return pages.login_page()
        self._count("login_posts")
        username, password = request.form.get("username", ""), request.form.get("password", "")
        if not (
            secrets.compare_digest(username, DEMO_USERNAME)
            and secrets.compare_digest(password, DEMO_PASSWORD)
        ):
            self._count("login_failures")
            return pages.login_page(failed=True)
        session.user = username
        session.pages_since_login = 0
        session.challenge = self._new_challenge(session)
        return _redirect("/")

    def _answer(self, request: OnionRequest, session: _Session) -> Response:
        challenge, answer = request.form.get("challenge", ""), request.form.get("answer", "")
        next_path = request.form.get("next", "/")
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/"
        if session.challenge is None:
            return _redirect(next_path)
        if challenge == session.challenge and check_answer(challenge, answer):
            self._count("captchas_solved")
            session.challenge = None
            session.pages_since_captcha = 0
        else:
            self._count("captcha_failures")
            session.challenge = self._new_challenge(session)
        return _redirect(next_path)

    def _page(self, path: str, query: Query, user: str) -> Response:
        offers = onion_offers(self._day())
        if path == "/":
            paged = paginate(offers, query, PER_PAGE)
            if paged is None:
                return pages.not_found_page()
            shown, page, count = paged
            return pages.index_page(list(shown), page, count, user=user)
        if match := re.fullmatch(r"/listing/(\d+)", path):
            offer = expected_onion_listing(match.group(1), self._day())
            return pages.listing_page(offer, user=user) if offer else pages.not_found_page()
        if match := re.fullmatch(r"/img/(\d+)-\d+\.jpg", path):  # the market's photos
            offer = expected_onion_listing(match.group(1), self._day())
            if offer is not None and path in offer.images:
                return offer_picture(offer, path)
        return pages.not_found_page()


def _redirect(location: str) -> OnionResponse:
    body = f'<a href="{location}">{location}</a>'.encode()
    return OnionResponse(302, body, headers=(("Location", location),))
