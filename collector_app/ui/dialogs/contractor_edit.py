"""Adding a contractor or editing one: the form turns typed text into ContractorData for the service."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from collector_app.domain.contact import CHANNELS, LANGUAGES
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount, parse_amount
from collector_app.services import contractors
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
    "credit-limit": "creditLimit", "segment": "segment", "collector": "collector",
}


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
        self.notes = child(self.form, QPlainTextEdit, "notes")
        self.button_box = child(self.form, QDialogButtonBox, "buttonBox")
        self.errors = InlineError(child(self.form, QLabel, "errorLabel"), self._error_fields())
        self.choices: EditChoices = app.call(edit_choices)
        self._fill_choices()
        if contractor_id is None:
            self.setWindowTitle(self.tr("Add contractor"))
        else:
            current = app.call(lambda ctx: contractor_detail(ctx, contractor_id))
            self.setWindowTitle(self.tr("Edit contractor — {name}").format(name=current.name))
            self._fill_from(current)
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

    def save(self) -> bool:
        cid = self.contractor_id
        try:
            data = self.data()
            if cid is None:
                cid = self.app.call(lambda ctx: contractors.add_contractor(ctx, data).id)
            else:
                existing = cid
                self.app.call(lambda ctx: contractors.update_contractor(ctx, existing, data))
        except UserError as exc:
            self.errors.show(exc)
            return False
        self.errors.clear()
        self.contractor_id = cid
        self.saved.emit(cid)
        self.accept()
        return True
