"""Personas: whose account a source logs in with, and where their credentials come from.

A source names a persona (`persona: demo-analyst`); its credentials come from, in order:

1. the environment: `ARMSWATCH_PERSONA_<NAME>_USERNAME` and `ARMSWATCH_PERSONA_<NAME>_PASSWORD`
   (the name upper-cased, `-` written `_`: `ARMSWATCH_PERSONA_DEMO_ANALYST_USERNAME`);
2. the secrets file (`ARMSWATCH_SECRETS`), a YAML file kept outside the repository:

       personas:
         demo-analyst: {username: ..., password: ...}

Credentials are never logged, put in stats or settings, or shown by `repr`. Sessions are stored
per (source, persona), so two sources never share a persona's session.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crawlers.errors import CrawlersError
from crawlers.source import Source

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class PersonaError(CrawlersError):
    """A persona's credentials are missing, or kept where they must not be."""


@dataclass(frozen=True)
class Credentials:
    persona: str
    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(persona={self.persona!r}, username=<hidden>, password=<hidden>)"

    __str__ = __repr__


def env_names(persona: str) -> tuple[str, str]:
    """The environment variables of a persona's user name and password."""
    key = persona.upper().replace("-", "_")
    return (f"ARMSWATCH_PERSONA_{key}_USERNAME", f"ARMSWATCH_PERSONA_{key}_PASSWORD")


def load_credentials(
    persona: str,
    secrets_file: Path | None,
    *,
    environ: Mapping[str, str] | None = None,
    project_root: Path = PROJECT_ROOT,
) -> Credentials:
    """The credentials of `persona`, from the environment or else the secrets file."""
    environ = os.environ if environ is None else environ
    user_var, password_var = env_names(persona)
    username, password = environ.get(user_var), environ.get(password_var)
    if username and password:
        return Credentials(persona, username, password)
    if username or password:
        missing = password_var if username else user_var
        raise PersonaError(f"persona {persona!r}: {missing} is not set (set both or neither)")
    if secrets_file is not None:
        found = _from_secrets_file(persona, secrets_file, project_root)
        if found is not None:
            return found
    where = f" nor in the secrets file {secrets_file}" if secrets_file else ""
    raise PersonaError(
        f"no credentials for persona {persona!r} in the environment{where}: set {user_var} and "
        f"{password_var}, or add `personas: {{{persona}: {{username: ..., password: ...}}}}` to "
        "a secrets file outside the repository named by ARMSWATCH_SECRETS"
    )


def check_secrets_location(secrets_file: Path, project_root: Path = PROJECT_ROOT) -> None:
    """PersonaError if the secrets file lies inside the project checkout."""
    resolved, root = secrets_file.resolve(), project_root.resolve()
    if resolved == root or root in resolved.parents:
        raise PersonaError(
            f"the secrets file {secrets_file} is inside the project checkout {root}: move it "
            "outside the repository (e.g. ~/.config/armswatch/secrets.yaml, mode 600) so "
            "credentials can never be committed"
        )


def _from_secrets_file(persona: str, path: Path, project_root: Path) -> Credentials | None:
    check_secrets_location(path, project_root)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PersonaError(f"the secrets file {path} (ARMSWATCH_SECRETS) does not exist") from None
    except (OSError, yaml.YAMLError) as error:
        # the YAML error's text may quote a line of the file: never repeat it
        raise PersonaError(
            f"the secrets file {path} cannot be read as YAML ({type(error).__name__})"
        ) from None
    personas = document.get("personas") if isinstance(document, dict) else None
    if personas is None:
        return None
    if not isinstance(personas, dict):
        raise PersonaError(f"{path}: `personas` must map persona names to credentials")
    entry = personas.get(persona)
    if entry is None:
        return None
    if not isinstance(entry, dict) or not entry.get("username") or not entry.get("password"):
        raise PersonaError(f"{path}: personas.{persona} needs a `username` and a `password`")
    return Credentials(persona, str(entry["username"]), str(entry["password"]))


def session_file(sessions_dir: Path, source: str, persona: str) -> Path:
    """Where the session (cookies) of `persona` on `source` is kept between runs."""
    return sessions_dir / source / f"{persona}.cookies.json"


def storage_file(sessions_dir: Path, source: str, persona: str) -> Path:
    """Where the browser local storage of `persona` on `source` is kept between runs."""
    return sessions_dir / source / f"{persona}.storage.json"


def check_persona(source: Source, secrets_file: Path | None) -> None:
    """PersonaError now, before a crawl starts, if the source logs in as a persona without
    credentials."""
    if source.login is not None and source.persona is not None:
        load_credentials(source.persona, secrets_file)
