"""The SMTP transport against a real aiosmtpd server on 127.0.0.1: content, batches, 4xx/5xx, TLS, login."""

from __future__ import annotations

import email
import logging
import smtplib
import socket
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers.smtp_server import Authenticator, Recorder, free_port, self_signed_cert, smtp_server

from collector_app.channels.base import PermanentError, TransientError, transport_for
from collector_app.channels.smtp import SmtpTransport
from collector_app.db.engine import Ledger
from collector_app.domain.errors import UserError
from collector_app.secrets import SMTP_PASSWORD, SecretStore
from collector_app.services import settings
from collector_app.services.context import Ctx
from collector_app.services.messages import Attachment, Message

SENDER = "Firma Łódź Sp. z o.o. <biuro@firma.example>"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def smtp_settings(port: int, security: str = "none", user: str | None = None) -> settings.SmtpSettings:
    return settings.SmtpSettings("127.0.0.1", port, security, user, SENDER, timeout=10)  # type: ignore[arg-type]


def message(to: str = "klient@example.com", subject: str = "Przypomnienie: faktura FV/1/2026 — zaległość",
            html: str | None = "<p>Dzień dobry, <b>1 234,56 zł</b></p>", attach: bool = True) -> Message:
    attachments = (Attachment("FV_1_2026.pdf", PDF, "application/pdf"),) if attach else ()
    return Message("email", to, subject, "Dzień dobry,\nprosimy o zapłatę 1 234,56 zł.\n", html, attachments, (1,))


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_a_message_arrives_whole(tmp_path: Path) -> None:
    rec = Recorder()
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp:
        result = smtp.send(message())
    [got] = rec.received
    assert got.mail_from == "biuro@firma.example" and got.rcpt_tos == ["klient@example.com"]
    assert result.reply == "250 2.0.0 Ok: queued as Q1"
    msg = parsed(got.content)
    assert msg["Subject"] == "Przypomnienie: faktura FV/1/2026 — zaległość"
    assert b"zaleg\xc5\x82o\xc5\x9b\xc4\x87" not in got.content.split(b"\r\n\r\n")[0], "the header is RFC 2047 encoded"
    assert msg["Message-ID"] == result.message_id and str(result.message_id).endswith("@firma.example>")
    assert msg["From"].addresses[0].display_name == "Firma Łódź Sp. z o.o."
    assert msg["To"] == "klient@example.com" and msg["Date"] is not None
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and "prosimy o zapłatę 1 234,56 zł" in text.get_content()
    assert html is not None and "<b>1 234,56 zł</b>" in html.get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "FV_1_2026.pdf" and att.get_content_type() == "application/pdf"
    assert att.get_content() == PDF


def test_a_czech_text_only_message_without_attachments() -> None:
    rec = Recorder()
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp:
        smtp.send(message(subject="Upomínka: faktura č. 2026/7 – žluťoučký kůň", html=None, attach=False))
    msg = parsed(rec.received[0].content)
    assert msg["Subject"] == "Upomínka: faktura č. 2026/7 – žluťoučký kůň"
    assert not msg.is_multipart() and "Dzień dobry" in msg.get_content()


def test_one_connection_per_batch() -> None:
    rec = Recorder()
    with smtp_server(rec) as port:
        with SmtpTransport(smtp_settings(port)) as smtp:
            ids = {smtp.send(message(to=f"k{i}@example.com")).message_id for i in range(5)}
        assert rec.connections == 1 and len(rec.received) == 5 and len(ids) == 5
        with SmtpTransport(smtp_settings(port)) as smtp:
            smtp.send(message())
        assert rec.connections == 2


def test_451_is_transient_and_the_next_try_goes_through() -> None:
    rec = Recorder(data_replies=["451 4.3.0 Try again later"])
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp:
        with pytest.raises(TransientError, match=r"451 4\.3\.0 Try again later") as err:
            smtp.send(message())
        assert err.value.reply == "451 4.3.0 Try again later"
        assert smtp.send(message()).reply.startswith("250")
    assert len(rec.received) == 1 and rec.connections == 1


