from __future__ import annotations

import asyncpg
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from infra.db import run_migrations
from infra.db.piccolo_app import APP_CONFIG


async def test_migrations_create_the_tables(pg_dsn: str) -> None:
    connection = await asyncpg.connect(pg_dsn)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()

    names = {row["tablename"] for row in rows}
    assert {"tonality_user", "tonality_session", "tonality_login_failure"} <= names


async def test_running_migrations_again_changes_nothing(pg_dsn: str) -> None:
    await run_migrations(pg_dsn)
    await run_migrations(pg_dsn)


async def test_tables_match_the_committed_migrations() -> None:
    """A table changed without `piccolo migrations new tonality --auto`
    fails here rather than in production."""
    manager = AutoMigrationManager(auto_input="y")
    alter = await manager.get_alter_statements(app_config=APP_CONFIG)

    pending = [statement for change in alter for statement in change.statements]
    assert pending == []
