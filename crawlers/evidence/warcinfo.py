"""What the `warcinfo` record at the start of each WARC file says about the crawl.

The fields (`application/warc-fields`, one `name: value` a line) follow the WARC 1.1 spec's
suggestions (`software`, `format`, `conformsTo`, `isPartOf`, `http-header-user-agent`) and add
what an analyst needs to show how the pages were fetched: the source definition as crawled
(its JSON and SHA-256, to match a copy of the YAML), the network, the proxy (with no user name
or password: Tor isolation credentials are a per-run secret) and the time the file was begun.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

FORMAT = "WARC File Format 1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


@dataclass(frozen=True)
class CrawlInfo:
    """The crawl a WARC file is part of."""

    source: str
    source_json: str  # the source definition, `Source.model_dump_json()`
    network: str  # clearnet / tor / i2p
    proxy_url: str | None  # None: a direct connection; credentials are removed when written
    user_agent: str

    def fields(self) -> dict[str, str]:
        """The warcinfo fields, in order, as of now."""
        return {
            "software": f"armswatch {software_version()}",
            "format": FORMAT,
            "conformsTo": CONFORMS_TO,
            "isPartOf": self.source,
            "http-header-user-agent": self.user_agent,
            "network": self.network,
            "proxy": proxy_without_credentials(self.proxy_url) or "none (direct connection)",
            "source-definition": self.source_json,
            "source-definition-sha256": hashlib.sha256(self.source_json.encode()).hexdigest(),
            "created": datetime.now(UTC).isoformat(),
        }


def proxy_without_credentials(url: str | None) -> str | None:
    """`url` with no user name or password (and no path, query or fragment)."""
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "", "", ""))


def software_version() -> str:
    """The installed armswatch version ("dev" when run from a tree that is not installed)."""
    try:
        return importlib.metadata.version("armswatch")
    except importlib.metadata.PackageNotFoundError:
        return "dev"
