"""The ledger's tables as typed SQLAlchemy models; changed only together with an Alembic migration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collector_app.db.base import Base, Currency, MoneyAmount

DOCUMENT_KINDS = ("invoice", "credit_note")
CHANNELS = ("email", "sms", "letter", "phone")
CALL_OUTCOMES = ("reached", "no-answer", "promised", "disputed", "plan-requested")
PAYMENT_SOURCES = ("manual", "bank")


class Firm(Base):
    """The ledger's owner: one row, used on letters, QR codes and as the seller of imports."""

    __tablename__ = "firm"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    registration_no: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2), default="PL")
    currency: Mapped[Currency] = mapped_column(default="PLN")
    iban: Mapped[str | None] = mapped_column(String(34))
    address: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    payment_terms_days: Mapped[int] = mapped_column(default=14)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)


class User(Base):
    """A person who works the ledger (collector, bookkeeper); events and tasks point here."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)


class Segment(Base):
    """A group of contractors that share a reminder policy and a tone."""

    __tablename__ = "segment"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policy.id"), index=True)


class Contractor(Base):
    __tablename__ = "contractor"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    tax_key: Mapped[str | None] = mapped_column(String(32), index=True)
    registration_no: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2), default="PL")
    address: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2), default="pl")
    preferred_channel: Mapped[str] = mapped_column(String(10), default="email")
    payment_terms_days: Mapped[int | None]
    credit_limit: Mapped[MoneyAmount | None]
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"), index=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policy.id"), index=True)  # overrides the segment's
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    paused_until: Mapped[dt.date | None] = mapped_column(Date)
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime]

    segment: Mapped[Segment | None] = relationship()
    collector: Mapped[User | None] = relationship()
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="contractor", cascade="all, delete-orphan", order_by="ContactPerson.id"
    )

    __table_args__ = (Index("ix_contractor_name", "name"),)


class ContactPerson(Base):
    __tablename__ = "contact_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))

    contractor: Mapped[Contractor] = relationship(back_populates="contacts")


class Invoice(Base):
    """A sales document; credit notes are negative documents of kind credit_note.

    `paid` is Σ allocations to the document, kept by the ledger service in the same transaction as
    the allocations, so every register filter is an index range scan instead of a per-row sum.
    """

    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="invoice")
    number: Mapped[str] = mapped_column(String(64))
    number_key: Mapped[str] = mapped_column(String(64), index=True)  # for finding numbers in titles
    variable_symbol: Mapped[str | None] = mapped_column(String(20), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"))
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    net: Mapped[MoneyAmount | None]
    vat: Mapped[MoneyAmount | None]
    gross: Mapped[MoneyAmount]
    paid: Mapped[MoneyAmount] = mapped_column(default=Decimal(0))
    currency: Mapped[Currency]
    corrects_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    corrects_number: Mapped[str | None] = mapped_column(String(64))  # as the credit note names it; links it later
    disputed: Mapped[bool] = mapped_column(default=False)
    paused_until: Mapped[dt.date | None] = mapped_column(Date)
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    handed_over: Mapped[bool] = mapped_column(default=False)
    under_plan: Mapped[bool] = mapped_column(default=False)  # reminders follow a payment plan instead
    ready_for_demand_at: Mapped[dt.datetime | None]  # set by a policy's escalation
    next_action_date: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    import_batch_id: Mapped[int | None]
    created_at: Mapped[dt.datetime]

    contractor: Mapped[Contractor] = relationship()

    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_invoice_kind_number"),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        Index("ix_invoice_number", "number"),
        Index("ix_invoice_contractor_due", "contractor_id", "due_date"),
        Index("ix_invoice_due_date", "due_date"),
        Index("ix_invoice_issue_date", "issue_date"),
        Index("ix_invoice_gross", "gross"),
        # Partial indexes: one per status family, ordered by due date, so the register's
        # filters (and "days overdue" sorting) read a page straight off an index.
        Index(
            "ix_invoice_open_due",
            "due_date",
            "id",
            sqlite_where=sql_text("gross > paid"),
            postgresql_where=sql_text("gross > paid"),
        ),
        Index(
            "ix_invoice_settled_due",
            "due_date",
            "id",
            sqlite_where=sql_text("gross = paid"),
            postgresql_where=sql_text("gross = paid"),
        ),
        Index(
            "ix_invoice_overpaid_due",
            "due_date",
            "id",
            sqlite_where=sql_text("gross < paid"),
            postgresql_where=sql_text("gross < paid"),
        ),
        # Small sets that planning, matching and the ready-for-demand list look up without a scan.
        Index(
            "ix_invoice_paused_until",
            "paused_until",
            sqlite_where=sql_text("paused_until IS NOT NULL"),
            postgresql_where=sql_text("paused_until IS NOT NULL"),
        ),
        Index(
            "ix_invoice_ready_for_demand",
            "ready_for_demand_at",
            sqlite_where=sql_text("ready_for_demand_at IS NOT NULL"),
            postgresql_where=sql_text("ready_for_demand_at IS NOT NULL"),
        ),
        Index(
            "ix_invoice_partly_paid",
            "currency",
            "id",
            sqlite_where=sql_text("gross > paid AND paid > 0"),
            postgresql_where=sql_text("gross > paid AND paid > 0"),
        ),
        Index(
            "ix_invoice_import_batch",
            "import_batch_id",
            sqlite_where=sql_text("import_batch_id IS NOT NULL"),
            postgresql_where=sql_text("import_batch_id IS NOT NULL"),
        ),
        # Credit notes that name their invoice; those still waiting for it (corrects_invoice_id NULL) lead.
        Index(
            "ix_invoice_corrects_number",
            "corrects_invoice_id",
            "corrects_number",
            sqlite_where=sql_text("corrects_number IS NOT NULL"),
            postgresql_where=sql_text("corrects_number IS NOT NULL"),
        ),
    )


class Payment(Base):
    """Money received; `allocated` is Σ of its allocations, kept with them like Invoice.paid."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractor.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[MoneyAmount]
    currency: Mapped[Currency]
    allocated: Mapped[MoneyAmount] = mapped_column(default=Decimal(0))
    payer_name: Mapped[str | None] = mapped_column(String(300))
    payer_account: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10), default="manual")
    bank_txn_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    statement_account: Mapped[str | None] = mapped_column(String(64))  # the firm's account it came in on
    import_batch_id: Mapped[int | None]
    reversed_at: Mapped[dt.datetime | None]
    reversal_reason: Mapped[str | None] = mapped_column(String(300))
    match_reason: Mapped[str | None] = mapped_column(String(200))  # how an imported payment was matched
    created_at: Mapped[dt.datetime]

    contractor: Mapped[Contractor | None] = relationship()

    __table_args__ = (
        Index(
            "ix_payment_import_batch",
            "import_batch_id",
            sqlite_where=sql_text("import_batch_id IS NOT NULL"),
            postgresql_where=sql_text("import_batch_id IS NOT NULL"),
        ),
    )


