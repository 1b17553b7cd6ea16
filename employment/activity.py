"""Employment's activity source (settings O2R_ACTIVITY_SOURCES): the latest contact of the
coach with the person, and the latest follow-up done with her."""

import datetime

from django.db.models import Max
from django.utils import timezone

from .enums import FOLLOW_UP_WITH_PERSON
from .models import CoachContact, FollowUp


def latest_interactions(*, resident_ids) -> dict:
    latest = {
        row["resident_id"]: row["at"]
        for row in CoachContact.objects.filter(resident_id__in=resident_ids)
        .with_person()
        .values("resident_id")
        .annotate(at=Max("at"))
    }
    follow_ups = (
        FollowUp.objects.filter(
            placement__resident_id__in=resident_ids,
            done_on__isnull=False,
            with_whom__in=list(FOLLOW_UP_WITH_PERSON),
        )
        .values("placement__resident_id")
        .annotate(on=Max("done_on"))
    )
    for row in follow_ups:
        at = timezone.make_aware(datetime.datetime.combine(row["on"], datetime.time(12)))
        resident_id = row["placement__resident_id"]
        if resident_id not in latest or latest[resident_id] < at:
            latest[resident_id] = at
    return latest
