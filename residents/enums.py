from django.db import models


class ResidenceKind(models.TextChoices):
    SOCIAL_RESIDENCE = "social_residence", "Résidence sociale"
    FAMILY_BOARDING_HOUSE = "family_boarding_house", "Pension de famille"
    WORKERS_HOSTEL = "workers_hostel", "Foyer"
