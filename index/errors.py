"""Errors of the index stage."""


class IndexStageError(Exception):
    """Base of every error raised by the index stage."""


class QuerySyntaxError(IndexStageError):
    """A query the parser rejects; the message points at the position."""

    def __init__(self, query: str, message: str, position: int | None = None) -> None:
        self.query = query
        self.position = position
        pointer = ""
        if position is not None:
            pointer = f"\n  {query}\n  {' ' * position}^"
        super().__init__(f"invalid query: {message}{pointer}")


class UnknownFieldError(QuerySyntaxError):
    """A `field:value` term names a field the index does not have."""


class BackendConfigError(IndexStageError):
    """The index URL or settings do not select a usable backend."""


class FacetFieldError(IndexStageError):
    """A facet names an unknown field, or a field whose values cannot be counted."""
