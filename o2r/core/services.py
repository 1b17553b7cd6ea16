import datetime
import logging

from celery import current_app
from django.db import connection, transaction
from django.utils import timezone

from .models import Heartbeat, TaskAttempt, WorkerPing

logger = logging.getLogger("o2r.tasks")


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


def task_attempt_retry(*, attempt_id: int, by) -> TaskAttempt | None:
    """An administrator sends a set-aside task again, as a new task with the same arguments
    (set aside again if it kills its worker again). Published before the row goes: if Redis
    is down, the publish fails and the task stays listed. None if another click took it."""
    with transaction.atomic():
        attempt = (
            TaskAttempt.objects.select_for_update()
            .filter(pk=attempt_id, set_aside_at__isnull=False)
            .first()
        )
        if attempt is None:
            return None
        # By name: a task renamed since is routed and refused by the worker, not here.
        current_app.send_task(attempt.name, attempt.arguments)
        attempt.delete()
    logger.info("task %s (%s) sent again by user %s", attempt.name, attempt.task_id, by.pk)
    return attempt


def task_attempt_discard(*, attempt_id: int, by) -> TaskAttempt | None:
    attempt = TaskAttempt.objects.filter(pk=attempt_id, set_aside_at__isnull=False).first()
    if attempt is None or not TaskAttempt.objects.filter(pk=attempt.pk).delete()[0]:
        return None
    logger.info("task %s (%s) dropped by user %s", attempt.name, attempt.task_id, by.pk)
    return attempt


# Advisory locks of form tokens: their own key space (the first key), apart from any other.
TOKEN_LOCK_SPACE = 4202


def token_lock(token) -> None:
    """Holds the form token until the caller's transaction ends: the same submission, running
    at the same time, waits here until the first one has committed (or rolled back)."""
    if not connection.in_atomic_block:
        raise RuntimeError("token_lock() outside a transaction would be released at once.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [TOKEN_LOCK_SPACE, str(token)]
        )


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
