from django.db import models


class OrganisationKind(models.TextChoices):
    HOUSING = "housing", "Bailleur / gestionnaire de logement"
    EMPLOYMENT = "employment", "Structure d'accompagnement vers l'emploi"
    PARTNER = "partner", "Partenaire"


class Role(models.TextChoices):
    INSERTION_OFFICER = "insertion_officer", "Chargée d'insertion professionnelle"
    RESIDENCE_STAFF = "residence_staff", "Personnel de résidence"
    JOB_COACH = "job_coach", "Chargée de mission emploi"
    MANAGER = "manager", "Responsable"
    ADMINISTRATOR = "administrator", "Administratrice"
