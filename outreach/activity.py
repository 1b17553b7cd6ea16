"""Outreach's activity source (settings O2R_ACTIVITY_SOURCES): the latest two-way contact."""

from django.db.models import Max

from .models import Contact


def latest_interactions(*, resident_ids) -> dict:
    rows = (
        Contact.objects.filter(resident_id__in=resident_ids)
        .two_way()
        .values("resident_id")
        .annotate(at=Max("at"))
    )
    return {row["resident_id"]: row["at"] for row in rows}