def test_550_is_permanent_with_the_server_reply_and_the_batch_goes_on() -> None:
    rec = Recorder(rcpt_replies=["550 5.1.1 <nikt@example.com>: Recipient address rejected"])
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp:
        with pytest.raises(PermanentError) as err:
            smtp.send(message(to="nikt@example.com"))
        assert err.value.reply == "550 5.1.1 <nikt@example.com>: Recipient address rejected"
        smtp.send(message())
    assert [r.rcpt_tos for r in rec.received] == [["klient@example.com"]]


def test_no_server_is_transient() -> None:
    with pytest.raises(TransientError, match="cannot connect"), SmtpTransport(smtp_settings(free_port())):
        pass


def test_a_lost_connection_is_transient_and_reopened_on_the_next_send() -> None:
    rec = Recorder()
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp:
        smtp.send(message())
        assert smtp._smtp is not None
        smtp._smtp.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]  # the line drops
        with pytest.raises(TransientError):
            smtp.send(message())
        smtp.send(message())
    assert len(rec.received) == 2 and rec.connections == 2


@pytest.mark.parametrize(("field", "msg"), [
    ("Subject", message(subject="Faktura\r\nBcc: ofiara@example.com")),
    ("To", message(to="klient@example.com\nBcc: ofiara@example.com")),
])
def test_header_injection_is_refused_before_anything_is_sent(field: str, msg: Message) -> None:
    rec = Recorder()
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp, \
            pytest.raises(PermanentError, match=f"the {field} header contains a line break"):
        smtp.send(msg)
    assert rec.received == []


def test_starttls_with_login(tmp_path: Path) -> None:
    cert = self_signed_cert(tmp_path)
    rec = Recorder()
    auth = Authenticator(rec, "biuro", "tajne-hasło")
    with smtp_server(rec, tls_context=cert.server_context(), require_starttls=True, authenticator=auth) as port:
        transport = SmtpTransport(smtp_settings(port, "starttls", "biuro"), "tajne-hasło", cert.client_context())
        with transport as smtp:
            smtp.send(message())
    assert rec.logins == [(b"biuro", "tajne-hasło".encode())]
    assert len(rec.received) == 1


def test_starttls_refuses_an_untrusted_certificate(tmp_path: Path) -> None:
    cert = self_signed_cert(tmp_path)
    rec = Recorder()
    with smtp_server(rec, tls_context=cert.server_context(), require_starttls=True) as port, \
            pytest.raises(TransientError, match="CERTIFICATE_VERIFY_FAILED"), \
            SmtpTransport(smtp_settings(port, "starttls")):
        pass


def test_ssl_from_the_first_byte(tmp_path: Path) -> None:
    cert = self_signed_cert(tmp_path)
    rec = Recorder()
    with smtp_server(rec, ssl_context=cert.server_context()) as port, \
            SmtpTransport(smtp_settings(port, "ssl"), tls_context=cert.client_context()) as smtp:
        smtp.send(message())
    assert len(rec.received) == 1


def test_a_wrong_password_is_a_setting_to_fix_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recorder()
    auth = Authenticator(rec, "biuro", "right-one")
    with smtp_server(rec, authenticator=auth, auth_require_tls=False) as port:
        transport = SmtpTransport(smtp_settings(port, "none", "biuro"), "Wr0ng-Secret-Value")
        with pytest.raises(UserError, match="refused the session: 535") as err, transport:
            pass
    assert "Wr0ng-Secret-Value" not in str(err.value) + repr(transport) + caplog.text


