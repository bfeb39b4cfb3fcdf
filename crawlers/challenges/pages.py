"""Reading challenge pages: is this a login, CAPTCHA or queue page, and the forms that answer them.

Pure functions over Scrapy responses, so they are tested without a crawl.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import FormRequest, Request, Response, TextResponse
from w3lib.url import parse_data_uri

from crawlers.access import Captcha, Login
from crawlers.challenges.forms import form_request
from crawlers.errors import CrawlersError
from crawlers.personas import Credentials
from crawlers.selectors import FieldSelector

REDIRECT_KEYS = ("redirect_times", "redirect_ttl", "redirect_urls", "redirect_reasons")
INTERNAL = "armswatch_challenge"  # meta of the requests the challenge middleware sends itself
KEPT_FROM_LOGIN = "armswatch_kept_from_login"  # `dont_redirect` set by LoginRedirectMiddleware


class AccessError(CrawlersError):
    """A source cannot be reached as its persona: login failed, CAPTCHA unanswered, ...

    `reason` becomes the crawl's finish reason (e.g. `login_failed`).
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def present(selector: FieldSelector, response: TextResponse) -> bool:
    """Whether the selector finds something on the page (a value, if it takes one)."""
    if selector.regex is not None or selector.attr is not None:
        return bool(selector.values(response.selector))
    return bool(selector.select(response.selector))


def login_form_shown(login: Login, response: TextResponse) -> bool:
    """Whether the page asks to sign in (`login.expired`, else the login form's two inputs)."""
    if login.expired is not None:
        return present(login.expired, response)
    page = response.selector
    return bool(page.css(login.username_field)) and bool(page.css(login.password_field))


def redirected_to_login(login: Login, request: Request, response: TextResponse) -> bool:
    """Whether the request was redirected to the login page."""
    return bool(request.meta.get("redirect_urls")) and _is_login_url(login, response.url)


def redirects_to_login(login: Login, response: Response) -> bool:
    """Whether the response is a redirect (3xx) to the login page."""
    location = response.headers.get(b"Location")
    if not 300 <= response.status < 400 or not location:
        return False
    return _is_login_url(login, urljoin(response.url, location.decode("latin-1")))


def _is_login_url(login: Login, url: str) -> bool:
    """Whether `url` is the login page (same host, port and path; the query may differ)."""
    here, there = urlsplit(url), urlsplit(str(login.url))
    return (here.hostname, here.port, here.path) == (there.hostname, there.port, there.path)


def original_url(request: Request) -> str:
    """The URL first asked for, before any redirect."""
    urls = request.meta.get("redirect_urls")
    return str(urls[0]) if urls else request.url


def login_request(response: TextResponse, login: Login, credentials: Credentials) -> FormRequest:
    """The login form of the page, filled in with the persona's credentials."""
    user_name = _input_name(response, login.username_field, "username_field")
    password_name = _input_name(response, login.password_field, "password_field")
    form = next((form for form in response.css("form") if form.css(login.username_field)), None)
    if form is None:
        raise AccessError(
            "login_failed", f"{response.url}: the login inputs are not inside a <form>"
        )
    values = {user_name: credentials.username, password_name: credentials.password}
    return form_request(response, form, values, button=_submit_button(form, login))


def _submit_button(form: Selector, login: Login) -> Selector | None:
    """The `login.submit` button (None: the form's first button)."""
    if login.submit is None:
        return None
    buttons = form.css(login.submit)
    if not buttons:
        raise AccessError("login_failed", f"no submit button {login.submit!r} in the login form")
    return buttons[0]


def captcha_request(response: TextResponse, captcha: Captcha, answer: str) -> FormRequest:
    """The CAPTCHA form of the page with the analyst's answer."""
    forms = response.css(captcha.form)
    if not forms:
        raise AccessError("captcha_failed", f"{response.url}: no CAPTCHA form {captcha.form!r}")
    return form_request(response, forms[0], {captcha.answer_field: answer})


def captcha_image_url(response: TextResponse, captcha: Captcha) -> str:
    source = captcha.image.first(response.selector)
    if not source:
        raise AccessError(
            "captcha_failed", f"{response.url}: the CAPTCHA `image` selector matched nothing"
        )
    return response.urljoin(source)


def decode_data_url(url: str) -> bytes:
    """The bytes of a `data:` URL (a CAPTCHA inlined into the page)."""
    try:
        return parse_data_uri(url).data
    except ValueError as error:
        message = f"the CAPTCHA image URL is unreadable: {error}"
        raise AccessError("captcha_failed", message) from None


def _input_name(response: TextResponse, selector: str, field: str) -> str:
    found = response.css(selector)
    name = found[0].attrib.get("name") if found else None
    if not name:
        what = "matched nothing" if not found else "matched an input without a `name`"
        raise AccessError("login_failed", f"{response.url}: login.{field} {selector!r} {what}")
    return name
