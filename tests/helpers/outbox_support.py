"""A real aiosmtpd server on 127.0.0.1 that records what arrives, and a ledger set up to send to it."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor, Invoice, Outbox, PolicyStep
from collector_app.domain.clock import Clock
from collector_app.services import settings
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm

if TYPE_CHECKING:
    from collector_app.ui.context import AppContext

FIRM_IBAN = "PL61109010140000071219812874"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())


@dataclass
class Recorder:
    """aiosmtpd handler: records each DATA; `replies` forces the next DATA answers; `delay` slows DATA down."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    delay: float = 0.0
    mail_seen: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        self.mail_seen.set()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            forced = self.replies.pop(0) if self.replies else None
        if forced is not None:
            return forced
        content = envelope.original_content or b""
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content)))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Ok: queued"

    def by_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(r for m in self.received for r in m.recipients)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def smtp_server(recorder: Recorder | None = None) -> Iterator[tuple[Recorder, int]]:
    rec = recorder or Recorder()
    port = free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield rec, port
    finally:
        controller.stop()


def configure(ctx: Ctx, port: int, *, always_open: bool = True, country: str = "PL") -> None:
    """The firm, SMTP to the local server, and (by default) business hours that never close."""
    set_firm(ctx, FirmChanges(name="Nasza Firma Sp. z o.o.", tax_id="5260250274", country=country,
                              currency="PLN", iban=FIRM_IBAN, contact_person="Anna Nowak",
                              email="anna@firma.example", phone="+48 600 100 200"))
    settings.set_smtp(ctx, host="127.0.0.1", port=port, security="none", sender="Nasza Firma <biuro@firma.example>",
                      timeout=5)
    if always_open:
        settings.set_business_hours(ctx, start="00:00", end="23:59", days="mon-sun")


def step(ctx: Ctx, name: str, policy: str = "Standard") -> PolicyStep:
    from collector_app.db.models import Policy

    found = ctx.session.scalar(select(PolicyStep).join(Policy).where(Policy.name == policy, PolicyStep.name == name))
    assert found is not None, name
    return found


def queue(ctx: Ctx, inv: Invoice, step_name: str = "First reminder", *, planned_for: dt.date | None = None,
          occurrence: int = 1, group_key: str | None = None, policy: str = "Standard") -> Outbox:
    """An outbox row as planning would insert it (planning itself is tested elsewhere)."""
    s = step(ctx, step_name, policy)
    contractor = ctx.session.get(Contractor, inv.contractor_id)
    assert contractor is not None
    row = Outbox(invoice_id=inv.id, contractor_id=inv.contractor_id, step_id=s.id, occurrence=occurrence,
                 channel=s.channel, recipient=contractor.email if s.channel == "email" else contractor.phone,
                 state="planned", attempts=0, planned_for=planned_for or ctx.clock.today(),
                 group_key=group_key, created_at=ctx.clock.now())
    ctx.session.add(row)
    ctx.session.flush()
    return row


def states(ledger: Ledger, ids: list[int] | None = None) -> dict[int, str]:
    with ledger.transaction() as s:
        query = select(Outbox.id, Outbox.state)
        if ids is not None:
            query = query.where(Outbox.id.in_(ids))
        return {i: st for i, st in s.execute(query)}


def outbox_row(ledger: Ledger, outbox_id: int) -> Outbox:
    with ledger.transaction() as s:
        row = s.get(Outbox, outbox_id)
        assert row is not None
        s.expunge(row)
        return row


def at_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local wall-clock moment as an aware datetime (business hours are local time)."""
    return dt.datetime.combine(day, dt.time(hour, minute)).astimezone()


def with_ctx(ledger: Ledger, clock: Clock) -> Any:
    @contextmanager
    def session() -> Iterator[Ctx]:
        with ledger.transaction() as s:
            yield Ctx(s, clock, "tester")

    return session


def plan_overdue(ctx: Ctx, port: int, count: int = 3) -> list[int]:
    """SMTP to the local server, `count` overdue invoices with e-mail contacts, then planning as the app
    does it; returns the ids of the e-mail rows due now (older steps are skipped as caught up)."""
    from collector_app.services import reminders
    from helpers.ledger import contractor, invoice

    configure(ctx, port)
    for i in range(count):
        c = contractor(ctx, f"Firma {i} Sp. z o.o.", email=f"firma{i}@example.com", language="en")
        invoice(ctx, c, f"FV/{i + 1}/2026", "1230.00", ctx.clock.today() - dt.timedelta(days=3 + 10 * i))
    rows = reminders.plan(ctx)
    return sorted(r.id for r in rows if r.id is not None and r.state == "planned" and r.channel == "email")


def plan_overdue_in_app(app: AppContext, port: int, count: int = 3) -> list[int]:
    """plan_overdue in one transaction of the window's context."""
    with app.transaction() as ctx:
        return plan_overdue(ctx, port, count)
