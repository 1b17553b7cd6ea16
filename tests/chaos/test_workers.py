"""Workers die (an out-of-memory kill, a deploy, a lost machine): the task they held is done
once, by another process, and a task that kills its worker each time is set aside after
O2R_TASK_MAX_ATTEMPTS deliveries instead of looping (README, "Operations")."""

import os
import signal

import pytest
from django.conf import settings

from o2r.core.models import TaskAttempt
from tests.chaos.conftest import lines, send, settle
from tests.utils import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.process, pytest.mark.django_db(transaction=True)]

WORK = "tests.chaos.tasks.work"


def test_a_worker_child_killed_mid_task_hands_the_task_to_the_next_child(
    workers, redis_server, tmp_path
):
    journal = tmp_path / "journal"
    worker = workers("child")
    send(redis_server.url, WORK, str(journal), 2)
    wait_for(lambda: lines(journal), worker=worker.process, log_path=worker.log_path)
    (first,) = lines(journal)
    os.kill(int(first.split()[1]), signal.SIGKILL)

    wait_for(
        lambda: "done" in "".join(lines(journal)) and not TaskAttempt.objects.exists(),
        worker=worker.process,
        log_path=worker.log_path,
    )
    settle(3)  # a second, wrong delivery would start by now
    starts = [line for line in lines(journal) if line.startswith("start")]
    done = [line for line in lines(journal) if line.startswith("done")]
    assert len(starts) == 2 and len(done) == 1, lines(journal)
    assert starts[0] != starts[1]  # another child did it
    assert worker.process.poll() is None


def test_a_task_that_kills_its_worker_each_time_is_set_aside_not_looped(
    workers, redis_server, tmp_path
):
    journal, canary = tmp_path / "poison", tmp_path / "canary"
    worker = workers("poisoned")
    send(redis_server.url, "tests.chaos.tasks.poison", str(journal))
    wait_for(
        lambda: TaskAttempt.objects.filter(set_aside_at__isnull=False).exists(),
        worker=worker.process,
        log_path=worker.log_path,
    )
    # The queue moves on: the next task runs, the poison is not delivered again.
    send(redis_server.url, WORK, str(canary), 0)
    wait_for(lambda: "done" in "".join(lines(canary)), worker=worker.process)
    settle(2)

    assert len(lines(journal)) == settings.O2R_TASK_MAX_ATTEMPTS
    attempt = TaskAttempt.objects.get()
    assert attempt.name == "tests.chaos.tasks.poison"
    assert attempt.arguments == [str(journal)]
    assert "set aside after 3 attempts" in worker.log()


def test_a_worker_killed_whole_mid_task_is_done_once_by_another_worker(
    workers, redis_server, tmp_path
):
    """kill -9 of the main process (its children with it): Redis hands the task to another
    worker after the visibility timeout (6 s here, 30 min in production)."""
    journal = tmp_path / "journal"
    doomed = workers("doomed")
    send(redis_server.url, WORK, str(journal), 2)
    wait_for(lambda: lines(journal), worker=doomed.process, log_path=doomed.log_path)
    doomed.kill()
    assert lines(journal)[-1].startswith("start")

    rescuer = workers("rescuer")
    wait_for(
        lambda: "done" in "".join(lines(journal)) and not TaskAttempt.objects.exists(),
        worker=rescuer.process,
        log_path=rescuer.log_path,
    )
    settle(8)  # past another visibility timeout: no second redelivery
    starts = [line for line in lines(journal) if line.startswith("start")]
    done = [line for line in lines(journal) if line.startswith("done")]
    assert len(starts) == 2 and len(done) == 1, lines(journal)
