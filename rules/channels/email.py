"""The e-mail channel: a plain-text and HTML mail over SMTP to the rule's recipients.

With `starttls: true` (the default) the connection is upgraded before anything else is said,
and the server's certificate is verified against the system CAs plus `ca_file` when given.
With `username_env`/`password_env` the sender logs in (AUTH PLAIN or LOGIN, whatever the
server offers); it refuses to do so over a connection that is not encrypted.

Every mail carries a Message-ID derived from the message's idempotency key and the key itself
in `X-Armswatch-Alert-Key`, so a retried delivery can be recognised as the same alert.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from rules.alert import AlertMessage
from rules.channel_config import ChannelSecretError, EmailChannel, secret_from_env
from rules.channels.errors import DeliveryError
from rules.channels.rendering import html, plain_text, subject

KEY_HEADER = "X-Armswatch-Alert-Key"


def message_id(key: str, sender: str) -> str:
    """`<hash-of-key.armswatch@sender-domain>`: the same key always gives the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "armswatch.invalid"
    return f"<{digest}.armswatch@{domain}>"


def compose(message: AlertMessage, *, sender: str, dashboard_url: str) -> EmailMessage:
    """The mail for `message`: multipart/alternative, plain text first, then HTML."""
    mail = EmailMessage()
    mail["Subject"] = subject(message)
    mail["From"] = sender
    mail["To"] = ", ".join(message.rule.recipients)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(message.key, sender)
    mail[KEY_HEADER] = message.key
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(plain_text(message, dashboard_url), cte="quoted-printable")
    mail.add_alternative(html(message, dashboard_url), subtype="html", cte="quoted-printable")
    return mail


class EmailSender:
    """Sends each message as one mail; one SMTP session per `send`."""

    def __init__(self, name: str, config: EmailChannel, *, dashboard_url: str) -> None:
        self.name = name
        self.config = config
        self.dashboard_url = dashboard_url
        self._server = f"{config.host}:{config.port}"

    def send(self, message: AlertMessage) -> None:
        recipients = self._recipients(message)
        credentials = self._credentials()
        mail = compose(message, sender=self.config.sender, dashboard_url=self.dashboard_url)
        try:
            refused = self._deliver(mail, recipients, credentials)
        except (smtplib.SMTPException, OSError) as error:
            raise self._failure(error) from error
        if refused:
            raise DeliveryError(
                f"e-mail channel {self.name!r}: {self._server} refused {sorted(refused)} "
                f"(the others got the mail); fix `recipients:` of rule {message.rule.name!r}",
                retryable=False,
            )

    def _recipients(self, message: AlertMessage) -> list[str]:
        if not message.rule.recipients:
            raise DeliveryError(
                f"e-mail channel {self.name!r}: rule {message.rule.name!r} has no recipients; "
                "add `recipients:` with e-mail addresses to the rule, or drop "
                f"{self.name!r} from its `channels:`",
                retryable=False,
            )
        return list(message.rule.recipients)

    def _credentials(self) -> tuple[str, str] | None:
        user_env, password_env = self.config.username_env, self.config.password_env
        if user_env is None and password_env is None:
            return None
        if user_env is None or password_env is None:
            raise self._config_error("set both `username_env` and `password_env`, or neither")
        if not self.config.starttls:
            raise self._config_error(
                f"refusing to send the SMTP password to {self._server} unencrypted; set "
                "`starttls: true` (or drop `username_env`/`password_env`)"
            )
        try:
            return secret_from_env(user_env, self.name), secret_from_env(password_env, self.name)
        except ChannelSecretError as error:
            raise DeliveryError(f"e-mail channel: {error}", retryable=False) from error

    def _deliver(
        self, mail: EmailMessage, recipients: list[str], credentials: tuple[str, str] | None
    ) -> dict[str, tuple[int, bytes]]:
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            smtp.ehlo()
            if config.starttls:
                if not smtp.has_extn("starttls"):
                    raise self._config_error(
                        f"{self._server} does not offer STARTTLS; use a server that does, "
                        "or set `starttls: false` for a trusted local relay without login"
                    )
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if credentials is not None:
                smtp.login(*credentials)
            envelope_sender = parseaddr(config.sender)[1] or config.sender
            return smtp.send_message(mail, from_addr=envelope_sender, to_addrs=recipients)

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.config.ca_file is not None:
            try:
                context.load_verify_locations(cafile=self.config.ca_file)
            except (OSError, ssl.SSLError) as error:
                raise self._config_error(
                    f"cannot read the CA bundle {self.config.ca_file} ({error}); fix `ca_file:`"
                ) from error
        return context

    def _config_error(self, text: str) -> DeliveryError:
        return DeliveryError(f"e-mail channel {self.name!r}: {text}", retryable=False)

    def _failure(self, error: smtplib.SMTPException | OSError) -> DeliveryError:
        where = f"e-mail channel {self.name!r}: {self._server}"
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return self._config_error(
                f"{self._server} refused the login ({error.smtp_code} "
                f"{_text(error.smtp_error)}); check the user and password in "
                f"${self.config.username_env} and ${self.config.password_env}"
            )
        if isinstance(error, ssl.SSLCertVerificationError):
            return self._config_error(
                f"the certificate of {self._server} is not trusted ({error.verify_message}); "
                "set `ca_file:` to the CA bundle that signed it"
            )
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return self._config_error(f"{self._server}: {error}; check the channel's settings")
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            return self._config_error(
                f"{self._server} refused every recipient {sorted(error.recipients)}; "
                "fix the rule's `recipients:`"
            )
        if isinstance(error, smtplib.SMTPResponseException):
            transient = 400 <= error.smtp_code < 500
            hint = "the server is busy; trying later" if transient else "see the server's reply"
            return DeliveryError(
                f"{where} answered {error.smtp_code} {_text(error.smtp_error)}; {hint}",
                retryable=transient,
            )
        return DeliveryError(
            f"{where} failed ({type(error).__name__}: {error}); check `host:` and `port:` in "
            "channels.yaml and that the server is up"
        )


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
