"""Import of a residence roster: upload, preview (kept across reloads), confirmation, and the
invalid rows as a CSV to fix. Insertion officers only; an import is its uploader's alone."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request

from . import roster
from .access import require
from .models import Residence, RosterImport
from .roster import RowStatus
from .roster_forms import RosterUploadForm
from .roster_services import RETENTION, roster_confirm, roster_preview_create

PAGE_SIZE = 100

BADGES = {
    RowStatus.NEW: "text-bg-success",
    RowStatus.UPDATE: "text-bg-primary",
    RowStatus.UNCHANGED: "text-bg-secondary",
    RowStatus.INVALID: "text-bg-danger",
}
# After the confirmation, what happened to each row.
DONE_LABELS = {
    RowStatus.NEW: "Créé",
    RowStatus.UPDATE: "Mis à jour",
    RowStatus.UNCHANGED: "Inchangé",
    RowStatus.INVALID: "Non importé",
}


def get_roster_import_for_user(request, pk, *, log=True) -> RosterImport:
    """The import, or 404: only its uploader, still allowed to import on the residence,
    within the day it is kept. Its rows show the values of residents already known (matched
    rows): a GET logs that read, with their ids."""
    user = request.user
    require(user, Action.ROSTER_IMPORT)
    try:
        roster_import = RosterImport.objects.select_related("residence").get(
            pk=pk,
            uploaded_by=user,
            residence__in=Residence.objects.for_user(user),
            uploaded_at__gte=timezone.now() - RETENTION,
        )
    except (RosterImport.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if log and request.method in ("GET", "HEAD"):
        known = roster.known_resident_ids(roster_import.rows)
        access_log_request(request, action=AccessAction.READ, count=len(known), resident_ids=known)
    return roster_import


@require_http_methods(["GET", "POST"])
def roster_upload(request):
    require(request.user, Action.ROSTER_IMPORT)
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                roster_import = roster_preview_create(
                    by=request.user,
                    residence=form.cleaned_data["residence"],
                    file_name=form.cleaned_data["file"].name,
                    rows=form.rows,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("residents:roster_preview", pk=roster_import.pk)
    else:
        form = RosterUploadForm(user=request.user)
    return render(request, "residents/roster/upload.html", {"form": form})


def _date(iso):
    return datetime.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _display(row, *, confirmed):
    values = row.get("values") or {}
    raw = row["raw"]
    status = row["status"]
    return {
        "line": row["line"],
        "last_name": values.get("last_name") or raw.get("last_name", ""),
        "first_name": values.get("first_name") or raw.get("first_name", ""),
        "birth_date": _date(values.get("birth_date")) or raw.get("birth_date", ""),
        "moved_in_on": _date(values.get("moved_in_on")) or raw.get("moved_in_on", ""),
        "phone": roster.show_phone(values["phone"]) if values.get("phone") else raw.get("phone"),
        "housing_unit": values.get("housing_unit") or raw.get("housing_unit", ""),
        "status": status,
        "label": DONE_LABELS[status] if confirmed else RowStatus(status).label,
        "badge": BADGES[status],
        "errors": row["errors"],
        "changes": row["changes"],
        "note": row["note"],
        "resident_id": row["resident_id"] if status != RowStatus.INVALID else None,
    }


@require_GET
def roster_preview(request, pk):
    """The preview before confirmation, the result after: both from the stored rows."""
    roster_import = get_roster_import_for_user(request, pk)
    confirmed = roster_import.confirmed_at is not None
    rows = roster_import.rows
    counts = roster.count_statuses(rows)
    status = request.GET.get("statut", "")
    if status in RowStatus.values:
        rows = [row for row in rows if row["status"] == status]
    else:
        status = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [
        {
            "value": value,
            "label": DONE_LABELS[value] if confirmed else label,
            "count": counts[value],
            "badge": BADGES[value],
        }
        for value, label in RowStatus.choices
    ]
    context = {
        "roster_import": roster_import,
        "confirmed": confirmed,
        "counts": counts,
        "total": sum(counts.values()),
        "writable": counts[RowStatus.NEW] + counts[RowStatus.UPDATE],
        "filters": filters,
        "status": status,
        "page": page,
        "rows": [_display(row, confirmed=confirmed) for row in page.object_list],
    }
    return render(request, "residents/roster/preview.html", context)


@require_POST
def roster_confirm_view(request, pk):
    roster_import = get_roster_import_for_user(request, pk)
    try:
        roster_confirm(roster_import=roster_import, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    # The page shows what was written, and stays right on a reload.
    return redirect("residents:roster_preview", pk=roster_import.pk)


@require_GET
def roster_invalid_csv(request, pk):
    # The download holds only the invalid rows (the file's own cells): logged as an export.
    roster_import = get_roster_import_for_user(request, pk, log=False)
    invalid = roster.count_statuses(roster_import.rows)[RowStatus.INVALID]
    access_log_request(request, action=AccessAction.LIST_EXPORT, count=invalid)
    response = HttpResponse(
        roster.invalid_rows_csv(roster_import.rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="lignes-a-corriger-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
