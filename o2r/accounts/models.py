from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .enums import OrganisationKind, Role


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200, unique=True)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **fields):
        if not email:
            raise ValueError("Une adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", Role.ADMINISTRATOR)
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Their organisation and role decide what they may do; the
    residences they work on (residents.ResidenceMembership) decide on whom."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    territory = models.CharField(
        "territoire",
        max_length=120,
        blank=True,
        help_text="Pour les équipes qui ne travaillent sur aucune résidence (l'emploi) : le "
        "territoire du programme où elles travaillent (les entreprises qu'elles voient). Les "
        "autres travaillent sur les territoires de leurs résidences.",
    )
    # The morning e-mail listing her reminders of the day (o2r.reminders); she may turn it off.
    reminder_digest = models.BooleanField("récapitulatif de mes rappels chaque matin", default=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField(
        "accès à l'administration",
        default=False,
        help_text="Donné aux administratrices : gestion des comptes, des résidences et des "
        "données de référence.",
    )
    date_joined = models.DateTimeField("créé le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name

    @property
    def is_insertion_officer(self):
        return self.role == Role.INSERTION_OFFICER

    @property
    def is_residence_staff(self):
        return self.role == Role.RESIDENCE_STAFF

    @property
    def is_job_coach(self):
        return self.role == Role.JOB_COACH

    @property
    def is_manager(self):
        return self.role == Role.MANAGER

    @property
    def is_administrator(self):
        return self.role == Role.ADMINISTRATOR
