from django.conf import settings
from django.db import models


class WorkerPing(models.Model):
    """An administrator asked the Celery worker to prove it runs: the task fills `done_at`.

    There is no result backend, so the row is how the page learns the task ran."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    done_at = models.DateTimeField("traité le", null=True, blank=True)
    worker = models.CharField("worker", max_length=200, blank=True)

    class Meta:
        verbose_name = "test du worker"
        verbose_name_plural = "tests du worker"
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"Test du worker n° {self.pk}"


class Heartbeat(models.Model):
    """The last time a periodic process proved it runs (one row per name, e.g. "beat")."""

    name = models.CharField("nom", max_length=50, unique=True)
    at = models.DateTimeField("dernier signe de vie")
    worker = models.CharField("worker", max_length=200, blank=True)

    class Meta:
        verbose_name = "signe de vie"
        verbose_name_plural = "signes de vie"
        ordering = ["name"]

    def __str__(self):
        return self.name


class TaskAttempt(models.Model):
    """A Celery task being run, counted across its deliveries (README, "Operations").

    A task is acknowledged only once it ends (acks_late) and is delivered again if the process
    running it dies; a task that kills its process each time would loop. The row counts the
    deliveries of one task id: past O2R_TASK_MAX_ATTEMPTS the task is set aside, not run, and
    shown to administrators on the worker page. A task that ends (well or badly) deletes its
    row; rows left by a time limit are purged after a day."""

    task_id = models.CharField("identifiant de la tâche", max_length=255, unique=True)
    name = models.CharField("tâche", max_length=200)
    # Tasks take ids only (SMS_AND_TASKS.md): no personal data here.
    arguments = models.JSONField("arguments", default=list)
    attempts = models.PositiveIntegerField("essais", default=1)
    first_at = models.DateTimeField("premier essai")
    last_at = models.DateTimeField("dernier essai")
    worker = models.CharField("worker", max_length=200, blank=True)
    set_aside_at = models.DateTimeField("mise de côté le", null=True, blank=True)

    class Meta:
        verbose_name = "tâche en cours"
        verbose_name_plural = "tâches en cours"
        ordering = ["-last_at", "-pk"]
        indexes = [
            # The worker page's list of set-aside tasks.
            models.Index(
                fields=["set_aside_at"],
                name="core_task_set_aside",
                condition=models.Q(set_aside_at__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.task_id})"
