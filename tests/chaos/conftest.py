"""What the chaos tests share: a throwaway Redis they may kill, Celery workers they may kill,
and the short waiting times (seconds, not minutes) that make outcomes quick to prove.

Nothing here touches the machine's shared servers: each test starts its own processes on free
loopback ports and stops them, whatever happens."""

import contextlib
import os
import signal
import subprocess
import time

import psutil
import pytest
import redis

from tests.utils import BASE_DIR, PYTHON, database_url, free_port, subprocess_env, wait_for

# The waiting times of README "Operations", in seconds for these tests.
FAST = {
    "CELERY_VISIBILITY_TIMEOUT": "6",
    "CELERY_RESTORE_INTERVAL": "1",
    "CELERY_RESTORE_THROTTLE": "1",
    "SMS_QUEUED_STUCK_AFTER": "3",
    "SMS_SENDING_STUCK_AFTER": "3",
    "SMS_DISPATCH_EVERY": "1",
    "SMS_RECONCILE_EVERY": "2",
    "SMS_RETRY_BACKOFF": "1,1,1,1",
    "SMS_QUIET_HOURS": "false",
    "O2R_DB_POOL": "false",
}


class RedisServer:
    """A redis-server of the test's own, without persistence (the worst case: a restart
    loses everything queued)."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, worker=self.process, timeout=30)
        return self

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=30)

    def client(self):
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


def spawn(command, environment, log_path):
    """A process of the application, its output in `log_path`, in a process group of its own:
    whatever it leaves behind is killed with it."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class Worker:
    """A real Celery worker process (prefork unless told) on the test database and the given
    Redis; `tests.chaos.tasks` is loaded too."""

    def __init__(self, log_path, broker, *, name, queues, pool, concurrency, env):
        self.log_path = log_path
        environment = subprocess_env(
            DATABASE_URL=database_url(), REDIS_URL=broker, **{**FAST, **env}
        )
        command = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "o2r",
            "worker",
            "-I",
            "tests.chaos.tasks",
            "-Q",
            queues,
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            "-n",
            f"{name}@%h",
        ]
        self.process = spawn(command, environment, log_path)
        self.pid = self.process.pid

    def wait_ready(self):
        wait_for(
            lambda: "ready." in self.log_path.read_text(),
            worker=self.process,
            log_path=self.log_path,
        )
        return self

    def children(self):
        try:
            return [child.pid for child in psutil.Process(self.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def kill(self):
        """kill -9 of the main process and its children at once (a machine that loses the
        whole worker)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        self.kill()  # what is left of its group

    def log(self):
        return self.log_path.read_text()[-4000:]


@pytest.fixture
def workers(tmp_path, redis_server):
    """start(name=..., **env) starts a worker on the test's Redis; all are stopped at the end."""
    started = []

    def start(
        name="chaos", *, queues="default,sms", pool="prefork", concurrency=1, ready=True, **env
    ):
        worker = Worker(
            tmp_path / f"{name}-{len(started)}.log",
            redis_server.url,
            name=f"{name}{len(started)}",
            queues=queues,
            pool=pool,
            concurrency=concurrency,
            env={k: str(v) for k, v in env.items()},
        )
        started.append(worker)
        return worker.wait_ready() if ready else worker

    try:
        yield start
    finally:
        for worker in started:
            with contextlib.suppress(Exception):
                worker.stop()


@pytest.fixture
def beat(tmp_path, redis_server):
    """start(**env) starts a real Celery beat on the test's Redis (its schedule file in the
    test's folder); stopped at the end."""
    started = []

    def start(**env):
        log_path = tmp_path / f"beat-{len(started)}.log"
        environment = subprocess_env(
            DATABASE_URL=database_url(),
            REDIS_URL=redis_server.url,
            **{**FAST, **{k: str(v) for k, v in env.items()}},
        )
        command = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "o2r",
            "beat",
            "--loglevel=INFO",
            "-s",
            str(tmp_path / f"beat-{len(started)}-schedule"),
        ]
        process = spawn(command, environment, log_path)
        started.append(process)
        wait_for(
            lambda: "beat: Starting" in log_path.read_text(), worker=process, log_path=log_path
        )
        return process

    try:
        yield start
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@contextlib.contextmanager
def publishing_to(broker):
    """This process's tasks (`.delay()` after a commit) go to `broker` meanwhile."""
    from o2r.celery import app

    previous = app.conf.broker_url
    app.pool.force_close_all()
    app.conf.broker_url = broker
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.pool.force_close_all()
        app.conf.broker_url = previous
        app._pool = None
        app.amqp._producer_pool = None


def send(broker, name, *args, queue="default"):
    """Publishes a task by name to the test's Redis."""
    from o2r.celery import app

    with app.connection_for_write(broker) as connection:
        app.send_task(name, args, queue=queue, connection=connection)


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def settle(seconds):
    """Lets a process do what it would do wrongly (a second run, a loop) before the test
    asserts that it did not. Not an assertion on time."""
    time.sleep(seconds)
