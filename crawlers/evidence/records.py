"""One WARC record as written to disk, as the ledger holds it and the listings point to it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Capture:
    """A record in a WARC file of the evidence store.

    `sha256` is the SHA-256 of the record's bytes as stored (its gzip member, `length` bytes
    at `offset`), which `armswatch evidence verify` re-hashes; `payload_sha256` that of the
    payload it holds (an HTTP body, a rendered page, a screenshot), which a revisit shares
    with the capture it refers to."""

    warc_file: str  # relative to the evidence directory
    record_id: str  # <urn:uuid:...>
    record_type: str  # warcinfo / request / response / revisit / resource
    uri: str
    offset: int
    length: int
    sha256: str
    payload_sha256: str | None
    captured_at: str  # ISO 8601, UTC
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Capture:
        return cls(**{name: values[name] for name in cls.__dataclass_fields__})
