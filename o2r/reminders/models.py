from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ReminderSource(models.TextChoices):
    AUTOMATIC = "automatic", "Automatique"
    MANUAL = "manual", "Manuel"


class ReminderKind(models.TextChoices):
    # Something a member of staff must do: shown in "Mes rappels".
    STAFF_TASK = "staff_task", "Tâche d'un membre de l'équipe"
    # A message to the resident at `due_at` (e.g. an interview's J-1 SMS): sent by the SMS
    # app, never shown in "Mes rappels".
    RESIDENT_MESSAGE = "resident_message", "Message à la personne"


class ReminderQuerySet(models.QuerySet):
    def for_assignee(self, user):
        """The staff tasks of `user` (a message to a resident is nobody's task)."""
        return self.filter(assignee=user, kind=ReminderKind.STAFF_TASK)

    def open(self):
        return self.filter(done_at__isnull=True)

    def due_by(self, moment):
        return self.filter(due_at__lt=moment)

    def resident_messages_due(self, now):
        """Messages to residents whose time has come, not yet handed to the SMS outbox."""
        return self.filter(
            kind=ReminderKind.RESIDENT_MESSAGE,
            done_at__isnull=True,
            due_at__lte=now,
            resident__isnull=False,
        )


class Reminder(models.Model):
    """Something due at `due_at`: a task for a member of staff, or a message to the resident.
    Services create them under a `dedup_key` built by `reminder_key()` (e.g.
    "placement:12:M1"), so creating one twice updates it instead."""

    kind = models.CharField(
        "type", max_length=20, choices=ReminderKind.choices, default=ReminderKind.STAFF_TASK
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pour",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    resident = models.ForeignKey(
        "residents.Resident", verbose_name="résident", on_delete=models.CASCADE,
        null=True, blank=True, related_name="reminders",
    )  # fmt: skip
    employer = models.ForeignKey(
        "employers.Employer", verbose_name="entreprise", on_delete=models.CASCADE,
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
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="staff_task") | models.Q(assignee__isnull=False),
                name="reminders_staff_task_has_assignee",
                violation_error_message="Un rappel de l'équipe est toujours pour quelqu'un.",
            ),
        ]
        indexes = [
            # "Mes rappels": the open reminders of one person by due date.
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(done_at__isnull=True),
                name="reminders_open_by_assignee",
            ),
            # The scan of the messages to residents that are due.
            models.Index(
                fields=["due_at"],
                condition=models.Q(done_at__isnull=True, kind="resident_message"),
                name="reminders_messages_due",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reminders:mine")


class DigestSent(models.Model):
    """The morning digest went to this person on this day: at most one a day, whatever the
    ticks of beat."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="pour", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField("jour")
    reminders = models.PositiveIntegerField("rappels listés", default=0)
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "récapitulatif envoyé"
        verbose_name_plural = "récapitulatifs envoyés"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reminders_digest_once_a_day"),
        ]

    def __str__(self):
        return f"{self.user} — {self.day:%d/%m/%Y}"
