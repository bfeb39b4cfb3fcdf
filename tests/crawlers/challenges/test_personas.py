"""Persona credentials: from the environment or a secrets file outside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawlers.personas import (
    PROJECT_ROOT,
    Credentials,
    PersonaError,
    env_names,
    load_credentials,
    session_file,
)


def _secrets(path: Path, personas: object) -> Path:
    path.write_text(yaml.safe_dump({"personas": personas}))
    return path


def test_environment_variable_names_follow_the_persona_name() -> None:
    assert env_names("demo-analyst") == (
        "ARMSWATCH_PERSONA_DEMO_ANALYST_USERNAME",
        "ARMSWATCH_PERSONA_DEMO_ANALYST_PASSWORD",
    )


def test_credentials_come_from_the_environment_first(tmp_path: Path) -> None:
    secrets = _secrets(tmp_path / "s.yaml", {"vendor-watch": {"username": "f", "password": "g"}})
    environ = {
        "ARMSWATCH_PERSONA_VENDOR_WATCH_USERNAME": "analyst7",
        "ARMSWATCH_PERSONA_VENDOR_WATCH_PASSWORD": "s3cret-pass",
    }
    found = load_credentials("vendor-watch", secrets, environ=environ)
    assert (found.username, found.password) == ("analyst7", "s3cret-pass")


def test_credentials_come_from_the_secrets_file(tmp_path: Path) -> None:
    entry = {"username": "analyst7", "password": "s3cret-pass"}
    secrets = _secrets(tmp_path / "secrets.yaml", {"vendor-watch": entry})
    found = load_credentials("vendor-watch", secrets, environ={})
    assert found == Credentials("vendor-watch", "analyst7", "s3cret-pass")


def test_credentials_never_show_in_their_repr() -> None:
    credentials = Credentials("vendor-watch", "analyst7", "s3cret-pass")
    assert "s3cret-pass" not in repr(credentials) and "analyst7" not in str(credentials)
    assert "s3cret-pass" not in f"{credentials}"


def test_a_missing_persona_names_the_variables_to_set(tmp_path: Path) -> None:
    secrets = _secrets(tmp_path / "secrets.yaml", {"other": {"username": "a", "password": "b"}})
    with pytest.raises(PersonaError) as raised:
        load_credentials("vendor-watch", secrets, environ={})
    message = str(raised.value)
    assert "ARMSWATCH_PERSONA_VENDOR_WATCH_USERNAME" in message
    assert "ARMSWATCH_PERSONA_VENDOR_WATCH_PASSWORD" in message
    assert str(secrets) in message and "ARMSWATCH_SECRETS" in message


def test_half_the_environment_is_an_error() -> None:
    environ = {"ARMSWATCH_PERSONA_VENDOR_WATCH_USERNAME": "analyst7"}
    with pytest.raises(PersonaError, match="ARMSWATCH_PERSONA_VENDOR_WATCH_PASSWORD is not set"):
        load_credentials("vendor-watch", None, environ=environ)


def test_a_secrets_file_inside_the_checkout_is_refused(tmp_path: Path) -> None:
    checkout = tmp_path / "armswatch"
    (checkout / "config").mkdir(parents=True)
    entry = {"username": "analyst7", "password": "s3cret-pass"}
    inside = _secrets(checkout / "config" / "secrets.yaml", {"vendor-watch": entry})
    with pytest.raises(PersonaError, match="inside the project checkout") as raised:
        load_credentials("vendor-watch", inside, environ={}, project_root=checkout)
    assert "s3cret-pass" not in str(raised.value)
    assert Path(__file__).resolve().parents[3] == PROJECT_ROOT  # the real checkout is guarded


def test_a_broken_secrets_file_is_reported_without_its_content(tmp_path: Path) -> None:
    broken = tmp_path / "secrets.yaml"
    broken.write_text("personas: {vendor-watch: {username: a, password: 's3cret-pass}\n")
    with pytest.raises(PersonaError, match="cannot be read as YAML") as raised:
        load_credentials("vendor-watch", broken, environ={})
    assert "s3cret-pass" not in str(raised.value)
    with pytest.raises(PersonaError, match="does not exist"):
        load_credentials("vendor-watch", tmp_path / "missing.yaml", environ={})


def test_an_incomplete_entry_is_an_error(tmp_path: Path) -> None:
    secrets = _secrets(tmp_path / "secrets.yaml", {"vendor-watch": {"username": "a"}})
    with pytest.raises(PersonaError, match="needs a `username` and a `password`"):
        load_credentials("vendor-watch", secrets, environ={})


def test_sessions_are_kept_per_source_and_persona(tmp_path: Path) -> None:
    paths = {
        session_file(tmp_path, source, persona)
        for source in ("market-a", "market-b")
        for persona in ("analyst-1", "analyst-2")
    }
    assert len(paths) == 4 and all(path.parent.parent == tmp_path for path in paths)
