"""Opens invoice and contractor detail windows (one per record) and tells the registers when to refresh."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QWidget

from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_detail import ContractorDetailDialog
from collector_app.ui.dialogs.invoice_detail import InvoiceDetailDialog

D = TypeVar("D", bound=QDialog)


class DetailOpener(QObject):
    """Detail windows are modeless so the register stays usable; a second open of one record raises it."""

    ledger_changed = Signal()

    def __init__(self, app: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.app = app
        self.window = parent
        self.invoice_dialogs: dict[int, InvoiceDetailDialog] = {}
        self.contractor_dialogs: dict[int, ContractorDetailDialog] = {}

    def open_invoice(self, invoice_id: int) -> InvoiceDetailDialog:
        dialog = self.invoice_dialogs.get(invoice_id)
        if dialog is None:
            dialog = InvoiceDetailDialog(self.app, invoice_id, self.window)
            dialog.open_contractor.connect(self.open_contractor)
            dialog.changed.connect(lambda d=dialog: self._changed_by(d))
            self._track(dialog, self.invoice_dialogs, invoice_id)
            dialog.show()
        else:
            self._bring_forward(dialog)
        return dialog

    def open_contractor(self, contractor_id: int) -> ContractorDetailDialog:
        dialog = self.contractor_dialogs.get(contractor_id)
        if dialog is None:
            dialog = ContractorDetailDialog(self.app, contractor_id, self.window)
            dialog.open_invoice.connect(self.open_invoice)
            dialog.changed.connect(lambda d=dialog: self._changed_by(d))
            self._track(dialog, self.contractor_dialogs, contractor_id)
            dialog.show()
        else:
            self._bring_forward(dialog)
        return dialog

    def _track(self, dialog: D, registry: dict[int, D], key: int) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        registry[key] = dialog
        dialog.finished.connect(lambda _r: registry.pop(key, None))

    @staticmethod
    def _bring_forward(dialog: QDialog) -> None:
        dialog.showNormal()
        dialog.raise_()
        dialog.activateWindow()

    def _changed_by(self, source: QDialog) -> None:
        self.refresh_open(skip=source)
        self.ledger_changed.emit()

    def refresh_open(self, skip: QDialog | None = None) -> None:
        """The ledger changed elsewhere: the other open detail windows re-read their record."""
        for invoice_dialog in list(self.invoice_dialogs.values()):
            if invoice_dialog is not skip:
                invoice_dialog.reload()
        for contractor_dialog in list(self.contractor_dialogs.values()):
            if contractor_dialog is not skip:
                contractor_dialog.reload()
                contractor_dialog.invoices.refresh()
