"""The composition root: settings in, a Litestar app out.

The only place that turns settings into adapters. Handler groups are
independent, so `create_app(settings, ["accounts", "service"])` serves just
those two.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from copy import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from litestar import Litestar, Request, Response, Router
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from api.content_type import require_json_body
from api.cookies import CookiePolicy
from api.errors import EXCEPTION_HANDLERS, ErrorBody, error_response, unavailable
from api.headers import SCHEMA_PATH, security_headers
from api.metrics import MetricsMiddleware
from api.openapi import SECURITY_SCHEMES, StrictStructSchemaPlugin, common_errors, security_of
from api.request_id import RequestIdMiddleware
from api.schema_page import swagger_assets, swagger_page
from api.session import UNSAFE_METHODS, SessionMiddleware
from domain.accounts import Accounts
from domain.administration import Administration
from domain.auth import AuthService, utc_now
from domain.health import Probe
from domain.jobs import FileJobs, JobRunner
from infra.settings import Settings
from tonality import __version__

if TYPE_CHECKING:
    from domain.sentiment import Sentiment

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

# Group name -> the module whose `ROUTES` it serves.
GROUPS: dict[str, str] = {
    "accounts": "handlers.accounts",
    "admin": "handlers.admin",
    "sentiment": "handlers.sentiment",
    "jobs": "handlers.jobs",
    "service": "handlers.service",
    "web": "handlers.web",
}
# Groups that need the model loaded.
MODEL_GROUPS = frozenset({"sentiment", "jobs"})
# These groups live under /api/v1 behind the session middleware. The
# service group brings its own prefixes (/metrics sits outside /api/v1).
PRIVATE_GROUPS = frozenset({"accounts", "admin", "sentiment", "jobs"})

API_DESCRIPTION = (
    "Sentiment analysis for Russian and English texts. Log in with POST "
    "/api/v1/auth/login; it sets the `session` cookie and the `csrftoken` "
    "cookie, whose value every POST, PUT, PATCH and DELETE must echo in the "
    "`X-CSRF-Token` header."
)

# What a handler's signature receives without the client sending it.
INJECTED = frozenset(
    {"request", "accounts", "administration", "auth", "probes", "model_card", "sentiment", "jobs"}
    | {"cookie_policy", "settings"}
)

# Room for multipart boundaries and part headers around a file at its limit.
MULTIPART_SLACK = 64 << 10


class Services:
    """What the lifespan builds and the handlers receive; empty until startup."""

    accounts: Accounts
    administration: Administration
    auth: AuthService
    probes: Sequence[Probe]
    model_card: dict[str, Any] | None
    sentiment: Sentiment
    jobs: FileJobs


def create_app(
    settings: Settings,
    groups: Collection[str] | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> Litestar:
    """Build the app from `groups` (default: all); `clock` lets tests move time.

    Raises `ValueError` naming an unknown group.
    """
    names = _chosen_groups(groups)
    services = Services()
    secret_key = settings.secret_key or secrets.token_urlsafe(48)
    cookie_policy = CookiePolicy(
        secure=settings.cookie_secure, max_age=settings.session_absolute_hours * 3600
    )

    route_handlers: list[ControllerRouterHandler] = [swagger_assets()]
    for name in names:
        route_handlers += _routers_of(name, settings, services)

    return Litestar(
        route_handlers=route_handlers,
        dependencies=_dependencies(services, settings, cookie_policy),
        exception_handlers=_exception_handlers(),
        lifespan=[_lifespan(settings, names, services, secret_key, clock or utc_now)],
        middleware=[RequestIdMiddleware, MetricsMiddleware],
        before_send=[security_headers(hsts=settings.cookie_secure)],
        request_max_body_size=settings.max_body_bytes,
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="Tonality",
            version=__version__,
            description=API_DESCRIPTION,
            path=SCHEMA_PATH,
            render_plugins=[swagger_page()],
            components=Components(security_schemes=dict(SECURITY_SCHEMES)),
        ),
        # infra.logging configures logging; Litestar must not replace it.
        logging_config=None,
    )


def _chosen_groups(groups: Collection[str] | None) -> list[str]:
    if groups is None:
        return list(GROUPS)

    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise ValueError(
            f"unknown handler group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}"
        )

    return [name for name in GROUPS if name in groups]


def _routers_of(name: str, settings: Settings, services: Services) -> list[ControllerRouterHandler]:
    routes: list[ControllerRouterHandler] = list(importlib.import_module(GROUPS[name]).ROUTES)
    if name not in PRIVATE_GROUPS:
        return [Router(path="/", route_handlers=routes)]

    middleware = [DefineMiddleware(SessionMiddleware, auth=lambda: services.auth)]
    body_limits = {
        "avatar": settings.avatar_max_bytes + MULTIPART_SLACK,
        "upload": settings.upload_max_bytes + MULTIPART_SLACK,
    }

    # Each route is copied before it is changed, so the module's handler
    # stays as it was for the next app.
    limited: list[ControllerRouterHandler] = []
    for route in routes:
        if isinstance(route, HTTPRouteHandler):
            route = _prepared(route, body_limits)
        limited.append(route)

    return [Router(path=API_PREFIX, route_handlers=limited, middleware=middleware)]


def _prepared(route: HTTPRouteHandler, body_limits: dict[str, int]) -> HTTPRouteHandler:
    """A copy with its body limit and content check, its security, and the
    errors any private route can answer on top of those it declares."""
    route = copy(route)
    kind = route.opt.get("body_limit")
    if kind is not None:
        setattr(route, "request_max_body_size", body_limits[kind])  # noqa: B010
    takes_body = "data" in _parameters(route)
    if takes_body and kind is None:
        route.before_request = require_json_body

    public = bool(route.opt.get("public"))
    unsafe = bool(set(route.http_methods) & UNSAFE_METHODS)
    route.security = security_of(public=public, unsafe=unsafe)

    common = common_errors(
        public=public,
        unsafe=unsafe,
        admin_only=bool(route.guards),
        takes_input=_takes_input(route),
        json_body=takes_body and kind is None,
        takes_body=takes_body,
    )
    route.responses = {**common, **(route.responses or {})}
    return route


def _parameters(route: HTTPRouteHandler) -> set[str]:
    return set(inspect.signature(route.fn).parameters)


def _takes_input(route: HTTPRouteHandler) -> bool:
    """Whether the handler reads a body, a query or a path parameter."""
    return bool(_parameters(route) - INJECTED)


def _dependencies(
    services: Services, settings: Settings, cookie_policy: CookiePolicy
) -> dict[str, Provide]:
    def provide(get: Callable[[], Any]) -> Provide:
        return Provide(get, sync_to_thread=False)

    return {
        "accounts": provide(lambda: services.accounts),
        "administration": provide(lambda: services.administration),
        "auth": provide(lambda: services.auth),
        "probes": provide(lambda: services.probes),
        "model_card": provide(lambda: services.model_card),
        "sentiment": provide(lambda: services.sentiment),
        "jobs": provide(lambda: services.jobs),
        "cookie_policy": provide(lambda: cookie_policy),
        "settings": provide(lambda: settings),
    }


def _exception_handlers() -> ExceptionHandlersMap:
    import asyncpg

    handlers: ExceptionHandlersMap = dict(EXCEPTION_HANDLERS)
    database_down = unavailable("database")
    for error in (
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.CannotConnectNowError,
        asyncpg.AdminShutdownError,
        asyncpg.TooManyConnectionsError,
    ):
        handlers[error] = database_down

    store_down = unavailable("object store")
    for error in _object_store_errors():
        handlers[error] = store_down

    handlers[OSError] = _os_error
    handlers[Exception] = _unexpected
    return handlers


def _object_store_errors() -> tuple[type[Exception], ...]:
    from minio.error import MinioException
    from urllib3.exceptions import HTTPError

    return (MinioException, HTTPError)


def _os_error(request: Request, exc: OSError) -> Response[ErrorBody]:
    """A socket or file error from some backing service: name the likely one."""
    dependency = _dependency_behind(exc)
    return unavailable(dependency)(request, exc)


def _dependency_behind(exc: BaseException) -> str:
    traceback = exc.__traceback__
    modules: list[str] = []
    while traceback is not None:
        modules.append(str(traceback.tb_frame.f_globals.get("__name__", "")))
        traceback = traceback.tb_next

    if any(
        module.startswith(("asyncpg", "piccolo", "infra.db", "infra.users")) for module in modules
    ):
        return "database"
    if any(module.startswith(("minio", "urllib3", "infra.blobs")) for module in modules):
        return "object store"

    return "backing service"


def _unexpected(_: Request, exc: Exception) -> Response[ErrorBody]:
    logger.exception("request failed unexpectedly", exc_info=exc)
    return error_response(500, "something went wrong on our side; try again later")


def _lifespan(
    settings: Settings,
    names: Sequence[str],
    services: Services,
    secret_key: str,
    clock: Callable[[], datetime],
) -> Callable[[Litestar], Any]:
    @asynccontextmanager
    async def backing_services(_: Litestar) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await _start(stack, settings, names, services, secret_key, clock)
            logger.info("service started")
            yield

        logger.info("service stopped")

    return backing_services


async def _start(
    stack: AsyncExitStack,
    settings: Settings,
    names: Sequence[str],
    services: Services,
    secret_key: str,
    clock: Callable[[], datetime],
) -> None:
    """Open every backing service, build the domain, register the cleanups."""
    from infra.model_card import read_model_card
    from infra.probes import ModelProbe

    backends = await open_backends(stack, settings)
    _build_domain(services, settings, secret_key, clock, backends.cache, backends.blobs)
    services.probes = _probes(backends.engine, backends.cache, backends.blobs)
    services.model_card = read_model_card(settings.model_dir)

    if MODEL_GROUPS & set(names):
        classifier = await open_classifier(stack, settings)
        services.probes = [*services.probes, ModelProbe(classifier)]
        if "sentiment" in names:
            services.sentiment = _sentiment(stack, settings, classifier, clock)
        if "jobs" in names:
            services.jobs = _file_jobs(settings, backends, clock)
        if "jobs" in names and settings.runs_worker_in_process:
            runner = job_runner(stack, settings, backends, classifier, clock)
            await start_worker(stack, settings, backends.dsn, runner)

    await services.administration.ensure_default_admin(
        settings.admin_email, settings.admin_password
    )
    purged = await services.auth.purge_expired()
    logger.info("expired sessions purged count=%s", purged)


class Backends:
    """The adapters every process of the service opens at startup."""

    def __init__(self, dsn: str, engine: Any, cache: Any, blobs: Any) -> None:
        self.dsn = dsn
        self.engine = engine
        self.cache = cache
        self.blobs = blobs


async def open_backends(stack: AsyncExitStack, settings: Settings) -> Backends:
    """Postgres (embedded unless configured) with migrations and the job
    queue's tables, the session cache and the object store."""
    from infra.db import close_engine, open_engine, run_migrations
    from infra.queue import install_queue

    if settings.database_url is not None:
        dsn = settings.database_url
    else:
        from infra.db.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(settings.data_dir)
        dsn = await embedded.start()
        stack.push_async_callback(embedded.stop)

    await run_migrations(dsn)
    await install_queue(dsn)
    engine = await open_engine(dsn)
    stack.push_async_callback(close_engine, engine)

    cache = _session_cache(settings)
    stack.push_async_callback(cache.close)
    blobs = await _blob_store(settings)
    if hasattr(blobs, "close"):
        stack.push_async_callback(blobs.close)

    return Backends(dsn, engine, cache, blobs)


