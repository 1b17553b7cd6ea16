from django.db import transaction
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
