"""Elasticsearch index URLs: parsing, validation and connecting.

`http(s)://[user:password@]host[:port][?option=value&...]`, options:

- `prefix`: names of the indices (`<prefix>-listings`, ...); default `armswatch`
- `api_key`: an API key (the encoded form); or `username` / `password` (or URL userinfo)
- `verify_certs`: true/false (https only; default true); `ca_certs`: path of a CA bundle
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from elasticsearch import ApiError, AuthenticationException, Elasticsearch, TransportError

from index.elasticsearch.mapping import DEFAULT_PREFIX
from index.errors import BackendConfigError

DEFAULT_PORT = 9200
REQUEST_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
OPTIONS = ("prefix", "api_key", "username", "password", "verify_certs", "ca_certs")
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,100}$")
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_EXAMPLE = "http://127.0.0.1:9200?prefix=armswatch"


class BackendUnavailableError(BackendConfigError):
    """No Elasticsearch node answers at the index URL (or it refuses the credentials)."""


@dataclass(frozen=True)
class EsSettings:
    host_url: str  # scheme://host:port, without credentials
    prefix: str = DEFAULT_PREFIX
    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    verify_certs: bool = True
    ca_certs: str | None = None

    @property
    def redacted_url(self) -> str:
        return f"{self.host_url}?prefix={self.prefix}"


def parse_es_url(url: str) -> EsSettings:
    """The settings an `http(s)://` index URL names; BackendConfigError saying what is wrong."""
    parts = urlsplit(url.strip())
    shown = _redact(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _config_error(shown, "it needs http:// or https:// and a host")
    if parts.path not in ("", "/"):
        raise _config_error(shown, f"it has a path ({parts.path!r}); name indices with ?prefix=")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise _config_error(shown, "its port is not a number from 1 to 65535") from None
    options = _options(parts.query, shown)
    prefix = options.get("prefix", DEFAULT_PREFIX)
    if not _PREFIX.match(prefix):
        raise _config_error(
            shown, f"prefix {prefix!r} is not a valid index name start (a-z, 0-9, - _ .)"
        )
    ca_certs = options.get("ca_certs")
    if ca_certs and not Path(ca_certs).is_file():
        raise _config_error(shown, f"ca_certs {ca_certs!r} is not a file")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return EsSettings(
        host_url=f"{parts.scheme}://{host}:{port}",
        prefix=prefix,
        api_key=options.get("api_key"),
        username=options.get("username") or (unquote(parts.username) if parts.username else None),
        password=options.get("password") or (unquote(parts.password) if parts.password else None),
        verify_certs=_flag(options.get("verify_certs", "true"), shown),
        ca_certs=ca_certs,
    )


def _options(query: str, shown: str) -> dict[str, str]:
    parsed = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(parsed) - set(OPTIONS))
    if unknown:
        raise _config_error(
            shown, f"unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}"
        )
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise _config_error(shown, f"option(s) given twice: {', '.join(repeated)}")
    return {name: values[0] for name, values in parsed.items()}


def _flag(text: str, shown: str) -> bool:
    if text.lower() not in _FLAGS:
        raise _config_error(shown, f"verify_certs is true or false, not {text!r}")
    return _FLAGS[text.lower()]


def _config_error(shown: str, problem: str) -> BackendConfigError:
    return BackendConfigError(
        f"invalid Elasticsearch index URL {shown!r}: {problem}. "
        f"Use e.g. {_EXAMPLE} (options: {', '.join(OPTIONS)})"
    )


def _redact(url: str) -> str:
    """The URL without password or API key, for messages."""
    url = re.sub(r"//[^/@?#]*@", "//***@", url)
    return re.sub(r"((?:api_key|password)=)[^&]*", r"\1***", url)


def connect(settings: EsSettings) -> Elasticsearch:
    """A client that has reached the node; BackendUnavailableError when none answers."""
    options: dict[str, Any] = {
        "request_timeout": REQUEST_TIMEOUT,
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if settings.api_key:
        options["api_key"] = settings.api_key
    elif settings.username:
        options["basic_auth"] = (settings.username, settings.password or "")
    if settings.host_url.startswith("https"):
        options["verify_certs"] = settings.verify_certs
        if settings.ca_certs:
            options["ca_certs"] = settings.ca_certs
    client = Elasticsearch(settings.host_url, **options)
    try:
        client.options(request_timeout=CONNECT_TIMEOUT, max_retries=0).info()
    except AuthenticationException as error:
        client.close()
        raise BackendUnavailableError(
            f"the Elasticsearch node at {settings.host_url} refused the credentials "
            f"({error.message}); give ?api_key= or username/password in the index URL"
        ) from None
    except (TransportError, ApiError) as error:
        client.close()
        raise BackendUnavailableError(
            f"no Elasticsearch node answers at {settings.host_url} ({error}); start a local "
            "one with `armswatch es start` (`armswatch es status` shows it) or fix the index URL"
        ) from None
    return client
