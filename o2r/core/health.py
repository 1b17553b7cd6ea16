"""The checks behind GET /healthz: a real query and a real publish, each bounded in time."""

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.db import connections
from kombu import Exchange, Queue

logger = logging.getLogger(__name__)

# The whole answer must come within 3 seconds, even when a server hangs instead of refusing.
CHECK_TIMEOUT_SECONDS = 2.5
HEALTH_QUEUE = Queue("o2r.healthz", Exchange("o2r.healthz"), routing_key="o2r.healthz")

_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def check_database():
    connection = connections["default"]  # this thread's own connection
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_broker():
    from o2r.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        with conn.Producer() as producer:
            producer.publish(
                {"healthz": True},
                exchange=HEALTH_QUEUE.exchange,
                routing_key=HEALTH_QUEUE.routing_key,
                declare=[HEALTH_QUEUE],
                retry=False,
            )
        HEALTH_QUEUE.bind(conn.default_channel).purge()


CHECKS = {"database": check_database, "broker": check_broker}


def run_checks() -> dict[str, str]:
    futures = {name: _executor.submit(check) for name, check in CHECKS.items()}
    results = {}
    for name, future in futures.items():
        try:
            future.result(timeout=CHECK_TIMEOUT_SECONDS)
        except FutureTimeout:
            logger.error("healthz: %s did not answer within %ss", name, CHECK_TIMEOUT_SECONDS)
            results[name] = "timeout"
        except Exception as error:
            # One line: a load balancer calls every few seconds while PostgreSQL or Redis is
            # down, and the cause is in the message (connection refused, pool timeout).
            logger.error("healthz: %s failed: %s: %s", name, type(error).__name__, error)
            results[name] = "error"
        else:
            results[name] = "ok"
    return results
