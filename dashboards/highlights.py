"""Search highlights as safe HTML: only `<mark>` is markup, everything else is text.

A backend's fragments (`SearchHit.highlights`) come HTML-escaped with the matched words in
`<mark>…</mark>`. The text between the marks is read back to plain text (entities resolved)
and escaped again, so whatever a captured page or a backend put there, no tag but `<mark>`
and no attribute reaches the page, and nothing is escaped twice.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

_MARKED = re.compile(r"<mark>(.*?)</mark>", re.S | re.I)


def marked_html(fragment: str) -> Markup:
    """The fragment as HTML with its `<mark>` spans kept and any other markup escaped."""
    parts = _MARKED.split(fragment)
    return Markup("").join(
        Markup("<mark>%s</mark>") % _text(part) if i % 2 else _text(part)
        for i, part in enumerate(parts)
    )


def _text(part: str) -> Markup:
    return escape(html.unescape(part))
