"""PostgreSQL restarts under a running web with requests in flight.

The test starts everything it needs and stops all of it at the end: a PostgreSQL of its own
(tests/chaos/postgres.py) and a Redis of its own on free loopback ports, then gunicorn with the
production settings and the connection pool, a Celery worker and beat. Client threads keep
reading pages, calling /healthz and posting a form while PostgreSQL stops (`pg_ctl stop -m
fast`: requests in flight lose their connection), stays down 8 seconds and starts again.
Nobody touches the web, the worker or beat.

What it proves: no 500 at any time; during the outage the French "try again in a moment"
page (503, Retry-After) and /healthz 503; once PostgreSQL is back, every request answered and
/healthz 200 with no manual step; the worker, not restarted, runs a task after the restart;
beat, which keeps its schedule in a file and opens no database connection, runs on."""

import http.client
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
import pytest
import redis

from tests.chaos.postgres import ThrowawayPostgres
from tests.utils import BASE_DIR, PYTHON, free_port, subprocess_env, wait_for

pytestmark = pytest.mark.chaos

UNAVAILABLE = (
    "Le service est très sollicité ou momentanément indisponible. Réessayez dans un instant."
)
DATABASE = "o2r"
OFFICER = "officer@chaos.test"
ADMINISTRATOR = "admin@chaos.test"
PASSWORD = "chaos-mot-de-passe-2026"
# Long enough to catch psycopg_pool's doubling back-off (attempts 0, 1, 3, 7, 15 s after the
# first failure): with its default reconnect_timeout (5 min), the next attempt came ~6 s after
# PostgreSQL was back and requests waiting for a connection got 503s until then.
OUTAGE_SECONDS = 8
AFTER_RESTART = 50  # requests that must all succeed once PostgreSQL is back

# Production settings with one change: collectstatic writes to the test's folder, not var/.
SETTINGS_SHIM = """from o2r.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
"""

