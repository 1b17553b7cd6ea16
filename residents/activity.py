"""The residents app's activity source (settings O2R_ACTIVITY_SOURCES): the latest real
interaction with each person that the file itself records — a consent given or withdrawn, a
note, a move into engaged, accompanied or employed. Edits of the file are not
interactions (DOMAIN.md §5.8)."""

import datetime

from django.db.models import Max
from django.utils import timezone

from .models import Consent, Note, StageChange
from .services import INTERACTION_STAGES


def _noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def latest_interactions(*, resident_ids) -> dict:
    latest = {}
    rows = (
        Consent.objects.filter(resident_id__in=resident_ids)
        .values("resident_id")
        .annotate(given=Max("given_on"), withdrawn=Max("withdrawn_on"))
    )
    for row in rows:
        days = [day for day in (row["given"], row["withdrawn"]) if day]
        if days:
            latest[row["resident_id"]] = _noon(max(days))
    for queryset, field in (
        (Note.objects.all(), "created_at"),
        (StageChange.objects.filter(to_stage__in=INTERACTION_STAGES), "changed_at"),
    ):
        rows = (
            queryset.filter(resident_id__in=resident_ids)
            .values("resident_id")
            .annotate(at=Max(field))
        )
        for row in rows:
            pk = row["resident_id"]
            latest[pk] = max(filter(None, [latest.get(pk), row["at"]]))
    return latest
