"""`collector settings …`: SMTP and SMS gateway, their secrets (into the keyring only), hours, and a test e-mail."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from collector_app.domain.contact import check_email
from collector_app.domain.errors import UserError
from collector_app.secrets import KEYS, SMS_TOKEN, SMTP_PASSWORD, SecretStore
from collector_app.services import settings

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]


def _secrets(run: Run) -> SecretStore:
    return SecretStore.for_ledger(run.ledger.url)


def _is_set(run: Run, key: str) -> bool | None:
    """Whether a secret is stored; None when no keyring is usable (the settings themselves are saved)."""
    try:
        return _secrets(run).is_set(key)
    except UserError:
        return None


def cmd_smtp(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        smtp = settings.set_smtp(run.ctx(s), host=a.host, port=a.port, security=a.security, user=a.user,
                                 sender=a.sender, timeout=a.timeout)
    run.emit({"smtp": asdict(smtp), "smtp_password_set": _is_set(run, SMTP_PASSWORD)})


def cmd_sms(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        sms = settings.set_sms(run.ctx(s), provider=a.provider, sender=a.sender, endpoint=a.endpoint)
    run.emit({"sms": asdict(sms), "sms_token_set": _is_set(run, SMS_TOKEN)})


def cmd_hours(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        hours = settings.set_business_hours(run.ctx(s), start=a.start, end=a.end, days=a.days)
    run.emit({"start": f"{hours.start:%H:%M}", "end": f"{hours.end:%H:%M}", "days": hours.day_names()})


def cmd_outbox(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        out = settings.set_outbox(run.ctx(s), interval_minutes=a.interval, max_attempts=a.max_attempts)
    run.emit(asdict(out))


def read_secret(label: str) -> str:
    """One line from stdin; typed at a terminal, it is not echoed."""
    value = getpass.getpass(f"{label}: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise UserError(label, "nothing was read from stdin (give it one line)")
    return value


def _secret_command(key: str) -> Callable[[Run], None]:
    def handler(run: Run) -> None:
        store = _secrets(run)
        if run.args.delete:
            removed = store.delete(key)
        else:
            store.get(key)  # fails here, before anything is read, when no keyring is usable
            store.set(key, read_secret(key))
            removed = False
        with run.ledger.transaction() as s:
            settings.record_secret_change(run.ctx(s), key, removed=removed)
        run.emit({f"{key.replace('-', '_')}_set": store.is_set(key), "keyring_service": store.service})

    return handler


def cmd_show(run: Run) -> None:
    store = _secrets(run)
    try:
        flags = {key: store.is_set(key) for key in KEYS}
        keyring_note = store.service
    except UserError as exc:
        flags, keyring_note = {}, f"unavailable: {exc.message}"
    with run.ledger.transaction() as s:
        view = settings.overview(run.ctx(s), flags)
    view["keyring"] = keyring_note
    if run.json:
        run.emit(view)
    else:
        run.emit(_flat(view))


def _flat(view: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in view.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = "(not set)" if value is None else value
    return out


def cmd_test_email(run: Run) -> None:
    result = settings.send_test_email(run.ledger, run.clock, run.user, run.args.to)
    run.emit({"sent_to": check_email(run.args.to, "to"), "message_id": result.message_id, "reply": result.reply})


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `settings` to the main parser (called from cli.build_parser)."""
    ssub = add("settings", _need_sub, "e-mail and SMS sending, business hours").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("smtp", cmd_smtp, "the SMTP server reminders go through", ssub)
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--security", required=True, choices=settings.SECURITIES)
    p.add_argument("--user", help="login, when the server wants one (the password: settings smtp-password)")
    p.add_argument("--sender", required=True, help='"Name <address>"')
    p.add_argument("--timeout", type=float, help="seconds (default 30)")
    for key, what in ((SMTP_PASSWORD, "the SMTP password"), (SMS_TOKEN, "the SMS gateway's API token")):
        p = add(key, _secret_command(key), f"store {what} in the system keyring (read from stdin)", ssub)
        p.add_argument("--delete", action="store_true", help="remove it from the keyring")
    p = add("sms", cmd_sms, "the SMS gateway", ssub)
    p.add_argument("--provider", required=True, choices=settings.SMS_PROVIDERS)
    p.add_argument("--sender", required=True, help="sender name registered with the gateway")
    p.add_argument("--endpoint", help="API address (default https://api.smsapi.pl)")
    p = add("hours", cmd_hours, "business hours: reminders go out only inside them", ssub)
    p.add_argument("--start", help="HH:MM (default 08:00)")
    p.add_argument("--end", help="HH:MM (default 17:00)")
    p.add_argument("--days", help="e.g. mon-fri (default) or mon,wed,fri")
    p = add("outbox", cmd_outbox, "how often the outbox is sent and retried", ssub)
    p.add_argument("--interval", type=int, help="minutes between runs (default 5)")
    p.add_argument("--max-attempts", type=int, help="tries before a row fails (default 5)")
    add("show", cmd_show, "the settings (secrets only as set / not set)", ssub)
    p = add("test-email", cmd_test_email, "send a test e-mail through the configured server", ssub)
    p.add_argument("--to", required=True)


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