class Allocation(Base):
    """Money applied to a document: from a payment, or a credit note offset against an invoice."""

    __tablename__ = "allocation"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount: Mapped[MoneyAmount]
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        CheckConstraint(
            "(payment_id IS NULL) <> (credit_note_id IS NULL)", name="one_source"
        ),
    )


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime | None]


class Call(Base):
    __tablename__ = "call"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"), index=True)
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_person.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[dt.datetime]
    duration_s: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    promise_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    promise_amount: Mapped[MoneyAmount | None]
    promise_currency: Mapped[str | None] = mapped_column(String(3))
    promise_checked: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "outcome IN ('reached', 'no-answer', 'promised', 'disputed', 'plan-requested')",
            name="outcome",
        ),
    )


class Task(Base):
    __tablename__ = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractor.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[dt.datetime]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    done_at: Mapped[dt.datetime | None]
    source: Mapped[str] = mapped_column(String(20), default="manual")
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"))
    created_at: Mapped[dt.datetime]

    assignee: Mapped[User | None] = relationship()

    __table_args__ = (
        Index(
            "ix_task_open_due",
            "due_at",
            sqlite_where=sql_text("done_at IS NULL"),
            postgresql_where=sql_text("done_at IS NULL"),
        ),
    )


class Event(Base):
    """One row per change: the audit trail and the timelines of invoices and contractors."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    user: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int | None]
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id", ondelete="SET NULL"), index=True)
    contractor_id: Mapped[int | None] = mapped_column(
        ForeignKey("contractor.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)


POLICY_ANCHORS = ("issue", "due", "promise", "paid")
POLICY_ACTIONS = ("none", "task", "ready_for_demand", "handed_over")
OUTBOX_STATES = ("planned", "sending", "sent", "failed", "cancelled", "uncertain", "skipped")


class Policy(Base):
    """A reminder sequence (dunning policy): ordered steps, kept as data so users can edit them."""

    __tablename__ = "policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    group_by_contractor: Mapped[bool] = mapped_column(default=False)  # one message listing all due invoices
    is_default: Mapped[bool] = mapped_column(default=False)  # for contractors with no segment policy
    created_at: Mapped[dt.datetime]

    steps: Mapped[list[PolicyStep]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="PolicyStep.position"
    )


class PolicyStep(Base):
    """One step: on anchor date + offset, send `template` by `channel`; may repeat; may escalate.

    anchor "paid" is the thank-you step, planned when an invoice that had reminders gets settled.
    """

    __tablename__ = "policy_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    anchor: Mapped[str] = mapped_column(String(10))
    offset_days: Mapped[int] = mapped_column(default=0)
    channel: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(64))
    attach_invoice: Mapped[bool] = mapped_column(default=False)
    repeat_every_days: Mapped[int | None]
    repeat_max: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(20), default="none")
    active: Mapped[bool] = mapped_column(default=True)

    policy: Mapped[Policy] = relationship(back_populates="steps")

    __table_args__ = (
        UniqueConstraint("policy_id", "position", name="uq_policy_step_position"),
        CheckConstraint("anchor IN ('issue', 'due', 'promise', 'paid')", name="anchor"),
        CheckConstraint("channel IN ('email', 'sms', 'letter')", name="channel"),
        CheckConstraint("action IN ('none', 'task', 'ready_for_demand', 'handed_over')", name="action"),
    )


OUTBOX_INDEXED_STATES = "state <> 'skipped'"


class Outbox(Base):
    """A message due to go out: one row per invoice, step and occurrence, never two (the unique key).

    Grouped policies still plan one row per invoice; rows sent together share `group_key` and
    `message_id`. Subject and body are filled at send time, when amounts are recomputed. A row with
    `demand_id` instead of a step e-mails a letter from the demand register (its PDF attached).
    A `skipped` catch-up row stands for `covers` steps that a later step overtook (first planning of
    an overdue invoice, or a gap of several days): one row, not one per step.

    A first plan of a large ledger writes two rows per open invoice, so every per-row check and index
    entry counts, and the outbox declares no foreign key but the letter's: its rows are written by
    planning, which reads them off existing invoices, steps and contractors, and by the demand register
    (services/demands.py); an invoice is deleted only by undoing its import, which deletes its outbox
    rows first (services/import_batches.py); a step that planned rows is never deleted, only switched
    off (services/policies.py); `contractor_id` is the invoice's contractor (the letter's, whose invoice
    it names), kept for grouping. tests/services/test_outbox_lookups.py holds the services to this.
    Lookups by step (editing a policy) scan; grouping reads the partial index of grouped rows.
    Measured on 1M open invoices: the three foreign-key checks and two indexes cost the first plan
    about 9 of its 19 seconds.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys on these three (see the class docstring); the unique key below indexes invoice_id.
    invoice_id: Mapped[int]
    contractor_id: Mapped[int]
    step_id: Mapped[int | None]
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand.id", ondelete="CASCADE"))
    occurrence: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="planned")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    planned_for: Mapped[dt.date] = mapped_column(Date)
    next_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(254))
    server_reply: Mapped[str | None] = mapped_column(Text)
    group_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    covers: Mapped[int] = mapped_column(default=1, server_default=sql_text("1"))

    __table_args__ = (
        UniqueConstraint("invoice_id", "step_id", "occurrence", name="uq_outbox_invoice_step_occurrence"),
        CheckConstraint("(step_id IS NULL) <> (demand_id IS NULL)", name="step_or_demand"),
        CheckConstraint(
            "state IN ('planned', 'sending', 'sent', 'failed', 'cancelled', 'uncertain', 'skipped')",
            name="state",
        ),
        # catch-up records are half of a first plan's rows and nobody looks them up by state (see outbox_state)
        Index("ix_outbox_state_planned", "state", "planned_for", sqlite_where=sql_text(OUTBOX_INDEXED_STATES),
              postgresql_where=sql_text(OUTBOX_INDEXED_STATES)),
        # most rows have neither: these hold only the rows that do
        Index("ix_outbox_group", "contractor_id", "channel", sqlite_where=sql_text("group_key IS NOT NULL"),
              postgresql_where=sql_text("group_key IS NOT NULL")),
        Index("ix_outbox_demand_id", "demand_id", sqlite_where=sql_text("demand_id IS NOT NULL"),
              postgresql_where=sql_text("demand_id IS NOT NULL")),
    )


