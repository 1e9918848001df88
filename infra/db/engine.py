"""The asyncpg pool behind every Piccolo query the service runs."""

from __future__ import annotations

import asyncio
import logging

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from infra.db.tables import (
    FileJobRow,
    LoginFailureRow,
    SessionRow,
    TextPredictionRow,
    UserRow,
)

logger = logging.getLogger(__name__)

TABLES: tuple[type[Table], ...] = (
    UserRow,
    SessionRow,
    LoginFailureRow,
    TextPredictionRow,
    FileJobRow,
)


async def new_engine(dsn: str) -> PostgresEngine:
    """An engine without a pool.

    NOTE: Piccolo's engine checks the server version synchronously when it
    is built, so it is built in a worker thread to keep the loop free.
    """
    return await asyncio.to_thread(PostgresEngine, config={"dsn": dsn})


async def open_engine(dsn: str, min_size: int = 1, max_size: int = 10) -> PostgresEngine:
    """Start the pool and bind every table to it; call once at startup."""
    engine = await new_engine(dsn)
    await engine.start_connection_pool(min_size=min_size, max_size=max_size)
    bind_tables(engine)

    logger.info("database pool opened max_size=%d", max_size)
    return engine


def bind_tables(engine: PostgresEngine) -> None:
    """Make every Tonality table run its queries on `engine`."""
    for table in TABLES:
        table._meta.db = engine


async def close_engine(engine: PostgresEngine) -> None:
    """Close the pool opened by `open_engine`; safe to call twice."""
    if engine.pool is not None:
        await engine.close_connection_pool()
        logger.info("database pool closed")
