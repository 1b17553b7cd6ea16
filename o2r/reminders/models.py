from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ReminderSource(models.TextChoices):
    AUTOMATIC = "automatic", "Automatique"
    MANUAL = "manual", "Manuel"


class ReminderQuerySet(models.QuerySet):
    def for_assignee(self, user):
        return self.filter(assignee=user)

    def open(self):
        return self.filter(done_at__isnull=True)


class Reminder(models.Model):
    """Something a member of staff must do by `due_at`. Services create them under a
    `dedup_key` (e.g. "action_step:42"), so creating one twice updates it instead."""

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="pour", on_delete=models.CASCADE,
        related_name="reminders",
    )  # fmt: skip
    resident = models.ForeignKey(
        "residents.Resident", verbose_name="résident", on_delete=models.CASCADE,
        null=True, blank=True, related_name="reminders",
    )  # fmt: skip
    title = models.CharField("rappel", max_length=300)
    due_at = models.DateTimeField("échéance")
    done_at = models.DateTimeField("fait le", null=True, blank=True)
    dedup_key = models.CharField("clé", max_length=200, unique=True)
    source = models.CharField(
        "origine", max_length=20, choices=ReminderSource.choices, default=ReminderSource.AUTOMATIC
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = "rappel"
        verbose_name_plural = "rappels"
        ordering = ["due_at", "pk"]
        indexes = [
            # "Mes rappels": the open reminders of one person by due date.
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(done_at__isnull=True),
                name="reminders_open_by_assignee",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reminders:mine")
