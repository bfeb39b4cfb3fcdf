"""Hostile Bazaar: a badly built, hostile clear-web market for testing the crawler's defences.

Criminal markets are slow, broken and sometimes hostile on purpose. This fixture serves, on
127.0.0.1, 30 ordinary firearms listings (`NORMAL_LISTINGS`) among pages that attack a crawler
(`HOSTILE_PAGES`): decompression bombs, 50 MiB pages, 200,000 nested divs, mis-labelled
charsets, broken HTML, crawler traps, slow and stalled bodies, resets, 429/503 and redirect
loops, and pages hostile only to a browser. Two listings (`PATIENT_LISTINGS`) answer only a
crawler that honours Retry-After. `hostile_source_yaml` renders the source that crawls it.

    with HostileSite() as site:
        text = hostile_source_yaml(site.base_url)

Modules: `catalog` (the listings), `manifest` (the hostile pages), `pages` (ordinary pages),
`bombs`, `payloads` (huge, deep, charset, malformed), `traps`, `network`, `browser_pages`,
`exchange` (what a handler can do with a connection), `server`, `source_yaml`.
"""

from armswatch.demo.hostile.catalog import NORMAL_LISTINGS, PATIENT_LISTINGS, NormalListing
from armswatch.demo.hostile.manifest import HOSTILE_PAGES, HostilePage
from armswatch.demo.hostile.server import DEFAULT_PORT, HostileSite
from armswatch.demo.hostile.source_yaml import hostile_source_yaml

__all__ = [
    "DEFAULT_PORT",
    "HOSTILE_PAGES",
    "NORMAL_LISTINGS",
    "PATIENT_LISTINGS",
    "HostilePage",
    "HostileSite",
    "NormalListing",
    "hostile_source_yaml",
]
