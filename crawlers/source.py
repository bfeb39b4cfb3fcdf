"""The `Source` model: one site to crawl, written by a person as `sources/<name>.yaml`.

Validated with pydantic (`extra="forbid"` everywhere), so a typo in a key, a wrong type or a
selector that does not compile is an error at load time that names the file and field.
"""

from __future__ import annotations

import re

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from crawlers.access import AccessMixin
from crawlers.listing import SourceKind
from crawlers.selectors import FieldSelector

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pagination(_Config):
    """How to reach the next index page: a next-link selector or a URL pattern."""

    next: FieldSelector | None = Field(default=None, description="selector of the next-page link")
    url_pattern: str | None = Field(
        default=None,
        description="URL of page N, with `{page}` (and optionally `{url}`, the first page's URL)",
        examples=["{url}?page={page}"],
    )
    first_page: int = Field(
        default=1, ge=0, description="the number of the first page in url_pattern"
    )
    max_pages: int = Field(default=100, ge=1, description="pages followed per index, at most")

    @model_validator(mode="after")
    def _one_way(self) -> Pagination:
        if self.next is None and self.url_pattern is None:
            raise ValueError("give `next` (a selector) or `url_pattern` (with {page})")
        if self.url_pattern is not None and "{page}" not in self.url_pattern:
            raise ValueError("`url_pattern` must contain `{page}`")
        return self


class DetailPage(_Config):
    """Selectors on a listing's own page. Only `title` is required."""

    title: FieldSelector
    description: FieldSelector | None = None
    price: FieldSelector | None = None
    currency: FieldSelector | None = None
    vendor: FieldSelector | None = None
    vendor_url: FieldSelector | None = None
    category: FieldSelector | None = Field(
        default=None, description="the site's category path (use `many: true` for breadcrumbs)"
    )
    ships_from: FieldSelector | None = None
    ships_to: FieldSelector | None = None
    shipping_methods: FieldSelector | None = None
    quantity: FieldSelector | None = None
    listing_id: FieldSelector | None = None
    listing_id_pattern: str | None = Field(
        default=None,
        description="regular expression whose first group is the listing id in the URL",
    )
    images: FieldSelector | None = None
    posted: FieldSelector | None = Field(default=None, description="when the offer was posted")
    language: FieldSelector | None = Field(
        default=None, description="the page's language, e.g. `xpath:/html/@lang`"
    )

    @field_validator("listing_id_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled = re.compile(value)
            except (re.error, OverflowError, RecursionError) as exc:  # huge {n}, deep ( )
                raise ValueError(f"not a valid regular expression: {value!r} ({exc})") from exc
            if compiled.groups < 1:
                raise ValueError("the pattern needs one group `( )` around the id")
        return value


class ListingCards(DetailPage):
    """Listings read from the cards of index pages: each `card` element is one listing, its
    fields read with the detail page's selectors under the card (only `title` and `url` are
    required). With a `detail` section too, each card's detail page is fetched and its fields
    fill in (and win over) the card's; a card whose detail page cannot be had stays as read."""

    card: FieldSelector = Field(description="each card element of an index page")
    url: FieldSelector = Field(description="the listing's link in the card (e.g. attr: href)")


class IndexPage(_Config):
    """Selectors on index pages (category pages, search results, board listings)."""

    listing_links: FieldSelector | None = Field(
        default=None, description="links to listing detail pages"
    )
    cards: ListingCards | None = Field(
        default=None, description="listing cards: listings read from the index page itself"
    )
    follow: list[FieldSelector] = Field(
        default_factory=list, description="links to more index pages, e.g. a category tree"
    )
    pagination: Pagination | None = None

    @model_validator(mode="after")
    def _finds_listings(self) -> IndexPage:
        if self.listing_links is None and self.cards is None:
            raise ValueError("give `listing_links` (to detail pages) or `cards`, or both")
        return self


class VendorPage(_Config):
    """Selectors on a vendor's profile page (followed from `detail.vendor_url`)."""

    about: FieldSelector | None = None
    pgp_key: FieldSelector | None = None
    crypto_addresses: FieldSelector | None = None


class Defaults(_Config):
    """Values used when a page does not state them."""

    currency: str | None = Field(default=None, description="ISO 4217 code or crypto ticker")
    ships_from: list[str] = Field(default_factory=list)
    language: str | None = None


class Limits(_Config):
    max_pages: int = Field(default=5000, ge=1, description="pages fetched per run, at most")
    max_depth: int = Field(default=20, ge=0, description="link depth from the start URLs")
    max_listings: int | None = Field(default=None, ge=1)
    max_duration: float | None = Field(
        default=None, gt=0, description="seconds a run may take before it is stopped cleanly"
    )
    allowed_domains: list[str] = Field(
        default_factory=list,
        description="host names the crawl may visit; default: those of start_urls",
    )
    # safety against hostile and broken sites (crawlers.safety): what is cut is an anomaly
    max_page_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=64 * 1024,
        description="bytes of a page, downloaded or decompressed, at most (bigger: skipped)",
    )
    max_redirects: int = Field(default=5, ge=0, le=30, description="redirects followed per page")
    max_url_length: int = Field(
        default=2048, ge=64, description="characters of a followed link, at most (traps)"
    )
    max_path_repeats: int = Field(
        default=3,
        ge=2,
        description="times one path segment may appear in a followed link",
    )
    calendar_years: int = Field(
        default=10,
        ge=1,
        description="links naming a date more than this many years ago (or more than a year"
        " ahead) are not followed: calendar traps",
    )
    parse_seconds: float = Field(
        default=10.0, gt=0, description="CPU seconds for reading one page's fields, at most"
    )
    max_parse_depth: int = Field(
        default=512, ge=32, description="element nesting a page may have before it is flagged"
    )
    max_field_chars: int = Field(
        default=200_000, ge=1000, description="characters kept of one field's text"
    )


