"""Real local servers for alert-delivery tests: an SMTP server and a webhook receiver.

Both listen on 127.0.0.1 on a port the OS picks, run in a thread of the test process and
record what they receive.

SMTP (aiosmtpd), STARTTLS and AUTH required::

    with smtp_server(tmp_path) as smtp:          # smtp.port, smtp.ca_file, smtp.username ...
        ...deliver to 127.0.0.1:smtp.port with ca_file=smtp.ca_file...
    smtp.messages[0]["Subject"]                   # parsed EmailMessage objects

Webhook (http.server), answering a programmed status sequence, then 200::

    with WebhookReceiver(statuses=[503, 503]) as hook:
        ...POST to hook.url...
    hook.requests[0].headers["idempotency-key"], hook.requests[0].body
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK = "127.0.0.1"
SMTP_USER = "case-officer@unit.example"
SMTP_PASSWORD = "synthetic-password-1"  # a made-up credential for the local test server


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    """What a running `smtp_server` offers and records.

    `messages` are the mails accepted, parsed (`email.policy.default`); `envelopes` the
    matching (MAIL FROM, RCPT TO list); `auth_attempts` every login name tried with AUTH,
    accepted or not, so a test can prove a password was never sent.
    """

    host: str
    port: int
    ca_file: Path
    username: str
    password: str
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    auth_attempts: list[str] = field(default_factory=list)


class _Recorder:
    """The aiosmtpd handler: keeps every accepted mail."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        mail = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        self.server.messages.append(mail)
        self.server.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class _Authenticator:
    """Accepts one user and password; records every attempt."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def __call__(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode("utf-8", "replace")
        self.server.auth_attempts.append(login)
        accepted = login == self.server.username and data.password.decode() == (
            self.server.password
        )
        return AuthResult(success=accepted, handled=False)


class _LoopbackController(Controller):
    """An aiosmtpd controller on port 0 that learns the port the OS chose."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(
    directory: Path,
    *,
    username: str = SMTP_USER,
    password: str = SMTP_PASSWORD,
    require_tls: bool = True,
) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 that requires AUTH; yields a `SmtpServer`.

    With `require_tls` (the default) it offers STARTTLS with a certificate for 127.0.0.1 from
    a fresh trustme CA (written to `directory/smtp-ca.pem`, the `ca_file` to give the channel),
    requires it before MAIL, and offers AUTH only after it. With `require_tls=False` it has no
    TLS at all and offers AUTH in the clear: the server a careless client would leak to.
    """
    authority = trustme.CA()
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    state = SmtpServer(LOOPBACK, 0, ca_file, username, password)
    tls: dict[str, Any] = {}
    if require_tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert(LOOPBACK, "localhost").configure_cert(context)
        tls = {"tls_context": context, "require_starttls": True}
    controller = _LoopbackController(
        _Recorder(state),
        hostname=LOOPBACK,
        port=0,
        server_hostname="armswatch-test-smtp",
        authenticator=_Authenticator(state),
        auth_required=True,
        auth_require_tls=require_tls,
        **tls,
    )
    controller.start()
    state.port = controller.port
    try:
        yield state
    finally:
        controller.stop()


# --- webhook -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers programmed statuses.

    `statuses` are answered in order, one per request, then 200 for good; a 3xx comes with a
    `Location` on the same server. `requests` lists what arrived (method, path, headers with
    lower-cased names, body). Use it as a context manager, or call `start()` and `stop()`.
    """

    def __init__(self, statuses: Iterable[int] = (), port: int = 0) -> None:
        """`port` 0 lets the system choose; give the old port to come back at the same URL."""
        self.port = port
        self.statuses: list[int] = list(statuses)
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where to POST: `http://127.0.0.1:<port>/hooks/armswatch`."""
        if self._server is None:
            raise RuntimeError("start the receiver first")
        return f"http://{LOOPBACK}:{self._server.server_address[1]}/hooks/armswatch"

    def start(self) -> WebhookReceiver:
        self._server = ThreadingHTTPServer((LOOPBACK, self.port), _handler_for(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def record(self, request: ReceivedRequest) -> int:
        """Keep `request`; the status to answer it with."""
        with self._lock:
            self.requests.append(request)
            return self.statuses.pop(0) if self.statuses else 200


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = ReceivedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            status = receiver.record(request)
            reply = b'{"ok":true}' if status < 300 else b'{"error":"programmed failure"}'
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/hooks/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read `receiver.requests` instead."""

    return Handler
