"""The index stage: stores listings and answers Lucene-syntax queries over them."""

from index.backend import (
    FacetBucket,
    IndexBackend,
    SearchHit,
    SearchResult,
    SortOrder,
    UpsertReport,
    VersionScope,
)
from index.errors import (
    BackendConfigError,
    FacetFieldError,
    IndexStageError,
    QuerySyntaxError,
    UnknownFieldError,
)
from index.fields import FIELDS, FREE_TEXT_FIELDS, IndexField, lookup_field
from index.selection import default_index_url, open_index
from index.sqlite import SqliteIndex

__all__ = [
    "FIELDS",
    "FREE_TEXT_FIELDS",
    "BackendConfigError",
    "FacetBucket",
    "FacetFieldError",
    "IndexBackend",
    "IndexField",
    "IndexStageError",
    "QuerySyntaxError",
    "SearchHit",
    "SearchResult",
    "SortOrder",
    "SqliteIndex",
    "UnknownFieldError",
    "UpsertReport",
    "VersionScope",
    "default_index_url",
    "lookup_field",
    "open_index",
]
