"""A contractor picker: an editable combo box that finds a contractor by any part of the name."""

# The names live in one ContractorListModel set on the combo in one call, not in 20,000
# `addItem` calls (the 1M-invoice demo ledger has that many contractors); the invoice register
# reads them off the GUI thread and hands them to `set_contractors`.

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractProxyModel, QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QCompleter

from collector_app.services.contractor_view import contractor_names
from collector_app.ui.context import AppContext
from collector_app.ui.models.contractor_list import ContractorListModel


def _model(combo: QComboBox) -> ContractorListModel:
    model = combo.model()
    if not isinstance(model, ContractorListModel):
        raise TypeError("combo box was not set up with setup_contractor_combo")
    return model


def setup_contractor_combo(combo: QComboBox, app: AppContext, none_label: str, *, load: bool = True) -> None:
    """Give the combo the contractor list (first item = no contractor) and complete on any part of a name."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.setModel(ContractorListModel(none_label))
    completer = QCompleter(combo.model(), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    editor = combo.lineEdit()
    if editor is not None:  # Enter or Tab picks what the typed text names (pick_typed)
        editor.editingFinished.connect(lambda: pick_typed(combo))
    if load:
        reload_contractors(combo, app)


def pick_typed(combo: QComboBox) -> None:
    """Enter or Tab after typing: the contractor the text names (whole, any case), else the entry highlighted
    in the list, else the only contractor whose name contains the text. Several: Enter opens the list again."""
    text = combo.currentText().strip()
    row = _typed_row(combo, text) if text else None
    if row is not None:
        if row != combo.currentIndex():
            combo.setCurrentIndex(row)
        elif combo.currentText() != combo.itemText(row):  # the chosen one's name was edited, then named again
            combo.setEditText(combo.itemText(row))
            combo.currentIndexChanged.emit(row)
        return
    editor, completer = combo.lineEdit(), combo.completer()
    if editor is not None and editor.hasFocus() and completer is not None and len(matching_rows(combo, text)) > 1:
        completer.setCompletionPrefix(text)  # Enter with several matches: choose among them (Tab moves on and
        QTimer.singleShot(0, completer, completer.complete)  # `unpicked` says why); after the completer hid it


def _typed_row(combo: QComboBox, text: str) -> int | None:
    exact = combo.findText(text, Qt.MatchFlag.MatchFixedString)  # "no contractor"'s own label too
    if exact >= 0:
        return exact
    completer = combo.completer()
    popup = completer.popup() if completer is not None else None
    if completer is not None and popup is not None and popup.isVisible() and popup.currentIndex().isValid():
        proxy = completer.completionModel()
        if isinstance(proxy, QAbstractProxyModel):
            return proxy.mapToSource(popup.currentIndex()).row()
    rows = matching_rows(combo, text)
    return rows[0] if len(rows) == 1 else None


def matching_rows(combo: QComboBox, text: str) -> list[int]:
    """The rows of contractors whose name contains `text` in any case, as the completer matches them."""
    needle = text.strip().casefold()
    model = _model(combo)
    return [row for row, (cid, name) in enumerate(model.rows) if cid is not None and needle in name.casefold()]


def unpicked(combo: QComboBox) -> str | None:
    """Why typed text chose no contractor (several or none match it); None when nothing is typed or one is chosen."""
    text = combo.currentText().strip()
    if not text or combo.findText(text, Qt.MatchFlag.MatchFixedString) >= 0:
        return None
    count = len(matching_rows(combo, text))
    if count == 0:
        return QCoreApplication.translate("ContractorCombo", "No contractor's name contains \"{0}\".").format(text)
    return QCoreApplication.translate(
        "ContractorCombo", "{0} contractors' names contain \"{1}\": choose one from the list.").format(count, text)


def reload_contractors(combo: QComboBox, app: AppContext) -> None:
    """Names in alphabetical order, read now; keeps the chosen contractor if it is still there."""
    keep = chosen_contractor(combo)
    set_contractors(combo, app.call(contractor_names), keep)


def set_contractors(combo: QComboBox, rows: Sequence[tuple[int, str]], keep: int | None) -> bool:
    """Show these names and choose `keep` again, without a change signal; False if `keep` is gone
    (then "no contractor" is chosen)."""
    model = _model(combo)
    combo.blockSignals(True)
    model.set_contractors(rows)
    index = model.row_of(keep)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)
    return index >= 0


def chosen_contractor(combo: QComboBox) -> int | None:
    """The contractor picked, or None; text typed that names no contractor counts as none picked."""
    index = combo.currentIndex()
    if index <= 0 or combo.currentText().strip() != combo.itemText(index):
        return None
    return _model(combo).id_at(index)


def select_contractor(combo: QComboBox, contractor_id: int | None) -> None:
    combo.setCurrentIndex(max(_model(combo).row_of(contractor_id), 0))