def outbox_state(*states: str) -> ColumnElement[bool]:
    """`outbox.state` is one of `states`, written so that the partial index ix_outbox_state_planned serves it.

    SQLite uses a partial index only when the query repeats the index's WHERE term word for word (it does not
    infer `state <> 'skipped'` from `state = 'planned'`), so the term is added literally; a query for skipped
    rows reads the table instead (they are history, listed rarely).
    """
    match = Outbox.state == states[0] if len(states) == 1 else Outbox.state.in_(states)
    if "skipped" in states:
        return match
    return and_(match, literal_column(OUTBOX_INDEXED_STATES.replace("state", "outbox.state", 1)))


class Setting(Base):
    """The firm's settings kept in the ledger (SMTP host, business hours…), so a shared ledger shares
    them. Never a password: those live in the operating system's keyring."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TemplateOverride(Base):
    """A template the user edited in the window. Kept in the ledger (a shared ledger shares it, a
    bundled program cannot write its resources); the shipped file stays the default it replaces."""

    __tablename__ = "template_override"
    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("language", "name", name="uq_template_override_language_name"),)


RATE_ORIGINS = ("shipped", "user")


class Rate(Base):
    """A dated central-bank rate (NBP reference, ČNB repo, ECB main refinancing) in percent.

    Statutory late interest follows these rates, so they are data the user extends when a new rate
    is announced; `origin` tells the rows shipped in resources/rates from those typed in."""

    __tablename__ = "rate"
    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(24))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    percent: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    source: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(10), default="shipped")
    created_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("country", "kind", "valid_from", name="uq_rate_country_kind_valid_from"),)


class FxRate(Base):
    """A dated exchange rate: units of `quote` for one `base` (NBP mid rate of EUR in PLN), used to
    convert the fixed recovery compensation the law names in euro."""

    __tablename__ = "fx_rate"
    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    source: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(10), default="shipped")
    created_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("base", "quote", "date", name="uq_fx_rate_base_quote_date"),)


DEMAND_KINDS = ("reminder", "demand", "final", "interest-note")


class Demand(Base):
    """A letter issued (the demand register): numbered, with its amounts and the PDF exactly as
    printed, so a re-print is identical to the original."""

    __tablename__ = "demand"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    deadline: Mapped[dt.date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(2))
    currency: Mapped[Currency]
    principal: Mapped[MoneyAmount]
    interest: Mapped[MoneyAmount]
    compensation: Mapped[MoneyAmount]  # in `currency` (converted where the law names another one)
    total: Mapped[MoneyAmount]
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))

    contractor: Mapped[Contractor] = relationship()
    lines: Mapped[list[DemandInvoice]] = relationship(
        back_populates="demand", cascade="all, delete-orphan", order_by="DemandInvoice.id"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('reminder', 'demand', 'final', 'interest-note')", name="kind"),
        Index("ix_demand_kind_date", "kind", "date"),
    )


class DemandInvoice(Base):
    """One invoice of a letter, with the amounts the letter stated for it on its date."""

    __tablename__ = "demand_invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    currency: Mapped[Currency]
    principal: Mapped[MoneyAmount]
    interest: Mapped[MoneyAmount]
    compensation: Mapped[MoneyAmount]
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)

    demand: Mapped[Demand] = relationship(back_populates="lines")

    __table_args__ = (UniqueConstraint("demand_id", "invoice_id", name="uq_demand_invoice"),)


IMPORT_KINDS = ("invoices", "statement")


class ImportBatch(Base):
    """One imported file: what the timeline names as the source of its documents and payments, and
    the unit an undo removes as a whole."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(12))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    summary: Mapped[str | None] = mapped_column(Text)  # the import's JSON summary
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    undone_at: Mapped[dt.datetime | None]


class ContractorAccount(Base):
    """A bank account known to belong to a contractor: learned from allocated payments or typed in;
    matching uses it to recognise the payer of a transfer."""

    __tablename__ = "contractor_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id", ondelete="CASCADE"), index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)  # normalised: no spaces, upper case
    source: Mapped[str] = mapped_column(String(10), default="learned")
    import_batch_id: Mapped[int | None] = mapped_column(index=True)  # learned from that statement's payments
    created_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("contractor_id", "account", name="uq_contractor_account"),)
