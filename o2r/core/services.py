import datetime
from functools import partial

from celery import current_app
from django.db import connection, transaction
from django.utils import timezone

from .models import Heartbeat, TaskAttempt, WorkerPing


def worker_ping_request(*, by) -> WorkerPing:
    from .tasks import answer_worker_ping

    with transaction.atomic():
        ping = WorkerPing.objects.create(requested_by=by)
        answer_worker_ping.delay_on_commit(ping.pk)
    return ping


def worker_ping_answer(*, ping_id: int, worker: str) -> bool:
    """Marks the ping as done once; a redelivered task changes nothing."""
    updated = WorkerPing.objects.filter(pk=ping_id, done_at__isnull=True).update(
        done_at=timezone.now(), worker=worker[:200]
    )
    return bool(updated)


def heartbeat_record(*, name: str, worker: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": timezone.now(), "worker": worker[:200]}
    )


def task_attempts_purge(*, now=None) -> int:
    """Deletes the attempt counters of tasks not seen for a day and not set aside."""
    before = (now or timezone.now()) - datetime.timedelta(days=1)
    deleted, _ = TaskAttempt.objects.filter(set_aside_at__isnull=True, last_at__lt=before).delete()
    return deleted


def task_attempt_retry(*, attempt: TaskAttempt) -> None:
    """An administrator sends a set-aside task again, as a new task with the same arguments
    (it will be set aside again if it kills its worker again)."""
    task = current_app.tasks[attempt.name]
    with transaction.atomic():
        TaskAttempt.objects.filter(pk=attempt.pk).delete()
        transaction.on_commit(partial(task.apply_async, attempt.arguments))


def task_attempt_discard(*, attempt: TaskAttempt) -> None:
    TaskAttempt.objects.filter(pk=attempt.pk).delete()


def token_lock(token) -> None:
    """Holds the form token until the caller's transaction ends: the same submission, running
    at the same time, waits here until the first one has committed (or rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [str(token)])


def once(model, token, create):
    """A form's token makes a double submission one row: the row of `token` if an earlier
    submission wrote it, else `create()` in a savepoint. Returns (row, created).

    The token is locked first (token_lock), so a submission racing the first one waits for it,
    then finds its row, instead of running `create()` again and stumbling on what the first
    one wrote (a pending orientation, a person already employed). Called inside the service's
    transaction, the lock lasts until everything the first submission writes is committed."""
    with transaction.atomic():
        if token is not None:
            token_lock(token)
            existing = model.objects.filter(token=token).first()
            if existing is not None:
                return existing, False
        return create(), True
