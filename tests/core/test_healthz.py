import json

import pytest

from tests.utils import run_python

HEALTHZ_SCRIPT = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz", headers={"host": "localhost"})
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
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
    answer = _healthz_in_subprocess(DATABASE_URL="postgres://postgres@127.0.0.1:9/o2r")
    assert answer["status"] == 503
    assert answer["body"]["database"] in {"error", "timeout"}
    assert answer["body"]["broker"] == "ok"


@pytest.mark.process
def test_healthz_503_when_the_broker_is_down(db):
    from tests.utils import database_url

    answer = _healthz_in_subprocess(DATABASE_URL=database_url(), REDIS_URL="redis://127.0.0.1:9/0")
    assert answer["status"] == 503
    assert answer["body"] == {"database": "ok", "broker": answer["body"]["broker"]}
    assert answer["body"]["broker"] in {"error", "timeout"}


@pytest.mark.process
def test_healthz_503_when_the_database_hangs(db):
    # A listening socket that never answers: the check gives up on its own clock (2.5 s,
    # o2r/core/health.py), not the server's — "timeout" says so, without a wall clock here.
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
    assert answer["body"]["database"] == "timeout"
