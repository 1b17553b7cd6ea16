from django.conf import settings
from django.db import models
from django.urls import reverse

from .enums import ResidenceKind


class ResidenceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_user(self, user):
        """The residences a user works on: their access scope for every resident-data app."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Residence(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=30, choices=ResidenceKind.choices)
    address = models.CharField("adresse", max_length=300)
    city = models.CharField("commune", max_length=120)
    territory = models.CharField(
        "territoire",
        max_length=120,
        help_text="Le territoire du programme, par ex. « Nantes Métropole ».",
    )
    capacity = models.PositiveIntegerField("nombre de logements")
    active = models.BooleanField("active", default=True)

    objects = ResidenceQuerySet.as_manager()

    class Meta:
        verbose_name = "résidence"
        verbose_name_plural = "résidences"
        ordering = ["territory", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "name"], name="residents_residence_unique_name_per_territory"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:residents_residence_change", args=[self.pk])


class ResidenceMembership(models.Model):
    """A user works on a residence. Every resident-data query starts from these rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="residence_memberships",
    )
    residence = models.ForeignKey(
        Residence, verbose_name="résidence", on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "rattachement à une résidence"
        verbose_name_plural = "rattachements aux résidences"
        ordering = ["residence__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "residence"], name="residents_membership_unique_user_residence"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.residence}"
