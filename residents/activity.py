"""The residents app's activity source (settings O2R_ACTIVITY_SOURCES): the latest real
interaction with each person that the file itself records — a consent given or withdrawn, a
note, a move along the path (an exit is not a contact). Edits of the file are not
interactions (DOMAIN.md §5.8)."""

import datetime

from django.db.models import Max
from django.utils import timezone

from .enums import Stage
from .models import Consent, Note, StageChange


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
        (StageChange.objects.exclude(to_stage=Stage.EXITED), "changed_at"),
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