def test_transport_for_reads_the_ledger_and_the_keyring(ledger: Ledger, ctx: Ctx) -> None:
    secrets = SecretStore.for_ledger(ledger.url)
    rec = Recorder()
    auth = Authenticator(rec, "biuro", "Pass-From-Keyring")
    with smtp_server(rec, authenticator=auth, auth_require_tls=False) as port:
        settings.set_smtp(ctx, host="127.0.0.1", port=port, security="none", user="biuro", sender=SENDER)
        with pytest.raises(UserError, match="smtp-password"):
            transport_for(ctx, "email", secrets)
        secrets.set(SMTP_PASSWORD, "Pass-From-Keyring")
        with transport_for(ctx, "email", secrets) as transport:
            transport.send(message())
    assert transport.channel == "email" and len(rec.received) == 1
    with pytest.raises(UserError, match="channel"):
        transport_for(ctx, "fax", secrets)


def test_a_refused_data_command_is_typed() -> None:
    """smtplib raises (instead of returning) when the DATA command itself gets 4xx/5xx."""
    rec = Recorder()
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp:
        real_data = smtp._smtp.data  # type: ignore[union-attr]

        def refuse(msg: bytes) -> tuple[int, bytes]:
            raise smtplib.SMTPDataError(554, b"5.3.4 Message too big for system")

        smtp._smtp.data = refuse  # type: ignore[union-attr, method-assign]
        with pytest.raises(PermanentError, match=r"554 5\.3\.4 Message too big"):
            smtp.send(message())
        smtp._smtp.data = real_data  # type: ignore[union-attr, method-assign]
        smtp.send(message())
    assert len(rec.received) == 1 and rec.connections == 1


def test_a_non_ascii_address_is_refused_before_sending() -> None:
    rec = Recorder()
    with smtp_server(rec) as port, SmtpTransport(smtp_settings(port)) as smtp, \
            pytest.raises(PermanentError, match="SMTPUTF8"):
        smtp.send(message(to="zażółć@example.com"))


@pytest.mark.parametrize("attach", [False, True])  # the two ways a message is written: with and without MIME classes
def test_a_domain_with_national_letters_goes_in_its_idna_form_and_replies_go_to_the_firm(attach: bool) -> None:
    """biuro@łąka.pl is reachable without SMTPUTF8 (its domain is xn--ka-ola7v.pl); the sender name is kept
    as a person reads it; replies go to the firm's own address when the sender is another one."""
    rec = Recorder()
    plain = settings.SmtpSettings("127.0.0.1", 0, "none", None, "Firma Łódź Sp. z o.o. <noreply@firma.example>",
                                  timeout=10, reply_to="biuro@łąka.pl")
    with smtp_server(rec) as port, SmtpTransport(replace(plain, port=port)) as smtp:
        smtp.send(message(to="Pan Józef <jozef@łąka.pl>", attach=attach))
        with pytest.raises(PermanentError, match="before the @"):
            smtp.send(message(to="józef@łąka.pl", attach=attach))
    [got] = rec.received
    assert got.rcpt_tos == ["jozef@xn--ka-ola7v.pl"]
    msg = parsed(got.content)
    assert msg["To"].addresses[0].addr_spec == "jozef@xn--ka-ola7v.pl"
    assert msg["To"].addresses[0].display_name == "Pan Józef"
    assert msg["From"].addresses[0].display_name == "Firma Łódź Sp. z o.o."
    assert msg["Reply-To"].addresses[0].addr_spec == "biuro@xn--ka-ola7v.pl"


def test_a_sender_is_kept_readable_and_one_stored_encoded_is_read_back(ctx: Ctx) -> None:
    saved = settings.set_smtp(ctx, host="127.0.0.1", port=25, security="none",
                              sender="Firma Łódź, Sp. z o.o. <b@firma.example>")
    assert saved.sender == '"Firma Łódź, Sp. z o.o." <b@firma.example>'
    assert settings.get_smtp(ctx).sender == saved.sender  # type: ignore[union-attr]
    settings._write(ctx, "smtp", {"host": "h", "port": "25", "security": "none", "user": None,  # an older version's
                                  "sender": "=?utf-8?b?RmlybWEgxYHDs2TFug==?= <b@firma.example>", "timeout": "30"})
    assert settings.get_smtp(ctx).sender == "Firma Łódź <b@firma.example>"  # type: ignore[union-attr]
