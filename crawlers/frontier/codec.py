"""Requests to bytes and back, for the frontier's SQLite rows.

A request is stored as the pickled `Request.to_dict(spider=...)` (the successor of Scrapy's
`request_to_dict`; pickle, because a browser request's meta holds scrapy-playwright
`PageMethod` objects, which JSON cannot carry) and rebuilt with `request_from_dict`, its
callback and errback looked up on the spider by name. A request that cannot be stored (a
callback that is no spider method, a meta value that does not pickle) encodes to None and is
kept in memory by the scheduler instead.

Only requests the spider built are stored (see `crawlers.frontier.scheduler`), before any
downloader middleware has seen them, so no proxy route (`meta["proxy"]` carries the SOCKS
isolation credentials) or session is on them; the credential headers are dropped anyway.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict

logger = logging.getLogger(__name__)

PROTOCOL = 5
SECRET_HEADERS = frozenset({b"authorization", b"cookie", b"proxy-authorization"})


def encode(request: Request, spider: Spider) -> bytes | None:
    """The request as bytes, or None when it cannot be stored."""
    try:
        fields = request.to_dict(spider=spider)
        fields["headers"] = _safe_headers(fields.get("headers") or {})
        return pickle.dumps(fields, protocol=PROTOCOL)
    except (ValueError, TypeError, AttributeError, pickle.PicklingError) as error:
        logger.debug("request %s stays in memory: %s", request, error)
        return None


def decode(data: bytes, spider: Spider) -> Request:
    """The request again, its callbacks bound to `spider` (ValueError if it has none)."""
    fields = pickle.loads(data)
    if not isinstance(fields, dict):
        raise ValueError(f"a frontier row holds {type(fields).__name__}, not a request")
    return request_from_dict(fields, spider=spider)


def _safe_headers(headers: dict[Any, Any]) -> dict[Any, Any]:
    return {name: value for name, value in headers.items() if _lower(name) not in SECRET_HEADERS}


def _lower(name: str | bytes) -> bytes:
    return (name.encode("latin-1") if isinstance(name, str) else name).lower()
