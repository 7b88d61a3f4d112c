"""Alembic run from code: `collector init` and every open bring the ledger to the head revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import NameFilterParentNames, NameFilterType
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")

# Made by migration 0002 with raw SQL, not by the models: the FTS5 search tables (and the shadow
# tables FTS5 keeps for them) on SQLite, the trigram indexes on PostgreSQL. Autogenerate must not
# take them for leftovers to drop.
SEARCH_TABLES = ("invoice_search", "contractor_search")
FTS5_SHADOW_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")


def include_in_autogenerate(name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames) -> bool:
    """Alembic's include_name hook: leave the hand-made search index out of model comparisons."""
    if name is None:
        return True
    if type_ == "table":
        return name not in {table + suffix for table in SEARCH_TABLES for suffix in FTS5_SHADOW_SUFFIXES}
    if type_ == "index":
        return not name.endswith("_trgm")
    return True


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
    )
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    if current_revision(engine) == head_revision():
        return
    command.upgrade(alembic_config(engine), "head")


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)
