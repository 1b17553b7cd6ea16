"""The base class of every Celery task (o2r/celery.py): late acknowledgement, delivered again
when its process dies, and an attempt counter in PostgreSQL that bounds that redelivery.

Every task here is idempotent (a second run of the same task changes nothing: the outbox's
claims, "do what is due" scans), so running one twice is safe; running one forever is not —
a task that kills its worker (out of memory, a crash in a C library) would be delivered again
and again. Past O2R_TASK_MAX_ATTEMPTS deliveries the task is set aside: logged, acknowledged,
not run, listed on the worker page for an administrator.

None of our tasks uses `self.retry()` or `Reject`: a retry (same task id) would start its count
again, as the row is deleted when a run ends."""

import logging
import time

from celery.contrib.django.task import DjangoTask
from celery.exceptions import Reject
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger("o2r.tasks")


class ReliableTask(DjangoTask):
    acks_late = True
    # Bounded by the attempt counter below; without it a killed child's task is lost.
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        if self.request.is_eager or not self.request.id:
            return super().__call__(*args, **kwargs)
        try:
            attempt = self._count_attempt(args)
        except DatabaseError:
            # PostgreSQL is down (a restart): back to the queue, tried again in a moment,
            # rather than acknowledged as failed and lost.
            logger.warning("task %s[%s]: no database, requeued", self.name, self.request.id)
            time.sleep(settings.O2R_TASK_REQUEUE_DELAY)
            raise Reject("database unavailable", requeue=True) from None
        if attempt.set_aside_at is not None:
            logger.error(
                "task %s[%s] set aside after %d attempts: not run (see the worker page)",
                self.name,
                self.request.id,
                attempt.attempts - 1,
            )
            return None
        try:
            return super().__call__(*args, **kwargs)
        finally:
            # Ended, well or with an error that Celery logs: the counter is done.
            attempt_model().objects.filter(pk=attempt.pk, set_aside_at__isnull=True).delete()

    def _count_attempt(self, args):
        model = attempt_model()
        now = timezone.now()
        with transaction.atomic():
            attempt, created = model.objects.select_for_update().get_or_create(
                task_id=self.request.id,
                defaults={
                    "name": self.name,
                    "arguments": list(args),
                    "first_at": now,
                    "last_at": now,
                    "worker": (self.request.hostname or "")[:200],
                },
            )
            if created or attempt.set_aside_at is not None:
                return attempt
            fields = {
                "attempts": F("attempts") + 1,
                "last_at": now,
                "worker": (self.request.hostname or "")[:200],
            }
            if attempt.attempts >= settings.O2R_TASK_MAX_ATTEMPTS:
                fields["set_aside_at"] = now
            model.objects.filter(pk=attempt.pk).update(**fields)
            attempt.refresh_from_db()
        return attempt


def attempt_model():
    # By name: this module is imported with the Celery app, before Django's models are ready.
    return apps.get_model("core", "TaskAttempt")
