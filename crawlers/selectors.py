"""Field selectors of a source definition, and how they pull values out of a page.

A selector is written either as a plain string (a CSS selector, or an XPath after the prefix
`xpath:`) or as a mapping with exactly one of `css` / `xpath` and optional modifiers. Every
selector is compiled when the source is loaded, so a typo fails at validation, not mid-crawl.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_CSS = HTMLTranslator()
# parsel's default namespaces, so an XPath with EXSLT `re:` or `set:` functions works as in parsel
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)
_WHITESPACE = re.compile(r"\s+")


class FieldSelector(BaseModel):
    """Where one field's value sits on a page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    css: str | None = Field(
        default=None, description="CSS selector (parsel dialect, ::text and ::attr() allowed)"
    )
    xpath: str | None = Field(default=None, description="XPath 1.0 expression")
    attr: str | None = Field(
        default=None, description="take this attribute of the matched elements"
    )
    regex: str | None = Field(
        default=None,
        description="keep only the first group (or whole match) of this regular expression",
    )
    join: str = Field(default=" ", description="separator between the text nodes of one element")
    many: bool = Field(default=False, description="keep every match, not only the first")

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.startswith("xpath:"):
                return {"xpath": value.removeprefix("xpath:").strip()}
            return {"css": value.removeprefix("css:").strip()}
        if isinstance(value, dict | FieldSelector):
            return value
        kind = type(value).__name__
        raise ValueError(
            f"a selector must be a string or a mapping with `css` or `xpath`, not {kind}"
        )

    @model_validator(mode="after")
    def _exactly_one_query(self) -> FieldSelector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give exactly one of `css` or `xpath`")
        return self

    @field_validator("css")
    @classmethod
    def _css_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                _CSS.css_to_xpath(value)
            except Exception as exc:  # cssselect raises several unrelated types
                raise ValueError(f"not a valid CSS selector: {value!r} ({exc})") from exc
        return value

    @field_validator("xpath")
    @classmethod
    def _xpath_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                etree.XPath(value)
            except etree.XPathSyntaxError as exc:
                raise ValueError(f"not a valid XPath expression: {value!r} ({exc})") from exc
        return value

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except (re.error, OverflowError, RecursionError) as exc:  # huge {n}, deep ( )
                raise ValueError(f"not a valid regular expression: {value!r} ({exc})") from exc
        return value

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.regex) if self.regex else None

    def select(self, root: Selector) -> SelectorList[Selector]:
        return root.css(self.css) if self.css is not None else root.xpath(self.xpath or "")

    @cached_property
    def _compiled(self) -> etree.XPath:
        """The query compiled once (parsel compiles it again on every page)."""
        query = _CSS.css_to_xpath(self.css) if self.css is not None else self.xpath or ""
        return etree.XPath(query, namespaces=_NAMESPACES, smart_strings=False)

    def values(self, root: Selector, *, every: bool | None = None) -> list[str]:
        """The non-empty values this selector finds under `root`, whitespace-normalised.

        Only the first unless the selector says `many: true` or the caller asks for `every`.
        """
        every = self.many if every is None else every
        found: list[str] = []
        results = self._compiled(root.root)
        for node in results if isinstance(results, list) else [results]:
            value = self._node_value(node)
            if value is not None and self._pattern is not None:
                match = self._pattern.search(value)
                value = (match.group(1) if match.groups() else match.group(0)) if match else None
            if value:
                found.append(value)
            if found and not every:
                break
        return found

    def first(self, root: Selector) -> str | None:
        found = self.values(root)
        return found[0] if found else None

    def _node_value(self, node: Any) -> str | None:
        """The raw value of one XPath result: an element, or a string (text, attribute)."""
        if isinstance(node, str):
            raw: str | None = None if self.attr is not None else node
        elif not isinstance(node, etree._Element):
            return None  # a number or a boolean of an XPath function: not a field value
        elif self.attr is not None:
            raw = node.get(self.attr)
        else:
            parts = (part.strip() for part in _TEXT_NODES(node))
            raw = self.join.join(part for part in parts if part)
        if raw is None:
            return None
        if self.join == " ":
            return _WHITESPACE.sub(" ", raw).strip()
        return raw.strip()
