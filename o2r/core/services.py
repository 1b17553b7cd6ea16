from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Heartbeat, WorkerPing


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


def once(model, token, create):
    """A form's token makes a double submission one row: the row of `token` if an earlier
    submission wrote it; else `create()` in a savepoint, and on a race on the token, the row
    the other request wrote. Returns (row, created)."""
    if token is not None:
        existing = model.objects.filter(token=token).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        if token is None or not model.objects.filter(token=token).exists():
            raise
        return model.objects.get(token=token), False
