from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class AccessAction(models.TextChoices):
    READ = "read", "Consultation"
    LIST_EXPORT = "export", "Export"
    HISTORY = "history", "Consultation de l'historique"
    PERSONAL_DATA_EXPORT = "personal_data_export", "Export du dossier (droit d'accès)"
    ERASE = "erase", "Effacement du dossier"


class AccessLog(models.Model):
    """Who read which resident's data, when, on which page. Append-only: a database trigger
    refuses updates, and deletes of rows younger than 12 months (the retention period); the
    application's database role may only SELECT and INSERT here (`grant_app_role`), and purges
    through the `audit_accesslog_purge()` function.

    The resident is kept as a plain id, never a foreign key, so that removing a file never
    removes the trace of who read it; no content is ever stored here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField("le", auto_now_add=True, db_index=True)
    action = models.CharField("action", max_length=20, choices=AccessAction.choices)
    resident_id = models.BigIntegerField("résident", null=True, blank=True, db_index=True)
    page = models.CharField("page", max_length=200)
    count = models.PositiveIntegerField("nombre de dossiers", default=1)
    # Exports that must name every resident they contained (a file export, an erasure).
    resident_ids = ArrayField(
        models.BigIntegerField(), verbose_name="résidents", default=list, blank=True,
        db_default=[],
    )  # fmt: skip

    class Meta:
        verbose_name = "accès à des données personnelles"
        verbose_name_plural = "journal des accès"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.page}"
