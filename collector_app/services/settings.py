"""The firm's sending settings (SMTP, SMS gateway, business hours, outbox timer), typed, kept in the ledger."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import asdict, dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import select, text

from collector_app.db.models import Setting
from collector_app.domain.contact import ascii_address, check_email
from collector_app.domain.errors import UserError
from collector_app.services import audit
from collector_app.services.context import Ctx

if TYPE_CHECKING:
    from collector_app.channels.base import SendResult
    from collector_app.db.engine import Ledger
    from collector_app.domain.clock import Clock

Security = Literal["none", "starttls", "ssl"]
SECURITIES: tuple[Security, ...] = ("none", "starttls", "ssl")
SMS_PROVIDERS = ("smsapi",)
DEFAULT_SMS_ENDPOINTS = {"smsapi": "https://api.smsapi.pl"}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    user: str | None
    sender: str  # "Name <addr>", as a person reads it (the transport encodes it for the header)
    timeout: float = 30.0
    reply_to: str | None = None  # the firm's own e-mail, where replies go when the sender is another address

    @property
    def sender_address(self) -> str:
        """The address as SMTP carries it (a domain with national letters in its IDNA form)."""
        address = parseaddr(self.sender)[1]
        return ascii_address(address) or address

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rpartition("@")[2]


@dataclass(frozen=True)
class SmsSettings:
    provider: str
    sender: str
    endpoint: str
    timeout: float = 30.0


UNTIL_MIDNIGHT = dt.time(23, 59)


@dataclass(frozen=True)
class BusinessHours:
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(17, 0)
    days: frozenset[int] = frozenset(range(5))  # 0 = Monday

    def day_names(self) -> str:
        return ",".join(DAY_NAMES[d] for d in sorted(self.days))

    def before_end(self, moment: dt.time) -> bool:
        """Whether the day's hours have not closed yet; an end of 23:59 (the last a time field can show)
        means until midnight, so "00:00–23:59" never closes."""
        return moment < self.end or self.end == UNTIL_MIDNIGHT


@dataclass(frozen=True)
class OutboxSettings:
    interval_minutes: int = 5
    max_attempts: int = 5


# --- storage -------------------------------------------------------------------------------------

def _read(ctx: Ctx, prefix: str) -> dict[str, str]:
    rows = ctx.session.scalars(select(Setting).where(Setting.key.startswith(prefix + ".")))
    return {row.key.removeprefix(prefix + "."): row.value for row in rows}


def _write(ctx: Ctx, prefix: str, values: dict[str, str | None]) -> None:
    for name, value in values.items():
        _put(ctx, f"{prefix}.{name}", value)
    ctx.session.flush()


def get_value(ctx: Ctx, key: str) -> str | None:
    """One stored setting (other services keep their own keys here: a mapping, a server address…)."""
    row = ctx.session.get(Setting, key)
    return row.value if row is not None else None


def set_value(ctx: Ctx, key: str, value: str | None) -> None:
    """Store one setting; None removes it."""
    _put(ctx, key, value)
    ctx.session.flush()


def _put(ctx: Ctx, key: str, value: str | None) -> None:
    row = ctx.session.get(Setting, key)
    if value is None:
        if row is not None:
            ctx.session.delete(row)
    elif row is None:
        ctx.session.add(Setting(key=key, value=value))
    else:
        row.value = value


_UPSERT = text("INSERT INTO setting (key, value) VALUES (:key, :value) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def write_value_first(ctx: Ctx, key: str, value: str) -> None:
    """Store one setting with a single write and no read before it, so it can be a transaction's first
    statement (on SQLite that takes the write lock at once). Bypasses the session's objects: for keys no
    one holds as a Setting object."""
    ctx.session.execute(_UPSERT, {"key": key, "value": value})


# --- checks --------------------------------------------------------------------------------------

def check_host(text: str) -> str:
    host = text.strip()
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise UserError("host", f'"{text}" is not a host name or address')
    return host


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise UserError("port", f"{port} is not a port number (1–65535)")
    return port


def check_security(text: str) -> Security:
    value = text.strip().lower()
    for security in SECURITIES:
        if value == security:
            return security
    raise UserError("security", f'"{text}" is not one of none, starttls, ssl')


def check_sender(text: str) -> str:
    """'Name <addr>' or a bare address; returned as a person reads it ("Firma Łódź <biuro@firma.pl>")."""
    if "\r" in text or "\n" in text:
        raise UserError("sender", "must be one line")
    name, addr = sender_parts(text.strip())
    if not addr or "@" not in addr:
        raise UserError("sender", f'"{text}" is not "Name <address>"')
    address = check_email(addr, "sender")
    if not name:
        return address
    quoted = name if not _SPECIALS.search(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{quoted} <{address}>"


_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
_NAME_ANGLE = re.compile(r"^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$")


def sender_parts(sender: str) -> tuple[str, str]:
    """The display name and the address of a sender; a name stored MIME-encoded ("=?utf-8?b?…?=", as earlier
    versions kept it) is decoded."""
    angle = _NAME_ANGLE.match(sender.strip())
    if angle:  # "Firma, Sp. z o.o. <a@b>": a person does not quote a comma in a name
        name, addr = angle.group(1).strip().strip('"').replace('\\"', '"'), angle.group(2).strip()
    else:
        name, addr = parseaddr(sender)
    if "=?" in name:
        with contextlib.suppress(HeaderParseError, LookupError, UnicodeDecodeError):
            name = str(make_header(decode_header(name)))
    return name.strip(), addr


def check_timeout(seconds: float) -> float:
    if not 1 <= seconds <= 600:
        raise UserError("timeout", f"{seconds} is not 1–600 seconds")
    return float(seconds)


def check_endpoint(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UserError("endpoint", f'"{text}" is not an http(s) URL such as https://api.smsapi.pl')
    return text.strip().rstrip("/")


def check_sms_sender(text: str) -> str:
    """A registered sender name: 1–11 letters/digits (spaces, dots, dashes allowed), or a phone number."""
    name = text.strip()
    digits = name.lstrip("+")
    if digits.isdigit() and 3 <= len(digits) <= 16:
        return name
    if not 1 <= len(name) <= 11 or not all(c.isascii() and (c.isalnum() or c in " .-") for c in name):
        raise UserError("sender", f'"{text}" is not a sender name (1–11 ASCII letters or digits)')
    return name


def parse_time(text: str, field: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise UserError(field, f'"{text}" is not a time HH:MM') from None


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri' or 'mon-sat'."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise UserError("days", f'"{text}" is not a list of days such as mon-fri or mon,wed,fri')
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        if b < a:
            raise UserError("days", f'"{part}" runs backwards')
        days.update(range(a, b + 1))
    return frozenset(days)


# --- SMTP ----------------------------------------------------------------------------------------

def get_smtp(ctx: Ctx) -> SmtpSettings | None:
    raw = _read(ctx, "smtp")
    if "host" not in raw:
        return None
    stored = raw["sender"]
    sender = check_sender(stored) if "=?" in stored else stored  # older versions kept the name MIME-encoded
    return SmtpSettings(
        host=raw["host"], port=int(raw["port"]), security=check_security(raw["security"]),
        user=raw.get("user") or None, sender=sender, timeout=float(raw.get("timeout", "30")),
        reply_to=_reply_to(ctx, sender_parts(sender)[1]),
    )


def _reply_to(ctx: Ctx, sender_address: str) -> str | None:
    """The firm's e-mail when it is not the sender's address: the texts say "reply to this e-mail"."""
    from collector_app.services.firm import get_firm

    firm = get_firm(ctx)
    own = (firm.email or "").strip() if firm is not None else ""
    return own if own and own.lower() != sender_address.lower() else None


def require_smtp(ctx: Ctx) -> SmtpSettings:
    smtp = get_smtp(ctx)
    if smtp is None:
        raise UserError("smtp", "not set up: enter the server under Tools → Settings in the window, "
                        "or run `collector settings smtp --host H --port P ...`")
    return smtp


def set_smtp(
    ctx: Ctx, *, host: str, port: int, security: str, sender: str, user: str | None = None,
    timeout: float | None = None,
) -> SmtpSettings:
    smtp = SmtpSettings(
        host=check_host(host), port=check_port(port), security=check_security(security),
        user=(user or "").strip() or None, sender=check_sender(sender),
        timeout=check_timeout(timeout) if timeout is not None else 30.0,
    )
    _write(ctx, "smtp", {
        "host": smtp.host, "port": str(smtp.port), "security": smtp.security, "user": smtp.user,
        "sender": smtp.sender, "timeout": str(smtp.timeout),
    })
    audit.record(ctx, "settings.smtp", "setting", None,
                 f"SMTP settings: {smtp.host}:{smtp.port} ({smtp.security}), sender {smtp.sender}",
                 details=asdict(smtp))
    return smtp


# --- SMS -----------------------------------------------------------------------------------------

def get_sms(ctx: Ctx) -> SmsSettings | None:
    raw = _read(ctx, "sms")
    if "provider" not in raw:
        return None
    return SmsSettings(provider=raw["provider"], sender=raw["sender"], endpoint=raw["endpoint"],
                       timeout=float(raw.get("timeout", "30")))


def require_sms(ctx: Ctx) -> SmsSettings:
    sms = get_sms(ctx)
    if sms is None:
        raise UserError("sms", "not set up: run `collector settings sms --provider smsapi --sender NAME`")
    return sms


def set_sms(ctx: Ctx, *, provider: str, sender: str, endpoint: str | None = None) -> SmsSettings:
    name = provider.strip().lower()
    if name not in SMS_PROVIDERS:
        expected = ", ".join(SMS_PROVIDERS)
        raise UserError("provider", f'"{provider}" is not a supported SMS gateway (expected {expected})')
    sms = SmsSettings(provider=name, sender=check_sms_sender(sender),
                      endpoint=check_endpoint(endpoint or DEFAULT_SMS_ENDPOINTS[name]))
    _write(ctx, "sms", {"provider": sms.provider, "sender": sms.sender, "endpoint": sms.endpoint,
                        "timeout": str(sms.timeout)})
    audit.record(ctx, "settings.sms", "setting", None,
                 f"SMS gateway: {sms.provider} at {sms.endpoint}, sender {sms.sender}", details=asdict(sms))
    return sms


def firm_country(ctx: Ctx) -> str:
    """The country phone numbers without a prefix belong to."""
    from collector_app.services.firm import get_firm

    firm = get_firm(ctx)
    return firm.country if firm else "PL"


# --- business hours and the outbox timer ---------------------------------------------------------

def get_business_hours(ctx: Ctx) -> BusinessHours:
    raw = _read(ctx, "hours")
    default = BusinessHours()
    return BusinessHours(
        start=dt.time.fromisoformat(raw["start"]) if "start" in raw else default.start,
        end=dt.time.fromisoformat(raw["end"]) if "end" in raw else default.end,
        days=parse_days(raw["days"]) if "days" in raw else default.days,
    )


def set_business_hours(ctx: Ctx, *, start: str | None = None, end: str | None = None,
                       days: str | None = None) -> BusinessHours:
    old = get_business_hours(ctx)
    hours = BusinessHours(
        start=parse_time(start, "start") if start is not None else old.start,
        end=parse_time(end, "end") if end is not None else old.end,
        days=parse_days(days) if days is not None else old.days,
    )
    if hours.end <= hours.start:
        raise UserError("end", f"{hours.end:%H:%M} is not after the start {hours.start:%H:%M}")
    _write(ctx, "hours", {"start": f"{hours.start:%H:%M}", "end": f"{hours.end:%H:%M}", "days": hours.day_names()})
    audit.record(ctx, "settings.hours", "setting", None,
                 f"Business hours: {hours.start:%H:%M}–{hours.end:%H:%M}, {hours.day_names()}")
    return hours


def get_outbox(ctx: Ctx) -> OutboxSettings:
    raw = _read(ctx, "outbox")
    default = OutboxSettings()
    return OutboxSettings(
        interval_minutes=int(raw.get("interval_minutes", default.interval_minutes)),
        max_attempts=int(raw.get("max_attempts", default.max_attempts)),
    )


def set_outbox(ctx: Ctx, *, interval_minutes: int | None = None, max_attempts: int | None = None) -> OutboxSettings:
    old = get_outbox(ctx)
    new = OutboxSettings(
        interval_minutes=old.interval_minutes if interval_minutes is None else interval_minutes,
        max_attempts=old.max_attempts if max_attempts is None else max_attempts,
    )
    if not 1 <= new.interval_minutes <= 1440:
        raise UserError("interval", f"{new.interval_minutes} is not 1–1440 minutes")
    if not 1 <= new.max_attempts <= 100:
        raise UserError("max-attempts", f"{new.max_attempts} is not 1–100")
    _write(ctx, "outbox", {"interval_minutes": str(new.interval_minutes), "max_attempts": str(new.max_attempts)})
    audit.record(ctx, "settings.outbox", "setting", None,
                 f"Outbox: every {new.interval_minutes} min, at most {new.max_attempts} attempts")
    return new


# --- secrets (the value goes to the keyring; the ledger only learns that it changed) ---------------

def record_secret_change(ctx: Ctx, key: str, *, removed: bool = False) -> None:
    audit.record(ctx, "settings.secret", "setting", None,
                 f"{key} {'removed from' if removed else 'stored in'} the system keyring")


def overview(ctx: Ctx, secrets_set: dict[str, bool]) -> dict[str, Any]:
    """Everything `settings show` prints: never a secret, only whether each one is set."""
    smtp, sms = get_smtp(ctx), get_sms(ctx)
    hours, outbox = get_business_hours(ctx), get_outbox(ctx)
    return {
        "smtp": asdict(smtp) if smtp else None,
        "smtp_password_set": secrets_set.get("smtp-password", False),
        "sms": asdict(sms) if sms else None,
        "sms_token_set": secrets_set.get("sms-token", False),
        "business_hours": {"start": f"{hours.start:%H:%M}", "end": f"{hours.end:%H:%M}",
                           "days": hours.day_names()},
        "outbox": asdict(outbox),
    }


def send_test_email(ledger: Ledger, clock: Clock, user: str, to: str) -> SendResult:
    """The "Send test e-mail" of the CLI and the GUI: one message through the configured server.

    Settings are read in a short transaction; the SMTP conversation runs outside it. A refusal is a
    UserError carrying the server's reply.
    """
    from collector_app.channels.base import ChannelError, transport_for
    from collector_app.secrets import SecretStore
    from collector_app.services.messages import Message

    address = check_email(to, "to")
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, user)
        transport = transport_for(ctx, "email", SecretStore.for_ledger(ledger.url))
        sender = require_smtp(ctx).sender
    text = (f"This is a test message from Collector, sent by {user} through the server set up in the "
            f"ledger.\nIf you can read it, reminders from {sender} can be sent.\n")
    try:
        with transport:
            return transport.send(Message("email", address, "Collector: test message", text, None, (), ()))
    except ChannelError as exc:
        raise UserError("smtp", f"the test message was not sent: {exc.reply}") from None
