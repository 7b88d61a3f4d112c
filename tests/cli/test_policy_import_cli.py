"""`collector policy import`: a file is checked in full, its templates too, and never moves the default by itself."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.cli_support import Cli


def exported(cli: Cli, tmp_path: Path, name: str) -> tuple[Path, dict[str, object]]:
    """The Standard policy exported and renamed, as a bookkeeper makes a variant of it."""
    cli.ok("init")
    path = tmp_path / "policy.json"
    cli.ok("policy", "export", "Standard", "--out", str(path))
    obj = json.loads(path.read_text(encoding="utf-8"))
    obj["name"] = name
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path, obj


def defaults(cli: Cli) -> list[str]:
    return [p["name"] for p in cli.ok("policy", "list") if p["is_default"]]


def test_an_exported_default_is_imported_as_a_variant_and_the_default_stays(cli: Cli, tmp_path: Path) -> None:
    path, obj = exported(cli, tmp_path, "Variant")
    assert obj["is_default"] is True
    imported = cli.ok("policy", "import", str(path))
    assert imported["name"] == "Variant" and imported["is_default"] is False
    assert 'kept "Standard" as the default; pass --make-default' in imported["note"]
    assert defaults(cli) == ["Standard"]
    text = cli.ok("policy", "import", str(path), "--replace", as_json=False)
    assert "note" in text and "--make-default" in text
    assert defaults(cli) == ["Standard"]
    made = cli.ok("policy", "import", str(path), "--replace", "--make-default")
    assert made["is_default"] is True and "note" not in made
    assert defaults(cli) == ["Variant"]


def test_a_step_whose_template_cannot_be_sent_or_no_step_at_all_is_refused(cli: Cli, tmp_path: Path) -> None:
    path, obj = exported(cli, tmp_path, "Bad4")
    obj["steps"][1]["template"] = "nonexistent_tpl"  # type: ignore[index]
    path.write_text(json.dumps(obj), encoding="utf-8")
    cli.fails("policy", "import", str(path), field="steps[2].template", expect=["nonexistent_tpl", "available:"])
    obj["steps"] = []
    path.write_text(json.dumps(obj), encoding="utf-8")
    cli.fails("policy", "import", str(path), field="steps", expect="at least one step")
    assert [p["name"] for p in cli.ok("policy", "list")] == ["Firm", "Gentle", "Standard"]
    assert defaults(cli) == ["Standard"]