class Photos(_Config):
    """Listing images: downloaded through the source's network, hashed and stored once."""

    download: bool = Field(
        default=True, description="download, hash and keep the listing images (`crawlers.photos`)"
    )
    max_per_listing: int = Field(
        default=4, ge=1, le=50, description="images of a listing downloaded, at most (the first)"
    )


class RateLimit(_Config):
    concurrency: int = Field(default=4, ge=1, le=64, description="parallel requests per domain")
    download_delay: float = Field(default=1.0, ge=0, description="seconds between requests")
    autothrottle: bool = True
    autothrottle_target_concurrency: float = Field(default=2.0, gt=0)
    retries: int = Field(default=3, ge=0, le=20)
    timeout: float = Field(default=60.0, gt=0, description="seconds per request")
    retry_after_max: float = Field(
        default=120.0,
        ge=0,
        description="seconds waited at most when a site answers 429 or 503 with Retry-After",
    )


class Source(AccessMixin):
    """One site to crawl (how it is reached: `crawlers.access`)."""

    name: str = Field(description="unique id, lower case letters, digits, '-' and '_'")
    market: str | None = Field(default=None, description="display name of the site; default: name")
    kind: SourceKind
    start_urls: list[AnyHttpUrl] = Field(min_length=1)
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes")
    index: IndexPage
    detail: DetailPage | None = Field(
        default=None, description="selectors on a listing's own page (optional with `cards`)"
    )
    vendor_page: VendorPage | None = None
    defaults: Defaults = Field(default_factory=Defaults)
    limits: Limits = Field(default_factory=Limits)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    photos: Photos = Field(default_factory=Photos)
    schedule: str | None = Field(default=None, description="cron expression, e.g. '0 */6 * * *'")
    schedule_jitter: int = Field(
        default=0, ge=0, description="seconds a scheduled run may start late, chosen at random"
    )
    removed_after: int = Field(
        default=2, ge=1, description="complete crawls a listing may be missing before `removed`"
    )
    evidence_retention_days: int | None = Field(
        default=None,
        ge=1,
        description="days its captures are kept before `armswatch evidence prune` removes"
        " them (unless a case holds them); none: kept for good",
    )

    @model_validator(mode="after")
    def _detail_pages_are_read(self) -> Source:
        if self.detail is None and self.index.listing_links is not None:
            raise ValueError("`index.listing_links` lead to detail pages: give `detail` too")
        return self

    @field_validator("name")
    @classmethod
    def _name_is_slug(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use lower case letters, digits, '-' and '_' (e.g. 'demo-market')")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(f"not a cron expression: {value!r} ({exc})") from exc
        return value

    @field_validator("languages")
    @classmethod
    def _languages_are_codes(cls, value: list[str]) -> list[str]:
        import pycountry

        for code in value:
            if pycountry.languages.get(alpha_2=code) is None:
                raise ValueError(f"{code!r} is not an ISO 639-1 language code (e.g. 'en', 'de')")
        return value

    @property
    def market_name(self) -> str:
        return self.market or self.name

    @property
    def domains(self) -> list[str]:
        if self.limits.allowed_domains:
            return list(self.limits.allowed_domains)
        return sorted({url.host for url in self.start_urls if url.host})
