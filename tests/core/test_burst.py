"""Finding 10, "Burst": many clients at once must neither exhaust PostgreSQL's connections nor
leave idle ones behind. The web process shares a bounded psycopg pool between its threads; a
database that is down or saturated answers a French 503 page, never a 500.

The burst test starts the web exactly as `make run` does (the `web:` line of Procfile.dev, run by
a shell as honcho runs it) against its own database loaded with the demo."""

import http.client
import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
import pytest
import yaml
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.urls import path
from psycopg import sql

from o2r.core.demo import DEMO_PASSWORD, USERS
from tests.utils import BASE_DIR, PYTHON, database_url, free_port, run_python, subprocess_env

UNAVAILABLE = (
    "Le service est très sollicité ou momentanément indisponible. Réessayez dans un instant."
)
CLIENTS = 100
PAGE_VIEWS = 1000

# --- A tiny HTTP client: one connection per request, cookies by hand ------------------------


ATTEMPTS = 5
transport_retries = []  # one item per connection the kernel dropped or reset, for the figures


class ConnectTimeout(Exception):
    pass


def _exchange(port, method, url, cookies, body, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        try:
            connection.connect()
        except TimeoutError as error:
            raise ConnectTimeout(str(error)) from error
        connection.sock.settimeout(120)
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        connection.request(method, url, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, content, {k: m.value for k, m in jar.items()}, response
    finally:
        connection.close()


def _request(port, method, url, cookies=None, body=None, headers=None):
    """runserver listens with a backlog of 10 (Django's WSGIServer.request_queue_size): under
    100 clients the kernel drops or resets some connections before Django sees them, and the
    client tries again (these are GETs, and the login's POST comes before the burst). Any answer
    of the server, whatever its status, is returned as it is: the tests judge those."""
    for attempt in range(ATTEMPTS):
        try:
            return _exchange(port, method, url, cookies, body, headers)
        except (ConnectionRefusedError, ConnectionResetError, ConnectTimeout):
            if attempt == ATTEMPTS - 1:
                raise
            transport_retries.append(url)
    raise AssertionError("unreachable")


def login(port, email, password=DEMO_PASSWORD):
    """The cookies of a session opened through the login form, as a person would."""
    status, page, cookies, _ = _request(port, "GET", "/connexion/")
    assert status == 200, page[-2000:]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
    status, page, new, response = _request(
        port,
        "POST",
        "/connexion/",
        cookies=cookies,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302, (email, status, page[-2000:])
    cookies.update(new)
    assert "sessionid" in cookies, (email, response.headers)
    return cookies


def pages_of(port, cookies):
    """The account's pages that answer 200: home, residents, a few resident files, reminders."""
    candidates = ["/", "/residents/", "/rappels/"]
    status, page, _, _ = _request(port, "GET", "/residents/", cookies=cookies)
    if status == 200:
        files = dict.fromkeys(re.findall(r'href="(/residents/\d+/)"', page))
        candidates += list(files)[:3]
    return [url for url in candidates if _request(port, "GET", url, cookies=cookies)[0] == 200]


def burst(port, plan, clients=CLIENTS, page_views=PAGE_VIEWS):
    """`clients` threads start together and share `page_views` GETs of `plan` (cookies, url)
    round-robin. Returns the statuses by count, the non-200 answers and the duration."""
    statuses = Counter()
    failures = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(number):
        start.wait()
        for view in range(number, page_views, clients):
            cookies, url = plan[view % len(plan)]
            try:
                status, content, _, _ = _request(port, "GET", url, cookies=cookies)
            except (OSError, ConnectTimeout) as error:  # even after the retries: a failure
                status, content = f"{type(error).__name__}", str(error)
            with lock:
                statuses[status] += 1
                if status != 200:
                    failures.append((url, status, content[-500:]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, failures, time.monotonic() - started


# Clients' connections only: an autovacuum worker also shows the database's name.
CONNECTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
)


def connections_to(server_url, name):
    """Server connections to database `name`, counted from the maintenance database."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        return conn.execute(CONNECTIONS, [name]).fetchone()[0]


class PeakConnections(threading.Thread):
    """Samples the connections to one database while the burst runs; keeps the highest."""

    def __init__(self, server_url, name):
        super().__init__(daemon=True)
        self.server_url, self.name = server_url, name
        self.peak = 0
        self.stopping = threading.Event()

    def run(self):
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            while not self.stopping.is_set():
                count = conn.execute(CONNECTIONS, [self.name]).fetchone()[0]
                self.peak = max(self.peak, count)
                self.stopping.wait(0.05)

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)
        return self.peak


def procfile_command(name):
    for line in (BASE_DIR / "Procfile.dev").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name}: line in Procfile.dev")


# --- The burst against the web as `make run` starts it --------------------------------------


@pytest.fixture
def demo_database():
    """A database of its own, migrated and loaded with the demo by the management commands
    (no pool there), dropped afterwards."""
    name = f"o2r_burst_{uuid.uuid4().hex[:10]}"
    server = database_url("postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = database_url(name)
    try:
        env = subprocess_env(DATABASE_URL=url, O2R_DB_POOL=None)
        for command in (["migrate", "--noinput"], ["load_demo"]):
            result = subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        yield name, url, server
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def web(demo_database, tmp_path):
    """The Procfile's web line, in a shell as honcho runs it, with the virtualenv's python first
    on PATH as o2r.devrun sets it. Nothing sets O2R_DB_POOL but that line."""
    name, url, server = demo_database
    port = free_port()
    env = subprocess_env(
        DATABASE_URL=url,
        O2R_DB_POOL=None,
        O2R_HOST="127.0.0.1",
        O2R_PORT=str(port),
        PATH=f"{os.path.dirname(PYTHON)}{os.pathsep}{os.environ.get('PATH', '')}",
        O2R_VAR_DIR=str(tmp_path / "var"),
    )
    log_path = tmp_path / "web.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ["/bin/sh", "-c", procfile_command("web")],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the shell, runserver and its autoreloaded child: one group
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            try:
                if _request(port, "GET", "/connexion/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield port, name, server, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


@pytest.mark.process
def test_a_burst_of_100_clients_gets_no_5xx_and_leaves_few_connections(web):
    port, name, server, log_path = web
    assert "O2R_DB_POOL=" in procfile_command("web")
    max_size = settings.DB_POOL_OPTIONS["max_size"]  # the same environment as the web's

    plan = []
    for email, *_ in USERS:
        cookies = login(port, email)
        pages = pages_of(port, cookies)
        assert "/" in pages, email
        plan += [(cookies, url) for url in pages]
    assert any(re.fullmatch(r"/residents/\d+/", url) for _, url in plan)
    assert {"/", "/residents/", "/rappels/"} <= {url for _, url in plan}

    monitor = PeakConnections(server, name)
    monitor.start()
    statuses, failures, _ = burst(port, plan)
    peak = monitor.stop()
    after = connections_to(server, name)

    assert sum(statuses.values()) == PAGE_VIEWS
    assert not [f for f in failures if not str(f[1]).startswith("4")], failures[:5]
    assert statuses == {200: PAGE_VIEWS}, (statuses, failures[:5])
    # The pool's connections only (this test counts from another database): bounded by its
    # size during the burst and after it, where one runserver thread per request kept one each.
    assert 1 <= peak <= max_size, peak
    assert after <= max_size, after
    log = log_path.read_text()
    assert "too many clients" not in log
    assert "Traceback" not in log


# --- The French 503 page -------------------------------------------------------------------


def _raise_operational(request):
    raise OperationalError("connection failed: FATAL: sorry, too many clients already")


def _raise_interface(request):
    raise InterfaceError("connection already closed")


def _raise_deadlock(request):
    import psycopg

    try:
        raise psycopg.errors.DeadlockDetected("deadlock detected")
    except psycopg.Error as error:
        raise OperationalError(str(error)) from error


urlpatterns = [
    path("indisponible/", login_not_required(_raise_operational)),
    path("coupee/", login_not_required(_raise_interface)),
    path("interblocage/", login_not_required(_raise_deadlock)),
]


def test_a_deadlock_is_a_bug_to_see_not_an_unavailable_database(client, settings):
    # A deadlock or a serialisation failure is not "try again in a moment": a 500, logged
    # with its traceback.
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/interblocage/")
    assert response.status_code == 500
    assert UNAVAILABLE not in response.content.decode()


def _assert_french_503(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert UNAVAILABLE in response.content.decode()
    assert "Traceback" not in response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/indisponible/", "/coupee/"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_database_error_in_a_view_gives_the_french_503_without_a_query(
    client, settings, caplog, url, htmx
):
    # No `db` fixture: pytest-django makes any query of the 503 page's rendering an error.
    settings.ROOT_URLCONF = __name__
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(url, headers=headers)
    _assert_french_503(response)
    logged = [r for r in caplog.records if r.name == "o2r.database"]
    assert len(logged) == 1
    assert logged[0].exc_info is None  # one line, not a traceback per waiting request
    assert url in logged[0].getMessage()


def test_a_database_error_in_a_middleware_gives_the_french_503(
    client, db, officer, monkeypatch, caplog
):
    # The first query of a signed-in request is the session's, in LoginRequiredMiddleware: a
    # database that refuses connections fails there, outside any view.
    client.force_login(officer)
    from django.contrib.sessions.backends.db import SessionStore

    def refuse(self):
        raise OperationalError("connection failed: FATAL: sorry, too many clients already")

    monkeypatch.setattr(SessionStore, "load", refuse)
    client.raise_request_exception = False
    for headers in ({}, {"HX-Request": "true"}):
        _assert_french_503(client.get("/residents/", headers=headers))
    # One line of its own per refused request, not Django's "Internal Server Error" and its
    # traceback: a PostgreSQL restart must not read as a wave of 500s in the log.
    assert [r for r in caplog.records if r.name == "django.request"] == []
    assert len([r for r in caplog.records if r.name == "o2r.database"]) == 2


def test_other_errors_stay_a_500(client, officer, settings):
    settings.ROOT_URLCONF = "tests.core.urls_failing"
    client.raise_request_exception = False
    client.force_login(officer)
    response = client.get("/panne/")
    assert response.status_code == 500
    assert UNAVAILABLE not in response.content.decode()


SATURATED_POOL = """
import json, threading, django
django.setup()
from django.db import connection
from django.test import Client
connection.ensure_connection()  # the pool's only connection, held by this thread
answer = {"pool": connection.settings_dict["OPTIONS"].get("pool")}
def visit():
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32  # any session key makes the request query
    response = client.get("/residents/", headers={"host": "localhost"})
    answer.update(status=response.status_code, retry=response.get("Retry-After"),
                  csp=response.get("Content-Security-Policy"), body=response.content.decode())
thread = threading.Thread(target=visit)
thread.start()
thread.join()
print(json.dumps(answer))
"""


@pytest.mark.process
def test_a_saturated_pool_gives_the_french_503(db):
    result = run_python(
        SATURATED_POOL,
        DATABASE_URL=database_url(),
        O2R_DB_POOL="true",
        O2R_DB_POOL_MIN_SIZE="1",
        O2R_DB_POOL_MAX_SIZE="1",
        O2R_DB_POOL_TIMEOUT="1",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["pool"]["max_size"] == 1
    assert answer["status"] == 503
    assert answer["retry"].isdigit()
    assert UNAVAILABLE in answer["body"]
    assert "script-src 'self'" in answer["csp"]
    assert "PoolTimeout" in result.stderr  # logged on one line for the operator


# --- Which process has a pool --------------------------------------------------------------

SETTINGS_SCRIPT = """
import json{imports}
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({{"pool": database["OPTIONS"].get("pool"), "age": database["CONN_MAX_AGE"],
                  "checks": database["CONN_HEALTH_CHECKS"]}}))
"""


def _database_settings(imports, **env):
    code = SETTINGS_SCRIPT.format(imports=imports)
    result = run_python(code, **{"O2R_DB_POOL": None, **env})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.process
def test_only_the_web_process_has_a_pool():
    # gunicorn imports o2r.wsgi before the settings: the pool is on there by default.
    gunicorn = _database_settings("\nimport o2r.wsgi")
    assert gunicorn["pool"] == settings.DB_POOL_OPTIONS
    assert gunicorn["age"] == 0
    assert _database_settings("\nimport o2r.wsgi", O2R_DB_POOL="false")["pool"] is None
    # Celery, management commands: persistent connections, health-checked, no pool.
    other = _database_settings("\nimport django; django.setup()")
    assert other == {"pool": None, "age": 60, "checks": True}
    assert "O2R_DB_POOL=false celery" in procfile_command("worker")
    assert "O2R_DB_POOL=false celery" in procfile_command("beat")


def test_the_test_suite_runs_without_a_pool():
    assert "pool" not in settings.DATABASES["default"]["OPTIONS"]
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _gunicorn_timeout(command):
    return float(command[command.index("--timeout") + 1])


def test_the_pool_gives_up_before_gunicorn_kills_the_worker():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    dockerfile_cmd = next(
        line
        for line in (BASE_DIR / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD")
    )
    timeouts = [
        _gunicorn_timeout(web["command"]),
        _gunicorn_timeout(json.loads(dockerfile_cmd.removeprefix("CMD").strip())),
    ]
    pool_timeout = float(
        web["environment"].get("O2R_DB_POOL_TIMEOUT", settings.DB_POOL_OPTIONS["timeout"])
    )
    assert all(pool_timeout < timeout for timeout in timeouts), (pool_timeout, timeouts)
    # Only the web has a pool in compose; the worker and beat say so explicitly.
    assert str(web["environment"]["O2R_DB_POOL"]).lower() == "true"
    for service in ("worker", "beat", "migrate"):
        assert str(compose["services"][service]["environment"]["O2R_DB_POOL"]).lower() == "false"
    worker = compose["services"]["worker"]["command"]
    assert shlex.join(worker).count("--concurrency=") == 1
