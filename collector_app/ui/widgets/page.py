"""A page of the main window that re-reads what it shows each time the window brings it up."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QDialog, QWidget

from collector_app.ui.context import AppContext
from collector_app.ui.widgets.contractor_combo import reload_contractors


class RefreshingPage(QWidget):
    """The subclass says how to re-read in `refresh`; it runs when the page is shown, not when un-minimised."""

    dialog: QDialog | None = None  # the one dialog the page has open (tests reach it here)

    def refresh(self) -> None:
        raise NotImplementedError

    def show_dialog(self, dialog: QDialog) -> QDialog:
        """Open `dialog` as the page's one dialog; the one before it is let go."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():  # shown by the window, not restored from minimised
            self.refresh()


class ContractorFilteredPage(RefreshingPage):
    """A page with a contractor filter combo whose names are read when the page is first shown, not at start."""

    app: AppContext
    contractor: QComboBox
    loaded: bool

    def load_contractors_once(self) -> None:
        if not self.loaded:
            self.loaded = True
            reload_contractors(self.contractor, self.app)

    def reload_contractors(self) -> None:
        """The contractor register changed: re-read the names, unless the page has not been shown yet."""
        if self.loaded:
            reload_contractors(self.contractor, self.app)
