"""Apply Piccolo migrations from inside the service (`tonality migrate`,
and every `serve` start)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging

import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from infra.db.engine import new_engine
from infra.db.piccolo_app import APP_CONFIG

logger = logging.getLogger(__name__)

# Any constant will do; it only has to be the same in every process.
_ADVISORY_LOCK_KEY = 0x70C_A117

_in_process = asyncio.Lock()


class MigrationFailed(RuntimeError):
    """A migration could not be applied; the database is left as it was."""


async def run_migrations(dsn: str) -> None:
    """Apply every forward migration not yet run; a no-op when up to date.

    Piccolo finds its engine through `piccolo_conf.DB`, a process-wide
    value, so runs are serialised here and across processes by an
    advisory lock.
    """
    async with _in_process:
        lock = await asyncpg.connect(dsn)
        try:
            await lock.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
            await _run_forwards_on(dsn)
        finally:
            await lock.close()


async def _run_forwards_on(dsn: str) -> None:
    import piccolo_conf

    engine = await new_engine(dsn)
    piccolo_conf.DB = engine
    Migration._meta.db = engine

    # Piccolo prints its progress; keep it for the log instead of stdout.
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name=APP_CONFIG.app_name)

    for line in output.getvalue().splitlines():
        logger.info("migrations %s", line.strip())

    if not result.success:
        raise MigrationFailed(f"migrations could not be applied: {result.message}")
