"""Widgets come from the Qt Designer files in forms/, loaded with QUiLoader."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


def forms_dir() -> Path:
    """forms/ beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "forms"
    return Path(__file__).resolve().parents[2] / "forms"


def load_form(name: str, host: QWidget) -> QWidget:
    """Load forms/<name>.ui and put it into `host` as its only content."""
    path = forms_dir() / f"{name}.ui"
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"{path}: cannot open form")
    try:
        widget = QUiLoader().load(file, host)
    finally:
        file.close()
    if widget is None:
        raise RuntimeError(f"{path}: not a valid Qt Designer form")
    layout = host.layout() or QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    return widget


def child(root: QWidget, kind: type[W], name: str) -> W:
    """A named widget of the form, with its type checked (a renamed widget fails loudly)."""
    found = root.findChild(kind, name)
    if found is None:
        raise LookupError(f"form has no {kind.__name__} named {name!r}")
    return found