async def open_classifier(stack: AsyncExitStack, settings: Settings) -> Any:
    """The model behind a micro-batcher, loaded off the event loop."""
    import asyncio

    from infra.classifier import MissingModel, OnnxSentimentClassifier
    from ml.runtime.errors import ModelArtifactsError

    try:
        classifier = await asyncio.to_thread(OnnxSentimentClassifier, settings.model_dir)
    except ModelArtifactsError as error:
        logger.error("no usable model; predictions answer 503 reason=%s", error)
        return MissingModel(str(error))

    await classifier.start()
    stack.push_async_callback(classifier.close)

    return classifier


def _sentiment(
    stack: AsyncExitStack, settings: Settings, classifier: Any, clock: Callable[[], datetime]
) -> Sentiment:
    from domain.sentiment import Sentiment
    from infra.history import PiccoloTextHistory
    from infra.prediction_cache import MemcachedPredictionCache, NullPredictionCache

    cache: Any = NullPredictionCache()
    if settings.memcached_address is not None:
        cache = MemcachedPredictionCache(*settings.memcached_address)
        stack.push_async_callback(cache.close)

    return Sentiment(classifier=classifier, history=PiccoloTextHistory(), cache=cache, clock=clock)


def _file_jobs(settings: Settings, backends: Backends, clock: Callable[[], datetime]) -> FileJobs:
    from infra.job_files import SpreadsheetFileTypes
    from infra.jobs import PiccoloJobRepository
    from infra.queue import PgJobQueue

    return FileJobs(
        jobs=PiccoloJobRepository(),
        queue=PgJobQueue(backends.engine.pool),
        blobs=backends.blobs,
        file_types=SpreadsheetFileTypes(),
        max_upload_bytes=settings.upload_max_bytes,
        clock=clock,
    )


