"""A contractor picker: an editable combo box that finds a contractor by any part of the name."""

# The names live in one ContractorListModel set on the combo in one call, not in 20,000
# `addItem` calls (the 1M-invoice demo ledger has that many contractors); the invoice register
# reads them off the GUI thread and hands them to `set_contractors`.

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
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
    if editor is not None:  # a whole name typed (any case) and Enter or Tab picks that contractor
        editor.editingFinished.connect(lambda: _pick_typed(combo))
    if load:
        reload_contractors(combo, app)


def _pick_typed(combo: QComboBox) -> None:
    index = combo.findText(combo.currentText().strip(), Qt.MatchFlag.MatchFixedString)
    if index >= 0 and index != combo.currentIndex():
        combo.setCurrentIndex(index)


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
