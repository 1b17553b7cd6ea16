"""The employer's timeline: each step of the network in one list, newest first — the company
entering the network, status changes, prospecting steps, openings captured and closed."""

import dataclasses
import datetime

from django.utils import timezone

from .enums import OpeningStatus


@dataclasses.dataclass
class Entry:
    at: datetime.datetime
    kind: str  # created | status | prospecting | opening_opened | opening_closed
    title: str
    detail: str = ""
    by: object = None
    url: str = ""


def _day(date):
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(12, 0)))


def employer_timeline(employer, *, prospecting, openings, status_changes) -> list[Entry]:
    """Built from rows the caller fetched (already filtered by what the user may see)."""
    entries = []
    for change in status_changes:
        if not change.from_status:
            entries.append(Entry(change.at, "created", "Entrée dans le réseau", by=change.by))
        else:
            title = f"{change.get_from_status_display()} → {change.get_to_status_display()}"
            entries.append(Entry(change.at, "status", title, detail=change.reason, by=change.by))
    for action in prospecting:
        title = f"{action.get_kind_display()} : {action.get_outcome_display()}"
        detail = action.summary
        if action.next_step_on:
            detail = (detail + " — " if detail else "") + (
                f"prochaine étape le {action.next_step_on:%d/%m/%Y}"
                + (f" : {action.next_step}" if action.next_step else "")
            )
        entries.append(Entry(action.at, "prospecting", title, detail=detail, by=action.by))
    for opening in openings:
        url = opening.get_absolute_url()
        entries.append(
            Entry(
                _day(opening.opened_on), "opening_opened",
                f"Offre captée : {opening.title} ({opening.get_contract_type_display()})",
                detail="marché caché" if opening.hidden_market else "offre publiée",
                by=opening.created_by, url=url,
            )
        )  # fmt: skip
        if opening.status != OpeningStatus.OPEN and opening.closed_on:
            entries.append(
                Entry(
                    _day(opening.closed_on), "opening_closed",
                    f"Offre {opening.get_status_display().lower()} : {opening.title}",
                    detail=opening.close_reason, url=url,
                )
            )  # fmt: skip
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries
