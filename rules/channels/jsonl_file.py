"""The file channel: one JSON line (the payload) per message, appended and fsync'd.

Each line goes out in one `write` on a descriptor opened with `O_APPEND`, so lines from
several processes or threads never interleave. Strings are UTF-8; the line separators U+2028
and U+2029 are escaped, so a reader splitting on any line break still sees one line per
message. The file is created readable by its owner only: it holds case data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rules.alert import AlertMessage
from rules.channel_config import FileChannel
from rules.channels.errors import DeliveryError
from rules.channels.rendering import payload

FILE_MODE = 0o600


def encode_line(message: AlertMessage, dashboard_url: str) -> bytes:
    """The payload as one line of compact UTF-8 JSON, newline included."""
    text = json.dumps(payload(message, dashboard_url), ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + "\n").encode("utf-8")


class JsonlFileSender:
    """Appends each message to `config.path` (relative paths are under the data directory)."""

    def __init__(
        self, name: str, config: FileChannel, *, data_dir: Path, dashboard_url: str
    ) -> None:
        self.name = name
        self.config = config
        self.dashboard_url = dashboard_url
        self.path = config.path if config.path.is_absolute() else data_dir / config.path

    def send(self, message: AlertMessage) -> None:
        line = encode_line(message, self.dashboard_url)
        try:
            self._append(line)
        except OSError as error:
            raise DeliveryError(
                f"file channel {self.name!r} cannot append to {self.path} "
                f"({error.strerror or error}); check `path:` in channels.yaml and that the "
                "directory is writable and the disk not full"
            ) from error

    def _append(self, line: bytes) -> None:
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            written = os.write(descriptor, line)
            if written != len(line):
                raise OSError(f"wrote {written} of {len(line)} bytes")
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            _sync_directory(self.path.parent)


def _sync_directory(directory: Path) -> None:
    """Make a new file's directory entry durable too."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
