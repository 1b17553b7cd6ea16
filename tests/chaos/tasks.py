"""Tasks only the chaos tests' workers load (`celery worker -I tests.chaos.tasks`): they are
ReliableTasks like every task of the application, and say what they do in a file."""

import os
import signal
import time

from celery import shared_task


def _note(path, word):
    with open(path, "a") as file:
        file.write(f"{word} {os.getpid()}\n")


@shared_task(time_limit=60, soft_time_limit=50)
def work(path, seconds):
    """Starts, works `seconds`, ends: each line is one start or one end."""
    _note(path, "start")
    time.sleep(seconds)
    _note(path, "done")


@shared_task(time_limit=60, soft_time_limit=50)
def poison(path):
    """Kills its own process each time it runs (as an out-of-memory kill would)."""
    _note(path, "start")
    os.kill(os.getpid(), signal.SIGKILL)
