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
