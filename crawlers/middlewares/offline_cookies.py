"""Scrapy's cookie middleware without its network access.

Scrapy's `CookiesMiddleware` asks `tldextract` whether a cookie's domain is a public suffix,
and `tldextract` downloads the Public Suffix List from publicsuffix.org (then GitHub) the first
time: a direct clearnet connection and DNS look-up from a crawler that must only talk through
its proxy. This subclass answers from the list bundled with `tldextract`, offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookiejar import Cookie

from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http.cookies import CookieJar
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

STOCK = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
OFFLINE = "crawlers.middlewares.offline_cookies.OfflineCookiesMiddleware"
ORDER = 700  # where Scrapy puts its own
_SUFFIXES = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def is_public_suffix(domain: str) -> bool:
    """Whether `domain` is a public suffix such as `co.uk` (bundled list, no network)."""
    return not _SUFFIXES(domain).domain


class OfflineCookiesMiddleware(CookiesMiddleware):
    def _process_cookies(
        self, cookies: Iterable[Cookie], *, jar: CookieJar, request: Request
    ) -> None:
        hostname = urlparse_cached(request).hostname
        if hostname is None:
            return
        request_domain = hostname.lower()
        for cookie in cookies:
            cookie_domain = cookie.domain.removeprefix(".")
            if cookie_domain and is_public_suffix(cookie_domain):
                if cookie_domain != request_domain:
                    continue
                cookie.domain = request_domain
            jar.set_cookie_if_ok(cookie, request)
