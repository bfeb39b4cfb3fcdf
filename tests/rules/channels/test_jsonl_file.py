"""The file channel: one JSON line per message, appended, never interleaved."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from rules.channel_config import FileChannel
from rules.channels.delivery import open_sender
from rules.channels.errors import DeliveryError
from rules.channels.jsonl_file import JsonlFileSender
from tests.rules.channels import samples
from tests.rules.channels.samples import DASHBOARD


def file_sender(path: Path | str, data_dir: Path) -> JsonlFileSender:
    config = FileChannel(kind="file", path=Path(path))
    channel = open_sender("archive", config, data_dir=data_dir, dashboard_url=DASHBOARD)
    assert isinstance(channel, JsonlFileSender)
    return channel


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_appends_one_json_line_per_message_under_the_data_dir(tmp_path: Path) -> None:
    channel = file_sender("alerts/out/alerts.jsonl", tmp_path)
    channel.send(samples.message())
    channel.send(samples.digest(3))

    path = tmp_path / "alerts" / "out" / "alerts.jsonl"
    first, second = read_lines(path)
    assert first["key"] == "msg-auto-sears-0001" and first["digest"] is False
    assert second["key"] == "digest-auto-sears-3" and len(second["alerts"]) == 3  # type: ignore[arg-type]
    assert path.read_bytes().endswith(b"}\n")


def test_an_absolute_path_is_used_as_is(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "alerts.jsonl"
    file_sender(target, tmp_path / "data").send(samples.message())
    assert len(read_lines(target)) == 1
    assert not (tmp_path / "data").exists()


def test_the_file_is_private(tmp_path: Path) -> None:
    channel = file_sender("alerts.jsonl", tmp_path)
    channel.send(samples.message())
    assert stat.S_IMODE((tmp_path / "alerts.jsonl").stat().st_mode) == 0o600


def test_line_breaks_in_listing_text_stay_inside_the_line(tmp_path: Path) -> None:
    title = "Glock\nswitch\r\u2028\u2029 auto sear"
    channel = file_sender("alerts.jsonl", tmp_path)
    channel.send(samples.message(samples.alert(samples.listing(title=title))))

    (line,) = read_lines(tmp_path / "alerts.jsonl")
    assert line["alerts"][0]["listing"]["title"] == title  # type: ignore[index]


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    long_title = "x" * 70_000  # each line far larger than a pipe buffer or page
    message = samples.message(samples.alert(samples.listing(title=long_title)))
    channel = file_sender("alerts.jsonl", tmp_path)

    def write_many() -> None:
        for _ in range(10):
            channel.send(message)

    threads = [threading.Thread(target=write_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = read_lines(tmp_path / "alerts.jsonl")
    assert len(lines) == 60
    assert {line["key"] for line in lines} == {"msg-auto-sears-0001"}


def test_an_unwritable_path_says_which_file(tmp_path: Path) -> None:
    (tmp_path / "alerts.jsonl").mkdir()
    channel = file_sender("alerts.jsonl", tmp_path)

    with pytest.raises(DeliveryError, match=r"file channel 'archive' cannot append to .*alerts"):
        channel.send(samples.message())
