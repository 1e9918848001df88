from __future__ import annotations

import asyncpg

from infra.db import run_migrations


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
