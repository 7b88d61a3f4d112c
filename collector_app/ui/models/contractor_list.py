"""Contractor names for a combo box as one list model: 20,000 names are one reset, not 20,000 inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
IdRole = Qt.ItemDataRole.UserRole  # what QComboBox.currentData() and findData() read


class ContractorListModel(QAbstractListModel):
    """Row 0 is "no contractor" (id None); then the contractors as given (sorted by name in SQL)."""

    def __init__(self, none_label: str) -> None:
        super().__init__()
        self.none_label = none_label
        self.rows: list[tuple[int | None, str]] = [(None, none_label)]

    def set_contractors(self, rows: Sequence[tuple[int, str]]) -> None:
        self.beginResetModel()
        self.rows = [(None, self.none_label), *rows]
        self.endResetModel()

    def id_at(self, row: int) -> int | None:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None

    def row_of(self, contractor_id: int | None) -> int:
        """The row showing that contractor (0 for None), or -1 if it is not listed."""
        for i, (cid, _name) in enumerate(self.rows):
            if cid == contractor_id:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        contractor_id, name = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return name
        if role == IdRole:
            return contractor_id
        return None