def job_runner(
    stack: AsyncExitStack,
    settings: Settings,
    backends: Backends,
    classifier: Any,
    clock: Callable[[], datetime],
) -> JobRunner:
    """The job runner, its rows classified on `worker_inference_threads` threads."""
    from infra.classifier import ParallelSentimentClassifier
    from infra.job_files import BlobResultWriter, BlobTableReader
    from infra.jobs import PiccoloJobRepository
    from infra.queue import PgJobQueue
    from infra.spreadsheets import XlsxLimits

    limits = XlsxLimits(max_uncompressed_bytes=settings.xlsx_max_uncompressed_bytes)
    parallel = ParallelSentimentClassifier(classifier, settings.worker_inference_threads)
    stack.push_async_callback(parallel.close)
    return JobRunner(
        jobs=PiccoloJobRepository(),
        queue=PgJobQueue(backends.engine.pool),
        blobs=backends.blobs,
        tables=BlobTableReader(backends.blobs, limits=limits),
        results=BlobResultWriter(backends.blobs),
        classifier=parallel,
        max_rows=settings.upload_max_rows,
        max_attempts=settings.job_max_attempts,
        clock=clock,
    )


async def start_worker(
    stack: AsyncExitStack, settings: Settings, dsn: str, runner: JobRunner
) -> None:
    """Run queued jobs in the background until the stack closes."""
    import asyncio
    from functools import partial

    from handlers.jobs import run_file_job
    from infra.queue import QueueWorker

    worker = QueueWorker(
        dsn,
        partial(run_file_job, runner=runner),
        concurrency=settings.worker_concurrency,
        heartbeat_seconds=settings.job_heartbeat_seconds,
        on_stop=runner.stop,
    )
    task = asyncio.create_task(worker.run(), name="job-worker")

    async def stop() -> None:
        worker.stop()
        await task

    stack.push_async_callback(stop)


