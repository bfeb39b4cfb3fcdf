"""The CAPTCHA task store and `armswatch captcha list / solve`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from armswatch.cli import exit_codes
from armswatch.cli.captcha_commands import captcha_app
from armswatch.demo.captcha_image import captcha_png, challenge_id
from crawlers.challenges.store import CaptchaStore, CaptchaTaskError, UnknownTaskError

PNG = captcha_png(challenge_id("store"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _store(data_dir: Path) -> CaptchaStore:
    return CaptchaStore(data_dir / "captcha.db")


def _cli(data_dir: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(captcha_app, list(args), env={"ARMSWATCH_DATA": str(data_dir)})
    return done.exit_code, done.output


def test_a_filed_task_keeps_its_image_and_waits_open(data_dir: Path) -> None:
    task = _store(data_dir).file("demo-onion", "demo-analyst", "http://x.onion/", PNG)
    assert task.status == "open" and task.image_path.read_bytes() == PNG
    assert task.image_path.suffix == ".png" and task.image_path.parent.parent == data_dir
    assert _store(data_dir).get(task.id) == task
    assert [t.id for t in _store(data_dir).open_tasks()] == [task.id]


def test_solving_answers_once(data_dir: Path) -> None:
    store = _store(data_dir)
    task = store.file("demo-onion", "demo-analyst", "http://x.onion/", PNG)
    answered = store.solve(task.id, " AB3CD ")
    assert (answered.status, answered.answer) == ("answered", "AB3CD")
    assert answered.answered_at is not None and store.open_tasks() == []
    with pytest.raises(CaptchaTaskError, match="already answered"):
        store.solve(task.id, "XYZ")
    with pytest.raises(UnknownTaskError):
        store.solve("deadbeef", "XYZ")


def test_expired_tasks_cannot_be_answered(data_dir: Path) -> None:
    store = _store(data_dir)
    task = store.file("demo-onion", None, "http://x.onion/", PNG)
    store.expire(task.id)
    with pytest.raises(CaptchaTaskError, match="already expired"):
        store.solve(task.id, "AB3CD")


def test_cli_lists_open_tasks_and_solves_them(data_dir: Path) -> None:
    assert _cli(data_dir, "list") == (0, "no open CAPTCHA tasks\n")
    task = _store(data_dir).file("demo-onion", "demo-analyst", "http://x.onion/login", PNG)
    code, output = _cli(data_dir, "list")
    assert code == 0
    assert task.id in output and "demo-onion" in output and str(task.image_path) in output
    code, output = _cli(data_dir, "solve", task.id, "AB3CD")
    assert code == 0 and "answered" in output
    assert _store(data_dir).get(task.id).answer == "AB3CD"  # type: ignore[union-attr]
    assert "no open CAPTCHA tasks" in _cli(data_dir, "list")[1]


def test_cli_refuses_unknown_and_answered_tasks(data_dir: Path) -> None:
    code, output = _cli(data_dir, "solve", "deadbeef", "AB3CD")
    assert code == exit_codes.NOT_FOUND and "no CAPTCHA task 'deadbeef'" in output
    task = _store(data_dir).file("demo-onion", "demo-analyst", "http://x.onion/", PNG)
    assert _cli(data_dir, "solve", task.id, "AB3CD")[0] == 0
    code, output = _cli(data_dir, "solve", task.id, "AB3CD")
    assert code == exit_codes.BAD_INPUT and "already answered" in output
    code, output = _cli(data_dir, "solve", "deadbeef", "AB3CD")
    assert code == exit_codes.NOT_FOUND
