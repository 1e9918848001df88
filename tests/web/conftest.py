"""The site as a person meets it: two `tonality serve` processes behind
Debian's nginx (with infra/nginx/tonality.conf), driven by Debian's
Chromium through Playwright.

Without nginx, Chromium or Playwright these tests skip on a workstation and
fail in CI (`CI` set), so CI can never pass them by leaving them out.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import pytest

from handlers.web.client import DIST
from infra.db.scratch import scratch_database
from tests.conftest import Memcached, S3Server, free_port, wait_for_port
from tests.serve_process import TONALITY, Served, clean_environment, serving

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize

REPO = Path(__file__).resolve().parents[2]
NGINX_TEMPLATE = REPO / "infra" / "nginx" / "tonality.conf"
ARTIFACTS = REPO / "test-artifacts" / "web"

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CHROMIUM = os.environ.get("TONALITY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The development defaults: the admin a newcomer logs in with.
ADMIN_EMAIL = "sent@admin.com"
ADMIN_PASSWORD = "admin123"
PASSWORD = "correct horse battery"
SECRET_KEY = "web-tests-secret-key-shared-by-both-processes"

SERVICE_PROCESSES = 2


def require(available: bool, what: str, install: str) -> None:
    """Skip when `what` is missing, except in CI, where that is a failure."""
    if available:
        return

    message = f"{what} is missing; install it with `{install}`"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run the browser tests, not skip them)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def tools() -> None:
    require(Path(NGINX).is_file(), "nginx", "apt-get install -y nginx")
    require(Path(CHROMIUM).is_file(), f"Chromium at {CHROMIUM}", "apt-get install -y chromium")
    require(
        importlib.util.find_spec("playwright") is not None,
        "the playwright package",
        "pip install -e '.[dev]'",
    )
    require((DIST / "index.html").is_file(), "web/dist", "cd web && npm ci && npm run build")


@pytest.fixture(scope="session")
async def web_dsn(pg_dsn: str) -> AsyncIterator[str]:
    """A database of these tests alone, so the default admin is created in it."""
    async with scratch_database(pg_dsn, "tonality_web") as dsn:
        yield dsn


@dataclass
class Site:
    """The site behind nginx, and what a test may need to look at."""

    base_url: str
    services: list[Served]
    nginx_log: Path

    def url(self, path: str = "/") -> str:
        return f"{self.base_url}{path}"


def render_nginx_config(listen: str, root: Path, upstreams: list[str]) -> str:
    """infra/nginx/tonality.conf with its placeholders filled, as envsubst would."""
    servers = " ".join(f"server {address};" for address in upstreams)
    values = {
        "${TONALITY_NGINX_LISTEN}": listen,
        "${TONALITY_NGINX_ROOT}": str(root),
        "${TONALITY_NGINX_UPSTREAM}": servers,
    }
    text = NGINX_TEMPLATE.read_text()
    for placeholder, value in values.items():
        assert placeholder in text, f"{placeholder} is gone from {NGINX_TEMPLATE}"
        text = text.replace(placeholder, value)

    return text


def nginx_main_config(workdir: Path, site_config: Path) -> str:
    """A whole nginx.conf of our own: pid, logs and temp files in `workdir`."""
    temp = {name: workdir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    # Workers run as root only when the tests do (root owns the temp dirs).
    user = "user root;" if os.geteuid() == 0 else ""

    return f"""
{user}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {workdir}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site_config};
}}
"""


class Nginx:
    """Debian's nginx in the foreground, with a config of the test's own."""

    def __init__(self, workdir: Path, site_config: str, port: int) -> None:
        self.workdir = workdir
        self.port = port
        self.error_log = workdir / "error.log"
        (workdir / "tonality.conf").write_text(site_config)
        self.config = workdir / "nginx.conf"
        self.config.write_text(nginx_main_config(workdir, workdir / "tonality.conf"))
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *extra: str) -> list[str]:
        return [
            NGINX,
            "-p",
            str(self.workdir),
            "-c",
            str(self.config),
            "-e",
            str(self.error_log),
            *extra,
        ]

    def start(self) -> None:
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, f"nginx rejects the config:\n{checked.stderr}"

        self.process = subprocess.Popen(self.command("-g", "daemon off;"))
        wait_for_port("127.0.0.1", self.port, timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish first
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def job_worker(workdir: Path, **settings: str) -> Iterator[subprocess.Popen[bytes]]:
    """`tonality worker`, the process that runs file jobs in production."""
    log_path = workdir / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(TONALITY), "worker"],
            cwd=workdir,
            env=clean_environment(**settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        print(log_path.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="session")
def site(
    tools: None,
    web_dsn: str,
    memcached: Memcached,
    s3_server: S3Server,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """Two service processes and a job worker sharing Postgres, memcached
    and S3, the services behind nginx: the production layout in small."""
    workdir = tmp_path_factory.mktemp("site")
    settings = {
        "database_url": web_dsn,
        "memcached": memcached.address,
        "s3_endpoint": s3_server.endpoint,
        "s3_access_key": s3_server.access_key,
        "s3_secret_key": s3_server.secret_key,
        "s3_bucket": "tonality-web-tests",
        "s3_secure": "false",
        "secret_key": SECRET_KEY,
        "data_dir": str(workdir / "data"),
    }

    with ExitStack() as stack:
        services = [
            stack.enter_context(serving(workdir, **settings)) for _ in range(SERVICE_PROCESSES)
        ]
        stack.enter_context(job_worker(workdir, **settings))
        upstreams = [service.base_url.removeprefix("http://") for service in services]

        port = free_port()
        config = render_nginx_config(f"127.0.0.1:{port}", DIST, upstreams)
        nginx_dir = workdir / "nginx"
        nginx_dir.mkdir()
        nginx = Nginx(nginx_dir, config, port)
        nginx.start()
        stack.callback(nginx.stop)

        yield Site(f"http://127.0.0.1:{port}", services, nginx.error_log)
        print(nginx.error_log.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def playwright(site: Site) -> Iterator[Playwright]:
    """Playwright's driver for one module. NOTE: while it runs, its event loop
    counts as running, so the async fixtures (`site`'s database) must be set
    up before it starts and torn down after it stops."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the screenshots go (gitignored; CI keeps the directory)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# Every blob the page hands to the browser as a download, kept for the test:
# Playwright's own download handling does not work with this Chromium.
CAPTURE_DOWNLOADS = """
window.__downloads = [];
const createObjectURL = URL.createObjectURL.bind(URL);
URL.createObjectURL = (blob) => {
  window.__downloads.push(blob);
  return createObjectURL(blob);
};
"""


@dataclass
class Person:
    """One person at one browser: a fresh profile, its own cookies."""

    name: str
    context: BrowserContext
    page: Page
    site: Site
    artifacts: Path
    profile: Path
    shots: int = 0

    def open(self, path: str = "/") -> None:
        self.page.goto(self.site.url(path))

    def shoot(self, what: str) -> Path:
        """A full-page screenshot named for the person and the step."""
        self.shots += 1
        path = self.artifacts / f"{self.name}-{self.shots:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def fetch(self, path: str) -> dict[str, Any]:
        """GET `path` from inside the page, with its cookies: status, type, bytes."""
        result: dict[str, Any] = self.page.evaluate(
            """async (path) => {
                const response = await fetch(path, { credentials: "same-origin" });
                const bytes = new Uint8Array(await response.arrayBuffer());
                return { status: response.status, type: response.headers.get("content-type"),
                         bytes: Array.from(bytes) };
            }""",
            path,
        )
        result["bytes"] = bytes(result["bytes"])
        return result

    def wait_until(self, expression: str, timeout: float = 20.0) -> None:
        """Poll `expression` until it is true. NOTE: not wait_for_function,
        whose in-page polling evaluates strings, which the page's CSP forbids."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
            self.page.wait_for_timeout(100)

    def downloaded_texts(self, count: int = 1) -> list[str]:
        """The text of the first `count` files the page offered as downloads."""
        self.wait_until(f"window.__downloads.length >= {count}")
        texts: list[str] = self.page.evaluate(
            "Promise.all(window.__downloads.map((blob) => blob.text()))"
        )
        return texts


class OpenBrowser(Protocol):
    def __call__(
        self, name: str, viewport: ViewportSize | None = None, locale: str = "en-GB"
    ) -> Person: ...


@pytest.fixture
def person(playwright: Playwright, site: Site, artifacts: Path) -> Iterator[OpenBrowser]:
    """`person("name")` opens a new Chromium with a fresh profile for that name."""
    opened: list[Person] = []

    def open_browser(
        name: str, viewport: ViewportSize | None = None, locale: str = "en-GB"
    ) -> Person:
        profile = tempfile.mkdtemp(prefix=f"tonality-{name}-")
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            accept_downloads=False,
            locale=locale,
            viewport=viewport or {"width": 1200, "height": 900},
        )
        context.set_default_timeout(20_000)
        context.add_init_script(CAPTURE_DOWNLOADS)
        page = context.pages[0] if context.pages else context.new_page()
        opened.append(Person(name, context, page, site, artifacts, Path(profile)))
        return opened[-1]

    yield open_browser

    for browser in opened:
        browser.context.close()
        shutil.rmtree(browser.profile, ignore_errors=True)


def register(site: Site, email: str, password: str = PASSWORD, first_name: str = "Test") -> None:
    """An account made straight through the API, for tests about something else."""
    body = {"email": email, "password": password, "first_name": first_name}
    response = httpx.post(site.url("/api/v1/auth/register"), json=body, timeout=30)
    assert response.status_code == 201, response.text


def unique_email(prefix: str) -> str:
    return f"{prefix}-{time.time_ns() % 10**10}@example.com"
