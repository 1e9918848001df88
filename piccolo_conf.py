"""Piccolo's configuration, read by the `piccolo` command line.

`DB` is built on first access from `TONALITY_DATABASE_URL`, so importing
this module never opens a connection; `infra.db.migrations_runner` swaps in
an engine of its own when the service applies migrations itself.
"""

from __future__ import annotations

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/tonality"

APP_REGISTRY = AppRegistry(apps=["infra.db.piccolo_app"])

DB: PostgresEngine


def __getattr__(name: str) -> PostgresEngine:
    if name != "DB":
        raise AttributeError(name)

    global DB
    DB = PostgresEngine(config={"dsn": os.environ.get("TONALITY_DATABASE_URL", DEFAULT_DSN)})
    return DB
