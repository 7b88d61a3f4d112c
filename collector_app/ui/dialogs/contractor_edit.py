"""Adding a contractor or editing one: the form turns typed text into ContractorData for the service."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from sqlalchemy import select

from collector_app.db.models import Contractor, Policy, Segment
from collector_app.domain.contact import CHANNELS, LANGUAGES
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount, parse_amount
from collector_app.services import contractors, policies
from collector_app.services.context import Ctx
from collector_app.services.contractor_view import ContractorDetail, EditChoices, contractor_detail, edit_choices
from collector_app.services.contractors import ContractorData
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.widgets.detail import InlineError

LINE_FIELDS = {
    # widget name in the form -> ContractorData field (and the UserError field the service names)
    "name": "name", "taxId": "tax_id", "country": "country", "registrationNo": "registration_no",
    "address": "address", "postalCode": "postal_code", "city": "city", "email": "email", "phone": "phone",
}
ERROR_FIELDS = {
    "name": "name", "tax-id": "taxId", "country": "country", "email": "email", "phone": "phone",
    "language": "language", "channel": "channel", "payment-terms": "paymentTerms",
    "credit-limit": "creditLimit", "segment": "segment", "collector": "collector", "policy": "policy",
}


@dataclass(frozen=True)
class PolicyChoices:
    """The reminder policies, the default one, each segment's, and the contractor's own (None: not set)."""

    names: tuple[str, ...]
    default: str | None
    by_segment: dict[str, str | None]  # lower-cased segment name -> its policy
    own: str | None = None

    def without_own(self, segment: str | None) -> tuple[str | None, bool]:
        """The policy a contractor of `segment` follows without one of its own, and whether it is the segment's
        (else the default; planning's rule, services.policies.followed_policy_id)."""
        of_segment = self.by_segment.get((segment or "").strip().lower())
        return (of_segment, True) if of_segment else (self.default, False)

    def inherited(self, segment: str | None) -> str:
        """The edit dialog's first choice: "follows its segment's policy (Gentle)"."""
        name, of_segment = self.without_own(segment)
        if name is None:
            return _tr("no reminder policy")
        text = "follows its segment's policy ({name})" if of_segment else "follows the default policy ({name})"
        return _tr(text).format(name=name)

    def describe(self, segment: str | None) -> str:
        """The contractor window's words: "reminder policy Firm (its own)", "… (its segment's)", "… (the default)"."""
        if self.own:
            return _tr("reminder policy {name} (its own)").format(name=self.own)
        name, of_segment = self.without_own(segment)
        if name is None:
            return _tr("no reminder policy")
        text = "reminder policy {name} (its segment's)" if of_segment else "reminder policy {name} (the default)"
        return _tr(text).format(name=name)


def _tr(text: str) -> str:
    return QCoreApplication.translate("ContractorPolicy", text)


def policy_choices(ctx: Ctx, contractor_id: int | None) -> PolicyChoices:
    """What the policy combo offers and what the contractor follows (`collector policy assign` sets it)."""
    default = policies.default_policy(ctx)
    segments = ctx.session.execute(
        select(Segment.name, Policy.name).outerjoin(Policy, Policy.id == Segment.policy_id))
    own = ctx.session.scalar(select(Policy.name).join(Contractor, Contractor.policy_id == Policy.id)
                             .where(Contractor.id == contractor_id)) if contractor_id is not None else None
    return PolicyChoices(tuple(p.name for p in policies.list_policies(ctx)), default.name if default else None,
                         {segment.lower(): policy for segment, policy in segments}, own)


class ContractorEditDialog(QDialog):
    """`contractor_id=None` adds a new contractor; otherwise the form starts from the stored one."""

    saved = Signal(int)  # the contractor's id

    def __init__(self, app: AppContext, contractor_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.contractor_id = contractor_id
        self.resize(780, 460)
        self.form = load_form("contractor_edit", self)
        self.lines = {name: child(self.form, QLineEdit, name) for name in LINE_FIELDS}
        self.language = child(self.form, QComboBox, "language")
        self.channel = child(self.form, QComboBox, "channel")
        self.payment_terms = child(self.form, QLineEdit, "paymentTerms")
        self.credit_limit = child(self.form, QLineEdit, "creditLimit")
        self.segment = child(self.form, QComboBox, "segment")
        self.collector = child(self.form, QComboBox, "collector")
        self.policy = child(self.form, QComboBox, "policy")
        self.notes = child(self.form, QPlainTextEdit, "notes")
        self.button_box = child(self.form, QDialogButtonBox, "buttonBox")
        self.errors = InlineError(child(self.form, QLabel, "errorLabel"), self._error_fields())
        self.choices: EditChoices = app.call(edit_choices)
        self.policy_info = app.call(lambda ctx: policy_choices(ctx, contractor_id))
        self._fill_choices()
        if contractor_id is None:
            self.setWindowTitle(self.tr("Add contractor"))
        else:
            current = app.call(lambda ctx: contractor_detail(ctx, contractor_id))
            self.setWindowTitle(self.tr("Edit contractor — {name}").format(name=current.name))
            self._fill_from(current)
        self.segment.currentTextChanged.connect(self._show_inherited)
        self._show_inherited()
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        self.lines["name"].setFocus()

    def _error_fields(self) -> dict[str, tuple[QWidget, str]]:
        """Each field the service may name, with the caption of the label in front of it (its buddy)."""
        captions = {buddy.objectName(): label.text().replace("&", "").rstrip(":")
                    for label in self.form.findChildren(QLabel) if (buddy := label.buddy()) is not None}
        out: dict[str, tuple[QWidget, str]] = {}
        for field, name in ERROR_FIELDS.items():
            widget = child(self.form, QWidget, name)
            out[field] = (widget, captions.get(name, field))
        return out

    def _fill_choices(self) -> None:
        if self.contractor_id is None:
            self.language.addItem(self.tr("by country"), None)
        for code in LANGUAGES:
            self.language.addItem(code, code)
        for code in CHANNELS:
            self.channel.addItem(code, code)
        self.segment.addItems(["", *self.choices.segments])
        self.collector.addItems(["", *self.choices.logins])
        self.child_label("creditCurrency").setText(self.choices.currency)
        self.policy.addItem("", None)  # worded by _show_inherited: what it follows without one of its own
        for name in self.policy_info.names:
            self.policy.addItem(name, name)
        self.policy.setCurrentIndex(max(self.policy.findData(self.policy_info.own), 0))

    def _show_inherited(self) -> None:
        """The first choice says which policy the typed segment (else the default) would give."""
        self.policy.setItemText(0, self.policy_info.inherited(self.segment.currentText()))

    def child_label(self, name: str) -> QLabel:
        return child(self.form, QLabel, name)

    def _fill_from(self, c: ContractorDetail) -> None:
        for name, attr in LINE_FIELDS.items():
            self.lines[name].setText(getattr(c, attr) or "")
        self.language.setCurrentIndex(max(self.language.findData(c.language), 0))
        self.channel.setCurrentIndex(max(self.channel.findData(c.preferred_channel), 0))
        self.payment_terms.setText("" if c.payment_terms_days is None else str(c.payment_terms_days))
        self.credit_limit.setText("" if c.credit_limit is None else format_amount(c.credit_limit))
        self.segment.setCurrentText(c.segment or "")
        self.collector.setCurrentText(c.collector or "")
        self.notes.setPlainText(c.notes or "")

    def data(self) -> ContractorData:
        """What the form says; a typing mistake in a number raises UserError naming the field."""
        text = {attr: self.lines[name].text() for name, attr in LINE_FIELDS.items()}
        terms = self.payment_terms.text().strip()
        if terms and not terms.isdigit():
            raise UserError("payment-terms", f'"{terms}" is not a number of days')
        credit = self.credit_limit.text().strip()
        language = self.language.currentData()
        return ContractorData(
            name=text["name"], tax_id=text["tax_id"], country=text["country"].strip() or None,
            registration_no=text["registration_no"], address=text["address"],
            postal_code=text["postal_code"], city=text["city"], email=text["email"], phone=text["phone"],
            language=str(language) if language else None,
            preferred_channel=str(self.channel.currentData()),
            payment_terms_days=int(terms) if terms else None,
            credit_limit=parse_amount(credit, self.choices.currency, "credit-limit") if credit else None,
            segment=self.segment.currentText(),
            collector=self.collector.currentText().strip(),
            notes=self.notes.toPlainText(),
        )

    def _write(self, ctx: Ctx, data: ContractorData, policy: str | None) -> int:
        """The contractor, and its own policy when the choice changed, in one transaction."""
        if self.contractor_id is None:
            cid = contractors.add_contractor(ctx, data).id
        else:
            cid = self.contractor_id
            contractors.update_contractor(ctx, cid, data)
        if policy != self.policy_info.own:
            policies.assign_to_contractor(ctx, cid, policy)
        return cid

    def save(self) -> bool:
        try:
            data = self.data()
            policy = self.policy.currentData()
            cid = self.app.call(lambda ctx: self._write(ctx, data, str(policy) if policy else None))
        except UserError as exc:
            self.errors.show(exc)
            return False
        self.errors.clear()
        self.contractor_id = cid
        self.saved.emit(cid)
        self.accept()
        return True
