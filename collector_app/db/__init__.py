"""Persistence: typed SQLAlchemy models, the engine, migrations and the register queries."""
