"""`collector settings …` end to end: settings into the ledger, secrets only into the keyring, a real test e-mail."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import keyring
import pytest
from helpers.cli_support import Cli, ledger_dump
from helpers.keyring_memory import MemoryKeyring
from helpers.smtp_server import Authenticator, Recorder, smtp_server
from keyring.backends import fail

from collector_app.db.engine import to_url
from collector_app.secrets import service_name

PASSWORD = "Zażółć-gęślą-JAŹŃ-8731"
SENDER = "Firma Test <biuro@firma.example>"


def feed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def ledger_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_smtp_settings_and_show(cli: Cli) -> None:
    out = cli.ok("settings", "smtp", "--host", "127.0.0.1", "--port", "2525", "--security", "none",
                 "--sender", SENDER)
    assert out["smtp"]["host"] == "127.0.0.1" and out["smtp_password_set"] is False
    show = cli.ok("settings", "show")
    assert show["smtp"] == {"host": "127.0.0.1", "port": 2525, "security": "none", "user": None,
                            "sender": SENDER, "timeout": 30.0, "reply_to": None}
    assert show["business_hours"] == {"start": "08:00", "end": "17:00", "days": "mon,tue,wed,thu,fri"}
    assert show["outbox"] == {"interval_minutes": 5, "max_attempts": 5}
    assert show["keyring"] == service_name(to_url(cli.db))
    text = cli.ok("settings", "show", as_json=False)
    assert "smtp.host" in text and "127.0.0.1" in text


def test_bad_settings_are_refused_in_one_line(cli: Cli) -> None:
    cli.ok("init")
    cli.fails("settings", "smtp", "--host", "h", "--port", "25", "--security", "none", "--sender", "nobody",
              field="sender")
    cli.fails("settings", "smtp", "--host", "h", "--port", "99999", "--security", "none", "--sender", SENDER,
              field="port")
    cli.fails("settings", "sms", "--provider", "smsapi", "--sender", "Firma", "--endpoint", "ftp://x",
              field="endpoint")
    cli.fails("settings", "hours", "--start", "18:00", field="end")


def test_the_smtp_password_goes_only_to_the_keyring(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                    memory_keyring: MemoryKeyring,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cli.ok("settings", "smtp", "--host", "127.0.0.1", "--port", "2525", "--security", "none", "--user", "biuro",
           "--sender", SENDER)
    feed(monkeypatch, PASSWORD + "\n")
    r = cli.run("settings", "smtp-password")
    assert r.rc == 0 and r.data == {"smtp_password_set": True, "keyring_service": service_name(to_url(cli.db))}
    assert memory_keyring.store == {(service_name(to_url(cli.db)), "smtp-password"): PASSWORD}
    show = cli.run("settings", "show")
    assert show.data["smtp_password_set"] is True
    dump = ledger_dump(cli.db)
    assert "settings.secret" in dump and "smtp-password stored in the system keyring" in dump
    for where in (r.out, r.err, show.out, show.err, dump, caplog.text):
        assert PASSWORD not in where
    raw = ledger_bytes(cli.db)
    assert PASSWORD.encode("utf-8") not in raw and PASSWORD.encode("utf-16-le") not in raw
    assert cli.ok("settings", "smtp-password", "--delete")["smtp_password_set"] is False


def test_without_a_usable_keyring_the_password_is_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    keyring.set_keyring(fail.Keyring())
    feed(monkeypatch, PASSWORD + "\n")
    line = cli.fails("settings", "smtp-password", field="keyring", expect="no usable keyring")
    assert PASSWORD not in line
    assert [p.name for p in cli.db.parent.iterdir() if not p.name.startswith("ledger.db")] == []
    show = cli.ok("settings", "show")
    assert show["keyring"].startswith("unavailable") and show["smtp_password_set"] is False


def test_an_empty_stdin_is_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    feed(monkeypatch, "")
    cli.fails("settings", "sms-token", field="sms-token", expect="stdin")


def test_sms_gateway_and_token(cli: Cli, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    out = cli.ok("settings", "sms", "--provider", "smsapi", "--sender", "Firma", "--endpoint", "http://127.0.0.1:9/")
    assert out == {"sms": {"provider": "smsapi", "sender": "Firma", "endpoint": "http://127.0.0.1:9",
                           "timeout": 30.0}, "sms_token_set": False}
    feed(monkeypatch, "tok-123\n")
    assert cli.ok("settings", "sms-token")["sms_token_set"] is True
    assert "tok-123" not in ledger_dump(cli.db) and cli.ok("settings", "show")["sms_token_set"] is True


def test_hours_and_outbox(cli: Cli) -> None:
    assert cli.ok("settings", "hours", "--start", "09:00", "--days", "mon-sat") == {
        "start": "09:00", "end": "17:00", "days": "mon,tue,wed,thu,fri,sat"}
    assert cli.ok("settings", "outbox", "--interval", "10", "--max-attempts", "3") == {
        "interval_minutes": 10, "max_attempts": 3}


def test_test_email_goes_through_the_configured_server(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    auth = Authenticator(rec, "biuro", PASSWORD)
    with smtp_server(rec, authenticator=auth, auth_require_tls=False) as port:
        cli.ok("settings", "smtp", "--host", "127.0.0.1", "--port", str(port), "--security", "none",
               "--user", "biuro", "--sender", SENDER)
        cli.fails("settings", "test-email", "--to", "ja@example.com", field="smtp-password", expect="not set")
        feed(monkeypatch, PASSWORD + "\n")
        cli.ok("settings", "smtp-password")
        out = cli.ok("settings", "test-email", "--to", "ja@example.com")
    assert out["sent_to"] == "ja@example.com" and out["reply"].startswith("250")
    [got] = rec.received
    assert got.rcpt_tos == ["ja@example.com"] and b"Collector: test message" in got.content
    assert out["message_id"].encode() in got.content


def test_test_email_failure_shows_the_server_reply(cli: Cli) -> None:
    rec = Recorder(rcpt_replies=["550 5.7.1 Relaying denied"])
    with smtp_server(rec) as port:
        cli.ok("settings", "smtp", "--host", "127.0.0.1", "--port", str(port), "--security", "none",
               "--sender", SENDER)
        cli.fails("settings", "test-email", "--to", "ja@example.com", field="smtp", expect="550 5.7.1 Relaying denied")


def test_test_email_needs_smtp_settings(cli: Cli) -> None:
    cli.ok("init")
    cli.fails("settings", "test-email", "--to", "ja@example.com", field="smtp", expect="collector settings smtp")
    cli.fails("settings", "test-email", "--to", "not-an-address", field="to")


def test_test_email_with_a_wrong_password_shows_the_login_reply(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    auth = Authenticator(rec, "biuro", "the-right-one")
    with smtp_server(rec, authenticator=auth, auth_require_tls=False) as port:
        cli.ok("settings", "smtp", "--host", "127.0.0.1", "--port", str(port), "--security", "none",
               "--user", "biuro", "--sender", SENDER)
        feed(monkeypatch, PASSWORD + "\n")
        cli.ok("settings", "smtp-password")
        line = cli.fails("settings", "test-email", "--to", "ja@example.com", field="smtp", expect="535")
    assert PASSWORD not in line and rec.received == []


def test_server_settings_are_saved_even_without_a_keyring(cli: Cli) -> None:
    keyring.set_keyring(fail.Keyring())
    out = cli.ok("settings", "smtp", "--host", "127.0.0.1", "--port", "25", "--security", "none", "--sender", SENDER)
    assert out["smtp_password_set"] is None
    assert cli.ok("settings", "sms", "--provider", "smsapi", "--sender", "Firma")["sms_token_set"] is None
