"""How a Listing's index fields become SQLite values: typed columns, keyword rows, FTS text.

Every column is derived from the field registry, so a new field there gets a column here.
Keyword values are stored lowercase, dates as fixed-width ISO text in UTC (which sorts and
compares as time), booleans as 0/1.
"""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.listing import Listing
from index.fields import FIELDS, FREE_TEXT_FIELDS, FieldKind, FieldValue, IndexField

SqlValue = str | int | float | None

COLUMN_KINDS: frozenset[FieldKind] = frozenset({"keyword", "number", "date", "bool"})
SQL_TYPE_OF_KIND: dict[FieldKind, str] = {
    "keyword": "TEXT",
    "number": "REAL",
    "date": "TEXT",
    "bool": "INTEGER",
}
# listings' own columns; a field with one of these names gets a `_key` suffix
_IDENTITY_COLUMNS = frozenset({"seq", "id", "document"})
# FTS5 highlight markers; stripped from indexed text so they only ever mark matches
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

COLUMN_FIELDS: tuple[IndexField, ...] = tuple(f for f in FIELDS.values() if f.kind in COLUMN_KINDS)


def field_column(field_name: str) -> str:
    """The listings column of a keyword, number, date or bool field."""
    column = field_name.replace(".", "_")
    return f"{column}_key" if column in _IDENTITY_COLUMNS else column


def format_timestamp(moment: datetime) -> str:
    """Fixed-width UTC ISO text, e.g. `2024-05-17T10:30:00.000000Z`; naive means UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def sql_value(value: FieldValue) -> SqlValue:
    """A field value (or query value) as stored in a column."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, tuple):
        raise TypeError("keyword lists are stored as rows, not in a column")
    return value


def column_values(listing: Listing) -> list[SqlValue]:
    """Values of COLUMN_FIELDS, in that order."""
    return [sql_value(field.read(listing)) for field in COLUMN_FIELDS]


def free_text_values(listing: Listing) -> list[str]:
    """The FTS columns' text (FREE_TEXT_FIELDS order), without highlight markers."""
    values: list[str] = []
    for name in FREE_TEXT_FIELDS:
        reader = FIELDS[name].read_free_text
        assert reader is not None
        text = reader(listing)
        values.append(text.replace(HIGHLIGHT_START, " ").replace(HIGHLIGHT_END, " "))
    return values
