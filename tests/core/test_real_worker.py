"""A real Celery worker process against Redis: the task runs outside the test process, reads
the ping from the test database and marks it done."""

import re
import subprocess
import time

import pytest

from o2r.celery import app
from o2r.core.models import WorkerPing
from o2r.core.tasks import answer_worker_ping
from tests.utils import BASE_DIR, PYTHON, database_url, redis_url, subprocess_env


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_answers_the_ping(administrator, tmp_path):
    broker = redis_url()
    log_path = tmp_path / "worker.log"
    ping = WorkerPing.objects.create(requested_by=administrator)
    env = subprocess_env(DATABASE_URL=database_url(), REDIS_URL=broker)
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
                "default,sms",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                "-n",
                "test-real@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            assert worker.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        with app.connection_for_write(broker) as connection:
            answer_worker_ping.apply_async((ping.pk,), connection=connection)
        deadline = time.monotonic() + 30
        while WorkerPing.objects.get(pk=ping.pk).done_at is None:
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    ping.refresh_from_db()
    assert ping.worker.startswith("test-real@")
    banner = log_path.read_text()
    used = re.search(r"\.> transport:\s+(\S+)", banner).group(1)
    with app.connection_for_write(broker) as connection:
        assert used == connection.as_uri()  # the URL with any password masked
    assert used.startswith("redis://")
    assert used.endswith(broker.split("@")[-1].removeprefix("redis://"))
