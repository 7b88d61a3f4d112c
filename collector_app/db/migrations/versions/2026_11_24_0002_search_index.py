"""search index for search-as-you-type: FTS5 trigram on SQLite, pg_trgm on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE invoice_search USING fts5("
    "number, content='invoice', content_rowid='id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE contractor_search USING fts5("
    "name, tax_id, content='contractor', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER invoice_search_ai AFTER INSERT ON invoice BEGIN "
    "INSERT INTO invoice_search(rowid, number) VALUES (new.id, new.number); END",
    "CREATE TRIGGER invoice_search_ad AFTER DELETE ON invoice BEGIN "
    "INSERT INTO invoice_search(invoice_search, rowid, number) VALUES ('delete', old.id, old.number); END",
    "CREATE TRIGGER invoice_search_au AFTER UPDATE OF number ON invoice BEGIN "
    "INSERT INTO invoice_search(invoice_search, rowid, number) VALUES ('delete', old.id, old.number); "
    "INSERT INTO invoice_search(rowid, number) VALUES (new.id, new.number); END",
    "CREATE TRIGGER contractor_search_ai AFTER INSERT ON contractor BEGIN "
    "INSERT INTO contractor_search(rowid, name, tax_id) VALUES (new.id, new.name, new.tax_id); END",
    "CREATE TRIGGER contractor_search_ad AFTER DELETE ON contractor BEGIN "
    "INSERT INTO contractor_search(contractor_search, rowid, name, tax_id) "
    "VALUES ('delete', old.id, old.name, old.tax_id); END",
    "CREATE TRIGGER contractor_search_au AFTER UPDATE OF name, tax_id ON contractor BEGIN "
    "INSERT INTO contractor_search(contractor_search, rowid, name, tax_id) "
    "VALUES ('delete', old.id, old.name, old.tax_id); "
    "INSERT INTO contractor_search(rowid, name, tax_id) VALUES (new.id, new.name, new.tax_id); END",
    "INSERT INTO invoice_search(invoice_search) VALUES ('rebuild')",
    "INSERT INTO contractor_search(contractor_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS invoice_search_ai",
    "DROP TRIGGER IF EXISTS invoice_search_ad",
    "DROP TRIGGER IF EXISTS invoice_search_au",
    "DROP TRIGGER IF EXISTS contractor_search_ai",
    "DROP TRIGGER IF EXISTS contractor_search_ad",
    "DROP TRIGGER IF EXISTS contractor_search_au",
    "DROP TABLE IF EXISTS invoice_search",
    "DROP TABLE IF EXISTS contractor_search",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_invoice_number_trgm ON invoice USING gin (number gin_trgm_ops)",
    "CREATE INDEX ix_contractor_name_trgm ON contractor USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_contractor_tax_id_trgm ON contractor USING gin (tax_id gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_invoice_number_trgm",
    "DROP INDEX IF EXISTS ix_contractor_name_trgm",
    "DROP INDEX IF EXISTS ix_contractor_tax_id_trgm",
]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
