"""The e-mail channel against a real aiosmtpd server with STARTTLS and AUTH required."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from rules.channels.delivery import open_sender, send_with_retries
from rules.channels.email import EmailSender, message_id
from rules.channels.errors import DeliveryError
from tests.rules.channels import samples
from tests.rules.channels.conftest import SMTP_PASSWORD_ENV, SMTP_USER_ENV, MakeEmailConfig
from tests.rules.channels.samples import DASHBOARD, EVIDENCE_SHA256, RECIPIENTS
from tests.rules.servers import SmtpServer, closed_port, smtp_server


def deliver(config: MakeEmailConfig, **overrides: object) -> EmailSender:
    channel = EmailSender("mail", config(**overrides), dashboard_url=DASHBOARD)
    channel.send(samples.message())
    return channel


def bodies(mail: EmailMessage) -> tuple[str, str]:
    plain = mail.get_body(preferencelist=("plain",))
    rich = mail.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage) and isinstance(rich, EmailMessage)
    return plain.get_content(), rich.get_content()


def test_mail_arrives_over_tls_with_both_bodies(
    smtp: SmtpServer, email_config: MakeEmailConfig
) -> None:
    deliver(email_config)

    (mail,) = smtp.messages
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "[armswatch high] auto-sears: Glock switch, auto sear, ships EU (new)"
    assert mail["From"] == "armswatch <alerts@unit.example>"
    assert mail["To"] == ", ".join(RECIPIENTS)
    assert smtp.envelopes == [("alerts@unit.example", RECIPIENTS)]
    assert smtp.auth_attempts == [smtp.username]
    plain, rich = bodies(mail)
    for body in (plain, rich):
        assert "Glock switch, auto sear, ships EU" in body
        assert f"{DASHBOARD}/listings/lst-0001" in body
        assert EVIDENCE_SHA256 in body


def test_mail_carries_the_idempotency_key(smtp: SmtpServer, email_config: MakeEmailConfig) -> None:
    deliver(email_config)
    deliver(email_config)

    first, second = smtp.messages
    assert first["X-Armswatch-Alert-Key"] == "msg-auto-sears-0001"
    assert first["Message-ID"] == message_id("msg-auto-sears-0001", "alerts@unit.example")
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith("@unit.example>")
    assert first["Auto-Submitted"] == "auto-generated"


def test_untrusted_title_cannot_add_headers_or_markup(
    smtp: SmtpServer, email_config: MakeEmailConfig
) -> None:
    title = "Switch\r\nBcc: someone@elsewhere.example\r\n<script>x()</script>"
    message = samples.message(samples.alert(samples.listing(title=title)))
    EmailSender("mail", email_config(), dashboard_url=DASHBOARD).send(message)

    (mail,) = smtp.messages
    assert mail["Bcc"] is None
    assert smtp.envelopes[0][1] == RECIPIENTS
    _, rich = bodies(mail)
    assert "<script>" not in rich and "&lt;script&gt;x()" in rich


def test_wrong_password_is_refused_and_not_retried(
    smtp: SmtpServer, email_config: MakeEmailConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SMTP_PASSWORD_ENV, "not-the-password")
    config = email_config(attempts=3)
    channel = EmailSender("mail", config, dashboard_url=DASHBOARD)

    with pytest.raises(DeliveryError) as failure:
        send_with_retries(channel, config, samples.message(), sleep=lambda _: None)

    assert failure.value.attempts == 1 and not failure.value.retryable
    assert "refused the login (535" in str(failure.value)
    assert SMTP_PASSWORD_ENV in str(failure.value)
    assert "not-the-password" not in str(failure.value)
    # smtplib tries each mechanism the server offers (PLAIN, LOGIN) once: one delivery attempt
    assert set(smtp.auth_attempts) == {smtp.username} and len(smtp.auth_attempts) <= 2
    assert smtp.messages == []


CLEARTEXT_AUTH = "ignore:Requiring AUTH while not requiring TLS"


@pytest.mark.filterwarnings(CLEARTEXT_AUTH)
def test_auth_without_starttls_never_sends_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, email_config: MakeEmailConfig
) -> None:
    with smtp_server(tmp_path / "plain", require_tls=False) as cleartext:
        config = email_config(port=cleartext.port, starttls=False)
        with pytest.raises(DeliveryError, match="refusing to send the SMTP password") as failure:
            EmailSender("mail", config, dashboard_url=DASHBOARD).send(samples.message())

    assert not failure.value.retryable
    assert cleartext.auth_attempts == [] and cleartext.messages == []


@pytest.mark.filterwarnings(CLEARTEXT_AUTH)
def test_a_server_without_starttls_is_refused(
    tmp_path: Path, email_config: MakeEmailConfig
) -> None:
    with smtp_server(tmp_path / "plain", require_tls=False) as cleartext:
        config = email_config(port=cleartext.port)
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            EmailSender("mail", config, dashboard_url=DASHBOARD).send(samples.message())

    assert cleartext.auth_attempts == [] and cleartext.messages == []


def test_an_untrusted_certificate_is_refused(
    smtp: SmtpServer, email_config: MakeEmailConfig
) -> None:
    with pytest.raises(DeliveryError, match=r"not trusted.*set `ca_file:`"):
        deliver(email_config, ca_file=None)

    assert smtp.auth_attempts == [] and smtp.messages == []


def test_a_rule_without_recipients_says_to_add_them(
    smtp: SmtpServer, email_config: MakeEmailConfig
) -> None:
    channel = EmailSender("mail", email_config(), dashboard_url=DASHBOARD)

    with pytest.raises(DeliveryError, match="add `recipients:`") as failure:
        channel.send(samples.message(recipients=[]))

    assert not failure.value.retryable and smtp.messages == []


def test_missing_credentials_variable_is_named(
    smtp: SmtpServer, email_config: MakeEmailConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SMTP_USER_ENV)

    with pytest.raises(DeliveryError, match=SMTP_USER_ENV):
        deliver(email_config)

    assert smtp.messages == []


def test_server_down_is_retried_then_reported(
    email_config: MakeEmailConfig, tmp_path: Path, waits: list[float]
) -> None:
    port = closed_port()
    config = email_config(port=port, attempts=2, backoff=0.001)
    channel = open_sender("mail", config, data_dir=tmp_path, dashboard_url=DASHBOARD)

    with pytest.raises(DeliveryError) as failure:
        send_with_retries(channel, config, samples.message(), sleep=waits.append)

    assert failure.value.attempts == 2 and waits == [0.001]
    assert f"127.0.0.1:{port}" in str(failure.value)
    assert "check `host:` and `port:`" in str(failure.value)
