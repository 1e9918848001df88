"""The `tonality` command: serve, worker, migrate, create-admin, train, train-russian."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import FrameType

import msgspec

from domain.users import NewUser, Role, User, UserChanges
from infra.logging import configure_logging
from infra.settings import Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)

TRAIN_EXTRA_MISSING = (
    "training needs the 'train' extra (torch and friends); install it with\n"
    "  .venv/bin/pip install -e '.[train]'"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load the settings, run one command; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["train"], ["train-russian"]):
        # Everything after the command belongs to the trainer's own parser.
        return train(argv[0], argv[1:])

    args = build_parser().parse_args(argv)

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2

    configure_logging(settings.log_level, settings.log_json)
    command: Callable[[Settings, argparse.Namespace], int] = args.run

    return command(settings, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tonality",
        description="Sentiment analysis service. Settings come from TONALITY_* variables "
        "and an optional .env file; see README.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve_parser = commands.add_parser("serve", help="run the HTTP service")
    serve_parser.add_argument("--host", help="address to bind (default: TONALITY_HOST)")
    serve_parser.add_argument("--port", type=int, help="port to bind (default: TONALITY_PORT)")
    serve_parser.add_argument(
        "--only",
        type=group_names,
        metavar="GROUPS",
        help="comma-separated handler groups to serve, e.g. accounts,service (default: all)",
    )
    serve_parser.set_defaults(run=serve)

    worker_parser = commands.add_parser("worker", help="run queued file jobs")
    worker_parser.set_defaults(run=worker)

    migrate_parser = commands.add_parser("migrate", help="apply database migrations")
    migrate_parser.set_defaults(run=migrate)

    admin_parser = commands.add_parser("create-admin", help="create an admin or promote a user")
    admin_parser.add_argument("--email", required=True)
    admin_parser.add_argument("--password", required=True)
    admin_parser.add_argument("--first-name", default="Admin")
    admin_parser.set_defaults(run=create_admin)

    commands.add_parser(
        "train", help="train and export the model (needs the 'train' extra); see train --help"
    )
    commands.add_parser(
        "train-russian",
        help="fine-tune and add the Russian member to a trained model (needs the 'train' "
        "extra); see train-russian --help",
    )

    return parser


def group_names(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("name at least one group, e.g. accounts,service")

    return names


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from tonality.app import create_app

    settings = msgspec.structs.replace(
        settings,
        host=args.host or settings.host,
        port=args.port or settings.port,
    )
    try:
        app = create_app(settings, args.only)
    except ValueError as error:
        print(f"tonality serve: {error}", file=sys.stderr)
        return 2

    logger.info(
        "serving host=%s port=%s groups=%s env=%s",
        settings.host,
        settings.port,
        ",".join(args.only) if args.only else "all",
        settings.env.value,
    )
    # Uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again
    # for the previous handler; a no-op one makes that stop exit with 0.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _stopped_by_signal)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )

    return 0


def _stopped_by_signal(signum: int, frame: FrameType | None) -> None:
    logger.info("stopped by signal signal=%s", signal.Signals(signum).name)


def worker(settings: Settings, args: argparse.Namespace) -> int:
    from tonality.worker import run_worker

    if settings.database_url is None:
        logger.warning(
            "no TONALITY_DATABASE_URL: this worker uses the embedded Postgres in %s; "
            "`tonality serve` already runs a worker of its own there",
            settings.data_dir,
        )
    asyncio.run(run_worker(settings))

    return 0


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    from infra.db import run_migrations

    async def apply() -> None:
        async with database_of(settings) as dsn:
            await run_migrations(dsn)

    asyncio.run(apply())
    logger.info("migrations applied")

    return 0


@asynccontextmanager
async def database_of(settings: Settings) -> AsyncIterator[str]:
    """The configured database's DSN, or the embedded server's while it runs."""
    if settings.database_url:
        yield settings.database_url
        return

    from infra.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.data_dir)
    dsn = await server.start()
    try:
        yield dsn
    finally:
        await server.stop()


def create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from domain.errors import InvalidInput

    try:
        user, created = asyncio.run(
            _create_or_promote_admin(settings, args.email, args.password, args.first_name)
        )
    except InvalidInput as error:
        print(f"tonality create-admin: {error.detail}", file=sys.stderr)
        return 2

    what = "created" if created else "promoted to admin"
    print(f"{user.email} (id {user.id}) {what}")

    return 0


async def _create_or_promote_admin(
    settings: Settings, email: str, password: str, first_name: str
) -> tuple[User, bool]:
    """Create an active admin, or make the existing user one with this password.

    Promotion bumps the user's auth version, so their open sessions end.
    """
    from domain.emails import valid_email
    from domain.passwords_policy import check_new_password
    from infra.db import close_engine, open_engine, run_migrations
    from infra.passwords import Argon2Hasher
    from infra.users import PiccoloUserRepository

    email = valid_email(email)
    check_new_password(password)
    users, hasher = PiccoloUserRepository(), Argon2Hasher()

    async with database_of(settings) as dsn:
        await run_migrations(dsn)
        engine = await open_engine(dsn, max_size=2)
        try:
            password_hash = await hasher.hash(password)
            existing = await users.get_by_email(email)
            if existing is None:
                new = NewUser(
                    email=email,
                    password_hash=password_hash,
                    first_name=first_name,
                    role=Role.ADMIN,
                )
                return await users.add(new), True

            changes = UserChanges(
                role=Role.ADMIN,
                is_active=True,
                password_hash=password_hash,
                bump_auth_version=True,
            )
            promoted = await users.update(existing.id, changes)
            assert promoted is not None, "the user vanished while being promoted"
            return promoted, False
        finally:
            await close_engine(engine)


def train(command: str, argv: list[str]) -> int:
    try:
        if command == "train-russian":
            from ml.export.russian import main as train_main
        else:
            from ml.export.train import main as train_main
    except ImportError as error:
        print(f"{TRAIN_EXTRA_MISSING}\n({error})", file=sys.stderr)
        return 2

    result = train_main(argv)

    return result if isinstance(result, int) else 0
