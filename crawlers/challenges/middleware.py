"""`ChallengeMiddleware`: logs a source in as its persona, keeps the session, waits out queue
pages and hands CAPTCHAs to an analyst.

- Before the first request: load the saved session of (source, persona), or else log in.
- A queue page (`queue.detect`) is retried every `queue.wait` seconds, up to `queue.max_wait`.
- A CAPTCHA page (`captcha.detect`) pauses the source (no request of it is sent meanwhile),
  files a task with the image (`CaptchaStore`), polls for the analyst's answer, submits it
  through the CAPTCHA form and retries the page.
- A page that shows the login form again, or a redirect to the login URL, means the session
  expired: one re-login, then the page is retried; expired again right after a re-login stops
  the source with a clear error instead of looping.
- At the end of the crawl the session's cookies are saved for the next run.

Requests it sends itself (login, CAPTCHA image and answer) go through `engine.download_async`
and so through the source's proxy and Scrapy's cookie jar, flagged in `meta[INTERNAL]`.
Several responses can meet the same CAPTCHA or expiry at once: a lock and a session
generation make only the first one act; the others just retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, TypeVar

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_from_coro

from crawlers.challenges import pages, sessions
from crawlers.challenges.config import ChallengeConfig
from crawlers.challenges.pages import INTERNAL, KEPT_FROM_LOGIN, AccessError, present
from crawlers.challenges.store import CaptchaStore
from crawlers.personas import Credentials, PersonaError, load_credentials, session_file
from crawlers.source import Source

logger = logging.getLogger(__name__)

GENERATION = "armswatch_session_generation"
RELOGGED = "armswatch_relogged"
RETRIES = "armswatch_challenge_retries"
QUEUE_SINCE = "armswatch_queue_since"
MAX_RETRIES = 5
MAX_CAPTCHA_ROUNDS = 3
T = TypeVar("T")


class ChallengeMiddleware:
    def __init__(self, crawler: Crawler, config: ChallengeConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.store = CaptchaStore(config.captcha_db)
        self._lock = asyncio.Lock()
        self._running = asyncio.Event()
        self._running.set()
        self._generation = 0
        self._started = False
        self._failure: str | None = None
        self._credentials: Credentials | None = None
        self._closing: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        config = ChallengeConfig.from_settings(crawler.settings)
        if config is None:
            raise NotConfigured("no login, CAPTCHA or queue page for this source")
        middleware = cls(crawler, config)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def source(self) -> Source:
        source = getattr(self.crawler.spider, "source", None)
        if not isinstance(source, Source):
            raise RuntimeError("ChallengeMiddleware needs a spider with a `source`")
        return source

    # --- requests ------------------------------------------------------------------------------

    async def process_request(self, request: Request) -> None:
        if request.meta.get(INTERNAL):
            return
        if not self._started:
            await self._start()
        await self._running.wait()
        self._check_running()
        request.meta[GENERATION] = self._generation

    async def _start(self) -> None:
        async with self._lock:
            if self._started:
                return
            self._started = True
            try:
                await self._paused(self._open_session())
            except AccessError as error:
                self._fail(error)

    async def _open_session(self) -> None:
        login = self.source.login
        if login is None:
            return
        self._persona_credentials()  # missing credentials stop the source before any request
        jar = self._cookie_jar()
        path = self._session_path()
        if jar is not None and path is not None and sessions.load_cookies(jar, path):
            self._inc("session_loaded")
            self._log(logging.INFO, "session_loaded", "reusing the saved session")
            return
        await self._login()

    # --- responses -----------------------------------------------------------------------------

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        source = self.source
        if (
            source.login is not None
            and not request.meta.get(INTERNAL)
            and pages.redirects_to_login(source.login, response)
        ):
            return await self._after_expiry(request, response)
        if not isinstance(response, TextResponse):
            return response
        if source.queue is not None and present(source.queue.detect, response):
            return await self._after_queue(request, response)
        if request.meta.get(INTERNAL):
            return response
        if source.captcha is not None and present(source.captcha.detect, response):
            return await self._after_captcha(request, response)
        if source.login is not None and (
            pages.redirected_to_login(source.login, request, response)
            or pages.login_form_shown(source.login, response)
        ):
            return await self._after_expiry(request, response)
        return response

    async def _after_queue(self, request: Request, response: TextResponse) -> Request:
        queue = self.source.queue
        assert queue is not None
        since = request.meta.get(QUEUE_SINCE, time.monotonic())
        if time.monotonic() - since + queue.wait > queue.max_wait:
            self._inc("queue_gave_up")
            message = f"still a queue page after {queue.max_wait:g} s: {response.url}"
            self._log(logging.ERROR, "queue_gave_up", message, url=response.url)
            raise IgnoreRequest(message)
        self._inc("queue_waits")
        self._log(logging.INFO, "queue_wait", f"queue page, retrying in {queue.wait:g} s")
        await asyncio.sleep(queue.wait)
        meta = {**request.meta, QUEUE_SINCE: since}
        return request.replace(meta=meta, dont_filter=True)

    async def _after_captcha(self, request: Request, response: TextResponse) -> Request:
        await self._renew_session(request, lambda: self._through_captchas(response))
        return self._retry(request)

    async def _after_expiry(self, request: Request, response: Response) -> Request:
        if request.meta.get(RELOGGED):
            self._fail(AccessError(
                "session_expired",
                f"the session of persona {self.source.persona!r} expired again right after a "
                f"re-login ({pages.original_url(request)}): stopping instead of looping; check "
                "the `login` section (success / expired selectors) of the source",
            ))  # fmt: skip
            raise IgnoreRequest("session expired after re-login")

        async def relogin() -> None:
            self._inc("relogins")
            self._log(logging.WARNING, "session_expired", "session expired, logging in again")
            await self._login()

        await self._renew_session(request, relogin)
        return self._retry(request, relogged=True)

    async def _renew_session(
        self, request: Request, renew: Callable[[], Awaitable[object]]
    ) -> None:
        """Run `renew` (a CAPTCHA answer or a re-login) with the source paused, unless another
        response already renewed the session `request` was sent in."""
        async with self._lock:
            self._check_running()
            if request.meta.get(GENERATION) != self._generation:
                return
            try:
                await self._paused(renew())
            except AccessError as error:
                self._fail(error)
                raise IgnoreRequest(str(error)) from None
            self._generation += 1

    def _retry(self, request: Request, *, relogged: bool = False) -> Request:
        retries = request.meta.get(RETRIES, 0) + 1
        if retries > MAX_RETRIES:
            self._inc("gave_up")
            raise IgnoreRequest(f"challenge after {MAX_RETRIES} retries: {request.url}")
        meta = {k: v for k, v in request.meta.items() if k not in pages.REDIRECT_KEYS}
        if meta.pop(KEPT_FROM_LOGIN, False):
            meta.pop("dont_redirect", None)
        meta[RETRIES] = retries
        if relogged:
            meta[RELOGGED] = True
        return request.replace(url=pages.original_url(request), meta=meta, dont_filter=True)

    # --- login and CAPTCHA ---------------------------------------------------------------------

    async def _login(self) -> None:
        login = self.source.login
        assert login is not None
        credentials = self._persona_credentials()
        page = await self._through_captchas(await self._fetch_page(Request(str(login.url))))
        if present(login.success, page) and not pages.login_form_shown(login, page):
            return  # the session was still good
        page = await self._fetch_page(pages.login_request(page, login, credentials))
        page = await self._through_captchas(page)
        if not present(login.success, page):
            raise AccessError(
                "login_failed",
                f"login as persona {credentials.persona!r} failed at {login.url}: the page after "
                "signing in does not show `login.success` (wrong credentials, or a changed form)",
            )
        self._inc("logins")
        self._log(logging.INFO, "logged_in", "logged in")

    async def _through_captchas(self, page: TextResponse) -> TextResponse:
        captcha = self.source.captcha
        for _ in range(MAX_CAPTCHA_ROUNDS):
            if captcha is None or not present(captcha.detect, page):
                return page
            answer = await self._ask_analyst(page)
            page = await self._fetch_page(pages.captcha_request(page, captcha, answer))
        raise AccessError(
            "captcha_failed", f"{MAX_CAPTCHA_ROUNDS} CAPTCHA answers in a row were refused"
        )

    async def _ask_analyst(self, page: TextResponse) -> str:
        captcha = self.source.captcha
        assert captcha is not None
        url = pages.captcha_image_url(page, captcha)
        if url.startswith("data:"):
            image = pages.decode_data_url(url)
        else:
            image = (await self._fetch(Request(url))).body
        task = self.store.file(self.source.name, self.source.persona, page.url, image)
        self._inc("captchas")
        self._log(
            logging.WARNING,
            "captcha_task",
            f"CAPTCHA: the crawl waits for `armswatch captcha solve {task.id} ANSWER` "
            f"(image {task.image_path})",
            task=task.id,
        )
        deadline = time.monotonic() + captcha.timeout
        while True:
            current = self.store.get(task.id)
            if current is not None and current.status == "answered" and current.answer:
                return current.answer
            if current is None or current.status == "expired" or time.monotonic() > deadline:
                self.store.expire(task.id)
                raise AccessError(
                    "captcha_timeout",
                    f"CAPTCHA task {task.id} was not answered within {captcha.timeout:g} s",
                )
            await asyncio.sleep(self.config.captcha_poll)

    async def _fetch(self, request: Request) -> Response:
        """Download `request` now, through the other downloader middlewares (proxy, cookies)."""
        request = request.replace(meta={**request.meta, INTERNAL: True}, dont_filter=True)
        engine = self.crawler.engine
        assert engine is not None
        try:
            return await engine.download_async(request)
        except Exception as error:  # network errors, refused requests: all fatal to a login
            raise AccessError(
                "access_failed", f"{request.url}: {type(error).__name__}: {error}"
            ) from None

    async def _fetch_page(self, request: Request) -> TextResponse:
        response = await self._fetch(request)
        if not isinstance(response, TextResponse):
            raise AccessError("access_failed", f"{response.url}: expected a page, got a file")
        return response

    # --- state ---------------------------------------------------------------------------------

    async def _paused(self, work: Awaitable[T]) -> T:
        """Run `work` with every other request of the source held back."""
        self._running.clear()
        try:
            return await work
        finally:
            self._running.set()

    def _check_running(self) -> None:
        if self._failure is not None:
            raise IgnoreRequest(f"{self.source.name} stopped: {self._failure}")

    def _fail(self, error: AccessError) -> None:
        if self._failure is not None:
            return
        self._failure = str(error)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("armswatch/access/error", str(error))
        self._log(logging.ERROR, "access_failed", str(error), reason=error.reason)
        self._running.set()
        engine = self.crawler.engine
        if engine is not None:
            self._closing = deferred_from_coro(engine.close_spider_async(reason=error.reason))

    def _persona_credentials(self) -> Credentials:
        """The persona's credentials, read (environment or secrets file) once per crawl."""
        if self._credentials is not None:
            return self._credentials
        persona = self.source.persona
        if persona is None:
            raise AccessError("persona_missing", "a `login` needs a `persona`")
        try:
            self._credentials = load_credentials(persona, self.config.secrets_file)
        except PersonaError as error:
            raise AccessError("persona_missing", str(error)) from None
        return self._credentials

    def _session_path(self) -> Path | None:
        persona = self.source.persona
        if persona is None:
            return None
        return session_file(self.config.sessions_dir, self.source.name, persona)

    def _cookie_jar(self) -> CookieJar | None:
        engine = self.crawler.engine
        manager = engine.downloader.middleware if engine is not None else None
        for component in getattr(manager, "middlewares", ()):
            if isinstance(component, CookiesMiddleware):
                return component.jars[None].jar
        return None

    def spider_closed(self, reason: str) -> None:
        path, jar = self._session_path(), self._cookie_jar()
        if self.source.login is None or path is None or jar is None:
            return
        if self._failure is not None:
            sessions.forget(path)
            return
        if self._started:
            count = sessions.save_cookies(jar, path)
            self._log(logging.INFO, "session_saved", f"session saved ({count} cookies)")

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"armswatch/access/{key}")

    def _log(self, level: int, event: str, message: str, **fields: Any) -> None:
        source = self.source
        extra = {"event": event, "source": source.name, "persona": source.persona, **fields}
        logger.log(level, "%s: %s", source.name, message, extra=extra)
