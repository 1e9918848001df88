"""Postgres through Piccolo: tables, migrations and the connection pool."""

from infra.db.engine import close_engine, open_engine
from infra.db.migrate import MigrationFailed, run_migrations

__all__ = ["MigrationFailed", "close_engine", "open_engine", "run_migrations"]
