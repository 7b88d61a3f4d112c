"""The first-start dialog (and File → New): create an empty ledger, open the demo, or open a file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCommandLinkButton,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from collector_app.config import data_dir
from collector_app.domain.clock import Clock
from collector_app.domain.errors import UserError
from collector_app.services.firm import FirmChanges
from collector_app.services.ledgers import build_demo_ledger, check_existing_ledger, create_ledger
from collector_app.ui.forms import child, load_form
from collector_app.ui.taskrunner import TaskRunner

COUNTRIES = ("PL", "CZ", "SK", "DE", "AT", "LT", "HU", "GB", "US")
CURRENCY_OF_COUNTRY = {"PL": "PLN", "CZ": "CZK", "HU": "HUF", "GB": "GBP", "US": "USD"}
CURRENCIES = ("PLN", "CZK", "EUR", "USD", "GBP", "HUF")
DEMO_INVOICES = 1500  # built through the services: every invoice gets its timeline (~5 s)


def ledger_file_filter() -> str:
    return QCoreApplication.translate("LedgerFiles", "Collector ledgers (*.db *.sqlite *.sqlite3);;All files (*)")


def currency_for(country: str) -> str:
    return CURRENCY_OF_COUNTRY.get(country.strip().upper(), "EUR")


def demo_ledger_path() -> Path:
    return data_dir() / "demo.db"


def free_ledger_path(folder: Path, stem: str = "ledger") -> Path:
    """ledger.db, else ledger-2.db, ledger-3.db…: the first name not taken in `folder`."""
    candidate = folder / f"{stem}.db"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}.db"
        n += 1
    return candidate


class _ProgressRelay(QObject):
    """Lives on the GUI thread; the demo builder calls `progressed.emit` from its worker."""

    progressed = Signal(str, int, int)


class LedgerDialog(QDialog):
    """Returns the ledger to open in `location` when accepted; nothing is opened here."""

    def __init__(self, clock: Clock, user: str, *, new_only: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.user = user
        self.new_only = new_only
        self.location: str | None = None
        self.busy = False
        self.runner = TaskRunner(self)
        self.form = load_form("first_start", self)
        self._find_widgets()
        self._fill_choices()
        self._connect()
        self.setMinimumWidth(600)
        if new_only:
            self.setWindowTitle(self.tr("New ledger"))
            self.show_create_page()
        else:
            self.setWindowTitle(self.tr("Collector: first start"))
            self.show_choice_page()

    # --- set-up ------------------------------------------------------------------------------
    def _find_widgets(self) -> None:
        f = self.form
        self.title, self.intro, self.error = (child(f, QLabel, n) for n in ("title", "intro", "error"))
        self.stack = child(f, QStackedWidget, "stack")
        self.create_button, self.demo_button, self.open_button = (
            child(f, QCommandLinkButton, n) for n in ("createButton", "demoButton", "openButton"))
        self.name, self.tax_id, self.iban, self.location_edit = (
            child(f, QLineEdit, n) for n in ("name", "taxId", "iban", "location"))
        self.contact_person, self.email, self.phone = (
            child(f, QLineEdit, n) for n in ("contactPerson", "email", "phone"))
        self.country, self.currency = child(f, QComboBox, "country"), child(f, QComboBox, "currency")
        self.back_button, self.cancel_button, self.browse_button, self.create_ledger_button = (
            child(f, QPushButton, n) for n in ("backButton", "cancelButton", "browseButton", "createLedgerButton"))
        self.welcome_text = self.intro.text()
        self.fields: dict[str, QWidget] = {
            "name": self.name, "tax-id": self.tax_id, "country": self.country, "currency": self.currency,
            "iban": self.iban, "contact-person": self.contact_person, "email": self.email, "phone": self.phone,
            "file": self.location_edit,
        }

    def _fill_choices(self) -> None:
        self.country.addItems(COUNTRIES)
        self.currency.addItems(CURRENCIES)
        self.country.setCurrentText("PL")
        self.currency.setCurrentText("PLN")
        self._country_code = "PL"
        self.location_edit.setText(str(free_ledger_path(data_dir())))

    def _connect(self) -> None:
        self.create_button.clicked.connect(self.show_create_page)
        self.demo_button.clicked.connect(self.open_demo)
        self.open_button.clicked.connect(self.open_existing)
        self.back_button.clicked.connect(self.show_choice_page)
        self.cancel_button.clicked.connect(self.reject)
        self.browse_button.clicked.connect(self.browse_target)
        self.create_ledger_button.clicked.connect(self.create_new_ledger)
        self.country.currentTextChanged.connect(self._country_changed)

    # --- pages -------------------------------------------------------------------------------
    def show_choice_page(self) -> None:
        self.stack.setCurrentIndex(0)
        self.title.setText(self.tr("<h2>Welcome to Collector</h2>"))
        self.intro.setText(self.welcome_text)
        self.back_button.hide()
        self.create_ledger_button.hide()
        self.cancel_button.setText(self.tr("&Quit"))
        self.show_error(None)
        self.create_button.setFocus()

    def show_create_page(self) -> None:
        self.stack.setCurrentIndex(1)
        self.title.setText(self.tr("<h2>A new ledger for your firm</h2>"))
        self.intro.setText(self.tr(
            "Your firm's data goes on reminders and payment demands; you can change it later under "
            "Tools → Settings → Firm. Reminders are sent once the bank account and the contact person "
            "are filled in. The tax id, bank account, e-mail and phone are checked."))
        self.back_button.setVisible(not self.new_only)
        self.create_ledger_button.show()
        self.cancel_button.setText(self.tr("Cancel") if self.new_only else self.tr("&Quit"))
        self.show_error(None)
        self.name.setFocus()

    def show_error(self, exc: UserError | None) -> None:
        if exc is None:
            self.error.clear()
            self.error.hide()
            return
        labels = {
            "name": self.tr("Firm name"), "tax-id": self.tr("Tax id"), "country": self.tr("Country"),
            "currency": self.tr("Currency"), "iban": self.tr("Bank account"),
            "contact-person": self.tr("Contact person"), "email": self.tr("E-mail"), "phone": self.tr("Phone"),
            "file": self.tr("File"),
        }
        label = labels.get(exc.field or "", exc.field or "")
        self.error.setText(f"{label}: {exc.message}" if label else exc.message)
        self.error.show()
        widget = self.fields.get(exc.field or "")
        if widget is not None and widget.isVisible():
            widget.setFocus()
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def _country_changed(self, text: str) -> None:
        """Follow the country with its currency, unless the user chose another one."""
        if self.currency.currentText() == currency_for(self._country_code):
            self.currency.setCurrentText(currency_for(text))
        self._country_code = text

    # --- create --------------------------------------------------------------------------------
    def firm_changes(self) -> FirmChanges:
        return FirmChanges(
            name=self.name.text(),
            tax_id=self.tax_id.text(),
            country=self.country.currentText(),
            currency=self.currency.currentText(),
            iban=self.iban.text(),
            contact_person=self.contact_person.text(),
            email=self.email.text(),
            phone=self.phone.text(),
        )

    def create_new_ledger(self) -> None:
        target = Path(self.location_edit.text().strip()) if self.location_edit.text().strip() else None
        if target is None:
            self.show_error(UserError("file", self.tr("choose where to save the ledger")))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = create_ledger(target, self.firm_changes(), self.clock, self.user)
        except UserError as exc:
            self.show_error(exc)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.finish(path)

    def browse_target(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the new ledger as"), self.location_edit.text(), ledger_file_filter())
        if name:
            self.location_edit.setText(name)

    # --- open ----------------------------------------------------------------------------------
    def open_existing(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Open ledger"), str(data_dir()), ledger_file_filter())
        if not name:
            return
        try:
            path = check_existing_ledger(Path(name))
        except UserError as exc:
            self.show_error(exc)
            return
        self.finish(path)

    def open_demo(self) -> None:
        target = demo_ledger_path()
        if target.exists():
            try:
                self.finish(check_existing_ledger(target))
            except UserError as exc:
                self.show_error(exc)
            return
        self.build_demo(target)

    def build_demo(self, target: Path) -> None:
        """Build off the GUI thread; the progress dialog follows the builder's stages."""
        self.busy = True
        self.form.setEnabled(False)
        progress = QProgressDialog(self.tr("Building the demo ledger…"), "", 0, 0, self)
        progress.setWindowTitle(self.tr("Demo ledger"))
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setMinimumWidth(420)
        progress.show()
        relay = _ProgressRelay(self)

        def show_progress(stage: str, done: int, total: int) -> None:
            progress.setLabelText(self.tr("Building the demo ledger: {stage} {done:,} of {total:,}")
                                  .format(stage=stage, done=done, total=total))
            progress.setMaximum(max(total, 1))
            progress.setValue(min(done, total))

        relay.progressed.connect(show_progress)
        clock, user = self.clock, self.user

        def work() -> Path:
            return build_demo_ledger(target, clock, user, invoices=DEMO_INVOICES, progress=relay.progressed.emit)

        def done(path: object) -> None:
            progress.close()
            self.busy = False
            assert isinstance(path, Path)
            self.finish(path)

        def failed(exc: Exception) -> None:
            progress.close()
            self.busy = False
            self.form.setEnabled(True)
            self.show_error(exc if isinstance(exc, UserError) else UserError(None, str(exc)))

        self.runner.run(work, done, failed)

    def finish(self, path: Path) -> None:
        self.location = str(path)
        self.accept()

    # --- closing -------------------------------------------------------------------------------
    def reject(self) -> None:
        if not self.busy:  # the demo builder is writing a file: let it finish
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)
