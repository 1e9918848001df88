from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from infra.db import run_migrations
from infra.db.embedded import embedded_postgres


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A directory outside pytest's own: run as root, the server runs as
    another user, and every pytest start makes `pytest-of-root` private
    again, which would lock that user out mid-test."""
    path = Path(tempfile.mkdtemp(prefix="tonality-embedded-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning:platformdirs")
async def test_embedded_postgres_serves_a_migrated_database_and_stops(data_dir: Path) -> None:
    async with embedded_postgres(data_dir) as dsn:
        await run_migrations(dsn)
        connection = await asyncpg.connect(dsn)
        try:
            database = await connection.fetchval("SELECT current_database()")
            users = await connection.fetchval("SELECT count(*) FROM tonality_user")
            folds_cyrillic = await connection.fetchval("SELECT 'ОТЗЫВ' ILIKE '%отзыв%'")
        finally:
            await connection.close()

    assert (database, users) == ("tonality", 0)
    # History search is case-insensitive in Russian whatever the OS locale.
    assert folds_cyrillic
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(dsn, timeout=2)
