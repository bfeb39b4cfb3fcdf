"""`LoginRedirectMiddleware`: keeps a redirect to the login page from being followed."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawlers.challenges import pages
from crawlers.challenges.config import ChallengeConfig
from crawlers.challenges.pages import INTERNAL, KEPT_FROM_LOGIN


class LoginRedirectMiddleware:
    """Keeps a redirect to the login page from being followed, so `ChallengeMiddleware` sees it.

    Followed, such redirects all become requests for the login URL, which the duplicate filter
    drops after the first: the pages asked for would be lost. At order 610 it sees responses
    before RedirectMiddleware (600) does, and only sets `dont_redirect` on those requests;
    `ChallengeMiddleware` (585) then takes the redirect as an expired session.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LoginRedirectMiddleware:
        if ChallengeConfig.from_settings(crawler.settings) is None:
            raise NotConfigured("no login for this source")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        login = getattr(getattr(self.crawler.spider, "source", None), "login", None)
        if (
            login is not None
            and not request.meta.get(INTERNAL)
            and not request.meta.get("dont_redirect")
            and pages.redirects_to_login(login, response)
        ):
            request.meta["dont_redirect"] = True
            request.meta[KEPT_FROM_LOGIN] = True
        return response
