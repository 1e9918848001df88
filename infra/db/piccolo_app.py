"""The Piccolo app that owns Tonality's tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

APP_CONFIG = AppConfig(
    app_name="tonality",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=table_finder(modules=["infra.db.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
