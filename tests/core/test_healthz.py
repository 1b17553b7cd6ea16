import json
import time

import pytest

from tests.utils import run_python

HEALTHZ_SCRIPT = """
import json, time, django
django.setup()
from django.test import Client
started = time.monotonic()
response = Client().get("/healthz", headers={"host": "localhost"})
print(json.dumps({"status": response.status_code, "body": json.loads(response.content),
                  "seconds": time.monotonic() - started}))
"""


def test_healthz_ok_queries_the_database_and_publishes_to_the_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_needs_no_login_and_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def _healthz_in_subprocess(**env):
    result = run_python(HEALTHZ_SCRIPT, timeout=30, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.process
def test_healthz_503_when_the_database_is_down(db):
    # A port where nothing listens: the query really fails.
    started = time.monotonic()
    answer = _healthz_in_subprocess(DATABASE_URL="postgres://postgres@127.0.0.1:9/o2r")
    assert answer["status"] == 503
    assert answer["body"]["database"] in {"error", "timeout"}
    assert answer["body"]["broker"] == "ok"
    assert answer["seconds"] < 3
    assert time.monotonic() - started < 30


@pytest.mark.process
def test_healthz_503_when_the_broker_is_down(db):
    from tests.utils import database_url

    answer = _healthz_in_subprocess(DATABASE_URL=database_url(), REDIS_URL="redis://127.0.0.1:9/0")
    assert answer["status"] == 503
    assert answer["body"] == {"database": "ok", "broker": answer["body"]["broker"]}
    assert answer["body"]["broker"] in {"error", "timeout"}
    assert answer["seconds"] < 3


@pytest.mark.process
def test_healthz_503_within_3_seconds_when_the_database_hangs(db):
    # A listening socket that never answers: the check must give up, not wait for the server.
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    try:
        answer = _healthz_in_subprocess(DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/o2r")
    finally:
        listener.close()
    assert answer["status"] == 503
    assert answer["body"]["database"] in {"error", "timeout"}
    assert answer["seconds"] < 3