def _build_domain(
    services: Services,
    settings: Settings,
    secret_key: str,
    clock: Callable[[], datetime],
    cache: Any,
    blobs: Any,
) -> None:
    from datetime import timedelta

    from infra.passwords import Argon2Hasher
    from infra.sessions import PostgresSessionStore
    from infra.throttle import PostgresLoginThrottle
    from infra.users import PiccoloUserRepository

    users = PiccoloUserRepository()
    hasher = Argon2Hasher()
    lock = timedelta(minutes=settings.login_lock_minutes)
    throttle = PostgresLoginThrottle(
        max_failures=settings.login_max_failures, window=lock, lock_for=lock
    )

    services.auth = AuthService(
        users=users,
        hasher=hasher,
        store=PostgresSessionStore(),
        cache=cache,
        throttle=throttle,
        secret_key=secret_key,
        idle_seconds=settings.session_idle_minutes * 60,
        absolute_seconds=settings.session_absolute_hours * 3600,
        max_failures=settings.login_max_failures,
        lock_seconds=int(lock.total_seconds()),
        clock=clock,
    )
    services.accounts = Accounts(
        users=users,
        hasher=hasher,
        auth=services.auth,
        blobs=blobs,
        avatar_max_bytes=settings.avatar_max_bytes,
    )
    services.administration = Administration(
        users=users, hasher=hasher, auth=services.auth, blobs=blobs
    )


def _session_cache(settings: Settings) -> Any:
    from infra.sessions import MemcachedSessionCache, NullSessionCache

    if settings.memcached_address is None:
        return NullSessionCache()

    return MemcachedSessionCache(*settings.memcached_address)


async def _blob_store(settings: Settings) -> Any:
    from infra.blobs import LocalBlobStore, S3BlobStore

    if settings.s3_endpoint is None:
        return LocalBlobStore(settings.data_dir / "objects")

    store = S3BlobStore(
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key or "",
        secret_key=settings.s3_secret_key or "",
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
    )
    await store.ensure_bucket()
    return store


def _probes(engine: Any, cache: Any, blobs: Any) -> list[Probe]:
    from infra.probes import BlobProbe, CacheProbe, DatabaseProbe

    return [DatabaseProbe(engine), CacheProbe(cache), BlobProbe(blobs)]
