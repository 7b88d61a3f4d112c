"""The layers of ARCHITECTURE.md: no Qt below the UI, no SQL in the domain (checked on the source, by ast)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import collector_app

PACKAGE = Path(collector_app.__file__).parent


def imported_modules(source: str, module: str) -> set[str]:
    """Every module a file imports, anywhere in it (also inside functions and TYPE_CHECKING blocks).

    `module` is the file's own dotted name, to resolve relative imports.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
              in {"import_module", "__import__"}
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def python_files(layer: str) -> list[Path]:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no Python files under collector_app/{layer}"
    return files


def dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts)


def offenders(layer: str, banned: tuple[str, ...]) -> list[str]:
    bad: list[str] = []
    for path in python_files(layer):
        for name in sorted(imported_modules(path.read_text(encoding="utf-8"), dotted(path))):
            if any(name == b or name.startswith(b + ".") for b in banned):
                bad.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return bad


@pytest.mark.parametrize("layer", ["domain", "services", "db"])
def test_no_qt_below_the_ui(layer: str) -> None:
    assert offenders(layer, ("PySide6", "shiboken6", "collector_app.ui")) == []


def test_the_domain_knows_no_sql() -> None:
    assert offenders("domain", ("sqlalchemy", "alembic", "sqlite3", "collector_app.db", "collector_app.services")) == []


def test_the_db_layer_does_not_call_up_into_services() -> None:
    assert offenders("db", ("collector_app.services", "collector_app.cli", "collector_app.cli_render")) == []


def test_the_import_finder_sees_every_form() -> None:
    """Guard for the tests above: each way of importing is caught."""
    source = (
        "import PySide6.QtCore\n"
        "from PySide6 import QtWidgets\n"
        "def f():\n"
        "    from sqlalchemy.orm import Session\n"
        "    import importlib; importlib.import_module('PySide6.QtGui')\n"
        "from ..db import models\n"
        "from . import money\n"
        "if TYPE_CHECKING:\n"
        "    import alembic\n"
    )
    found = imported_modules(source, "collector_app.domain.status")
    assert {"PySide6.QtCore", "PySide6", "PySide6.QtWidgets", "sqlalchemy.orm", "PySide6.QtGui",
            "collector_app.db", "collector_app.db.models", "collector_app.domain.money", "alembic"} <= found


def test_offenders_reports_a_real_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "collector_app"
    (fake / "domain").mkdir(parents=True)
    (fake / "domain" / "bad.py").write_text("from PySide6.QtCore import QDate\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert offenders("domain", ("PySide6",)) == ["collector_app/domain/bad.py imports PySide6.QtCore",
                                                 "collector_app/domain/bad.py imports PySide6.QtCore.QDate"]
