"""The errors of cross-market intelligence."""

from __future__ import annotations


class IntelError(Exception):
    """Base of every error raised by the `intel` package."""


class UnknownVendorError(IntelError):
    """A vendor reference that names no vendor of the index; says which ones come close."""

    def __init__(self, ref: str, close: list[str]) -> None:
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(
            f"no vendor {ref!r} in the index (write MARKET:HANDLE, the market by its name or "
            f"its source's name, e.g. demo-market:NordicSteel){hint}"
        )
        self.ref = ref
        self.close = close