SCHEMA_AND_DATA = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.residents.factories import ResidenceFactory, ResidenceMembershipFactory, ResidentFactory
adoma = OrganisationFactory(adoma=True)
residence = ResidenceFactory()
officer = UserFactory(email={OFFICER!r}, organisation=adoma, password={PASSWORD!r})
ResidenceMembershipFactory(user=officer, residence=residence)
UserFactory(email={ADMINISTRATOR!r}, organisation=adoma, administrator=True, password={PASSWORD!r})
ResidentFactory.create_batch(5, residence=residence)
"""


# --- Processes ---------------------------------------------------------------------------


class Processes:
    """Processes started in their own session (a process and its children: one group), each
    with a log file; all ended by `stop_all`, whatever happened."""

    def __init__(self, folder):
        self.folder = folder
        self.started = {}

    def start(self, name, args, env):
        log_path = self.folder / f"{name}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                args,
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started[name] = (process, log_path)
        return process, log_path

    def log(self, name):
        return self.started[name][1].read_text(errors="replace")

    def stop_all(self):
        for process, _ in reversed(self.started.values()):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in reversed(self.started.values()):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def postgres():
    server = ThrowawayPostgres(free_port())
    try:
        server.init()
        server.start()
        server.create_database(DATABASE)
        yield server
    finally:
        server.destroy()


@pytest.fixture
def redis_url(processes, tmp_path):
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    args += ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process, log_path = processes.start("redis", args, os.environ.copy())
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1)

    def answers():
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    wait_for(answers, worker=process, log_path=log_path, timeout=20)
    client.close()
    return url


@dataclass
class Application:
    port: int
    postgres: ThrowawayPostgres
    processes: Processes


@pytest.fixture
def application(postgres, redis_url, processes, tmp_path):
    """gunicorn (2 workers of 4 threads, the pool on, 2 s to get a connection), a worker and
    beat, with the production settings, on the throwaway PostgreSQL and Redis."""
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    static_root = tmp_path / "static"
    (settings_dir / "chaos_settings.py").write_text(
        SETTINGS_SHIM.format(static_root=str(static_root))
    )
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="chaos_settings",
        PYTHONPATH=f"{settings_dir}{os.pathsep}{BASE_DIR}",
        O2R_ENV="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on the loopback
        O2R_MFA_REQUIRED="false",  # the administrator signs in without a second factor
        DATABASE_URL=postgres.url(DATABASE),
        REDIS_URL=redis_url,
        O2R_VAR_DIR=str(tmp_path / "var"),
        O2R_DB_POOL="false",
        O2R_DB_POOL_MIN_SIZE=None,
        O2R_DB_POOL_MAX_SIZE=None,
        O2R_DB_POOL_MAX_IDLE=None,
        O2R_DB_POOL_TIMEOUT=None,
        CONN_MAX_AGE=None,
    )
    # All at once, the machine has two cores: the schema and the data, collectstatic, worker
    # and beat (neither queries at start); gunicorn once the static files' manifest is there.
    schema, _ = processes.start("schema", [PYTHON, "-c", SCHEMA_AND_DATA], env)
    collect, _ = processes.start(
        "collectstatic", [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env
    )
    celery = [PYTHON, "-m", "celery", "-A", "o2r"]
    worker_args = ["worker", "-Q", "default,sms", "--concurrency=1", "--loglevel=INFO"]
    worker_args += ["--without-mingle", "--without-gossip", "-n", "chaos-postgres@%h"]
    worker, worker_log = processes.start("worker", [*celery, *worker_args], env)
    beat, beat_log = processes.start(
        "beat",
        [*celery, "beat", "--loglevel=INFO", "-s", str(tmp_path / "celerybeat-schedule")],
        env,
    )
    assert collect.wait(timeout=60) == 0, processes.log("collectstatic")[-3000:]
    port = free_port()
    web_env = {**env, "O2R_DB_POOL": "true", "O2R_DB_POOL_TIMEOUT": "2"}
    gunicorn = [str(BASE_DIR / ".venv" / "bin" / "gunicorn"), "o2r.wsgi:application"]
    gunicorn += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
    gunicorn += ["--timeout", "30", "--access-logfile", "-"]
    web, web_log = processes.start("web", gunicorn, web_env)
    assert schema.wait(timeout=120) == 0, processes.log("schema")[-3000:]

    def web_answers():
        try:
            return request(port, "GET", "/connexion/").status == 200
        except OSError:
            return False

    wait_for(web_answers, worker=web, log_path=web_log, timeout=60)
    wait_for(lambda: "ready." in worker_log.read_text(), worker=worker, log_path=worker_log)
    wait_for(lambda: "Starting..." in beat_log.read_text(), worker=beat, log_path=beat_log)
    return Application(port, postgres, processes)


# --- A tiny HTTP client -------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content: str
    cookies: dict
    headers: http.client.HTTPMessage


def request(port, method, url, *, cookies=None, body=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(body)
    try:
        connection.request(method, url, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return Answer(response.status, content, {k: m.value for k, m in jar.items()}, response.msg)
    finally:
        connection.close()


def form_token(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def login(port, email):
    page = request(port, "GET", "/connexion/")
    cookies = page.cookies
    body = {"csrfmiddlewaretoken": form_token(page.content), "username": email}
    answer = request(
        port, "POST", "/connexion/", cookies=cookies, body={**body, "password": PASSWORD}
    )
    assert answer.status == 302, (email, answer.status, answer.content[-2000:])
    cookies.update(answer.cookies)
    return cookies


# --- Traffic ------------------------------------------------------------------------------


@dataclass
class Record:
    kind: str
    method: str
    url: str
    started: float
    ended: float
    status: int | str
    content: str
    retry_after: str | None


class Traffic:
    """Client threads, each going round its plan of requests until stopped; every answer
    (or transport error) is recorded with the time it was asked."""

    def __init__(self, port):
        self.port = port
        self.records = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []

    def add_client(self, plan, pause):
        self.threads.append(threading.Thread(target=self._client, args=(plan, pause)))

    def _client(self, plan, pause):
        number = 0
        while not self.stopping.is_set():
            kind, method, url, cookies, body = plan[number % len(plan)]
            number += 1
            started = time.monotonic()
            try:
                answer = request(self.port, method, url, cookies=cookies, body=body)
                status, content = answer.status, answer.content
                retry_after = answer.headers.get("Retry-After")
            except OSError as error:  # no answer at all: as bad as a 500
                status, content, retry_after = type(error).__name__, str(error), None
            record = Record(
                kind, method, url, started, time.monotonic(), status, content, retry_after
            )
            with self.lock:
                self.records.append(record)
            self.stopping.wait(pause)

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def since(self, moment):
        with self.lock:
            return [r for r in self.records if r.started >= moment]


def succeeded(record):
    return record.status in (200, 302)


def pings(postgres, since):
    """(asked, answered) pings of the worker check requested since `since` (wall clock)."""
    with psycopg.connect(postgres.url(DATABASE), connect_timeout=2) as conn:
        return conn.execute(
            "SELECT count(*), count(done_at) FROM core_workerping WHERE requested_at >= %s",
            [since],
        ).fetchone()


def test_postgres_restart_gives_503_then_everything_works_again(application):
    port, postgres = application.port, application.postgres
    began = time.monotonic()
    officer = login(port, OFFICER)
    administrator = login(port, ADMINISTRATOR)
    residents = request(port, "GET", "/residents/", cookies=officer)
    assert residents.status == 200, residents.content[-2000:]
    files = list(dict.fromkeys(re.findall(r'href="(/residents/\d+/)"', residents.content)))
    assert len(files) == 5
    check_page = request(port, "GET", "/systeme/worker/", cookies=administrator)
    assert check_page.status == 200, check_page.content[-2000:]
    ping_form = {"csrfmiddlewaretoken": form_token(check_page.content)}

    traffic = Traffic(port)
    pages = [("page", "GET", url, officer, None) for url in ["/residents/", *files[:2], "/"]]
    traffic.add_client(pages, pause=0.05)
    traffic.add_client(pages[::-1], pause=0.05)
    traffic.add_client([("healthz", "GET", "/healthz", None, None)], pause=0.2)
    ping = [("form", "POST", "/systeme/worker/", administrator, ping_form)]
    traffic.add_client(ping, pause=0.5)
    start_of_test = datetime.now(UTC)
    traffic.start()
    try:
        # Before: the worker has answered a ping, so it holds a database connection.
        wait_for(lambda: pings(postgres, start_of_test)[1] >= 1, timeout=30)
        wait_for(lambda: len(traffic.since(began)) >= 20, timeout=30)

        stopping = time.monotonic()
        postgres.stop(mode="fast")
        down = time.monotonic()

        # The outage lasts OUTAGE_SECONDS at least, and until pages and /healthz said 503.
        def outage_seen():
            seen = {r.kind for r in traffic.since(stopping) if r.status == 503}
            return {"page", "healthz"} <= seen and time.monotonic() - down >= OUTAGE_SECONDS

        wait_for(outage_seen, timeout=30)
        postgres.start()
        up = time.monotonic()
        restarted_at = datetime.now(UTC)

        def recovered():
            answered = len(traffic.since(up)) >= AFTER_RESTART
            return answered and pings(postgres, restarted_at)[1] >= 1

        wait_for(recovered, timeout=40)
    finally:
        traffic.stop()
    ended = time.monotonic()

    records = traffic.records
    before = [r for r in records if r.ended < stopping]
    during = [r for r in records if stopping <= r.started < up]
    after = [r for r in records if r.started >= up]
    figures = {
        "before": Counter(r.status for r in before),
        "during": Counter((r.kind, r.status) for r in during),
        "after": Counter(r.status for r in after),
        "outage_s": round(up - stopping, 1),
        "first_success_after_up_s": round(
            min((r.ended for r in after if succeeded(r)), default=ended) - up, 2
        ),
        "traffic_s": round(ended - began, 1),
    }
    print(figures)  # with -s: the statuses seen and the times, for the record

    # Never a 500, never a dropped connection: only 200, 302 (the posted form) and 503.
    wrong = [(r.kind, r.url, r.status, r.content[-300:]) for r in records]
    wrong = [w for w in wrong if w[2] not in (200, 302, 503)]
    assert not wrong, (figures, wrong[:5])
    assert all(succeeded(r) for r in before), figures

    # During the outage: the French page with Retry-After, and /healthz 503.
    unavailable = [r for r in during if r.status == 503 and r.kind != "healthz"]
    assert unavailable, figures
    for record in unavailable:
        assert UNAVAILABLE in record.content, record.content[-500:]
        assert record.retry_after and record.retry_after.isdigit()
        assert "Traceback" not in record.content
    assert {r.kind for r in unavailable} == {"page", "form"}, figures
    healthz_down = [r for r in during if r.kind == "healthz" and r.status == 503]
    assert healthz_down and all('"database": "ok"' not in r.content for r in healthz_down)

    # Once PostgreSQL is back: every request answered, /healthz 200, a task run by the worker
    # that was never restarted, beat still running.
    assert len(after) >= AFTER_RESTART
    assert all(succeeded(r) for r in after), (figures, [(r.url, r.status) for r in after][:10])
    assert any(r.kind == "healthz" for r in after)
    assert any(r.kind == "form" for r in after)
    asked, answered = pings(postgres, restarted_at)
    assert answered >= 1, (asked, answered)
    for name in ("web", "worker", "beat"):
        process, _ = application.processes.started[name]
        assert process.poll() is None, application.processes.log(name)[-3000:]
    beat_log = application.processes.log("beat")
    assert "Traceback" not in beat_log and "OperationalError" not in beat_log, beat_log[-3000:]
    web_log = application.processes.log("web")
    assert "WORKER TIMEOUT" not in web_log
    # One line per 503 for the operator (o2r.database), no traceback, no "Internal Server Error".
    assert "Traceback" not in web_log and "Internal Server Error" not in web_log, web_log[-3000:]
    assert web_log.count("Base de données indisponible, réponse 503") >= len(unavailable)
    assert web_log.count("Booting worker") == 2, web_log[-3000:]  # no worker died
