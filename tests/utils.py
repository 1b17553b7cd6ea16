import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from o2r.devdb import url_of

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def database_url(name=None):
    """The URL of the database the tests run on (the test database by default), for a
    subprocess of the application."""
    return url_of(connection.settings_dict, name)


def redis_url():
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "o2r.settings"
    env["PYTHONPATH"] = str(BASE_DIR)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(code, timeout=60, **env):
    return subprocess.run(
        [PYTHON, "-c", code],
        cwd=BASE_DIR,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def history_models():
    """The event tables the history triggers write (one per tracked model)."""
    from django.apps import apps

    return [model for model in apps.get_models() if hasattr(model, "pgh_tracked_model")]


def table_rows(models) -> dict:
    """Every row of these models' tables, by model label, in primary-key order: what a test
    compares before and after a request that must change nothing. One query for all the
    tables (a JSON array per table), where a `values()` per model took one each."""
    quote = connection.ops.quote_name  # the names are the models' own, quoted
    tables = [
        f"SELECT %s, (SELECT json_agg(t ORDER BY t.{quote(model._meta.pk.column)})::text "  # noqa: S608
        f"FROM {quote(model._meta.db_table)} AS t)"
        for model in models
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(tables), [model._meta.label for model in models])
        return {label: json.loads(rows or "[]") for label, rows in cursor.fetchall()}


def history_edits(resident):
    """The entries of the file's history other than the file's creation and the test's own
    set-up (ORM writes with no author), newest first, as (who, [(title, [(label, before,
    after)])])."""
    from residents.health import HealthView
    from residents.history import file_history

    entries = file_history(resident, health=HealthView(True))
    return [
        (
            entry.by,
            [
                (title, [(c.label, c.before, c.after) for c in changes])
                for title, changes in entry.items
            ],
        )
        for entry in entries
        if entry.by is not None
        and not any(title == "Création du dossier" for title, _ in entry.items)
    ]


@contextlib.contextmanager
def celery_worker(log_path, *, name="test", queues="default,sms", **env):
    """A real Celery worker process (solo pool) on the tests' database and Redis, ready when
    entered; terminated on exit. `env` overrides its settings (SMS_BACKEND=…)."""
    environment = subprocess_env(
        DATABASE_URL=database_url(), REDIS_URL=redis_url(), **{k: str(v) for k, v in env.items()}
    )
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "o2r",
                "worker",
                "-Q",
                queues,
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "ready." in log_path.read_text(), worker=worker, log_path=log_path)
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)


def wait_for(condition, *, worker=None, log_path=None, timeout=60):
    """Polls `condition` until true; fails (with the worker's log) if the worker dies or the
    time runs out. The timeout only guards against a hang: the test asserts the outcome."""
    deadline = time.monotonic() + timeout
    while not condition():
        tail = log_path.read_text()[-3000:] if log_path else ""
        assert worker is None or worker.poll() is None, tail
        assert time.monotonic() < deadline, tail
        time.sleep(0.1)


def publish(task, *args):
    """Publishes a task to the tests' Redis broker (whatever this process's broker is)."""
    from o2r.celery import app

    with app.connection_for_write(redis_url()) as connection:
        task.apply_async(args, connection=connection)
