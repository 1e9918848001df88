from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from infra.db import run_migrations
from infra.db.embedded import EmbeddedPostgres


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning:platformdirs")
async def test_embedded_postgres_serves_a_migrated_database_and_stops(tmp_path: Path) -> None:
    embedded = EmbeddedPostgres(tmp_path)
    dsn = await embedded.start()
    try:
        await run_migrations(dsn)
        connection = await asyncpg.connect(dsn)
        try:
            database = await connection.fetchval("SELECT current_database()")
            users = await connection.fetchval("SELECT count(*) FROM tonality_user")
        finally:
            await connection.close()
    finally:
        await embedded.stop()

    assert (database, users) == ("tonality", 0)
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(dsn, timeout=2)
