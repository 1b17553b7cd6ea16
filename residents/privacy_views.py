"""Data protection on a file: the right of access (the file as the user's organisation holds
it, printable and as JSON) and the erasure on request. Every export is logged; so is the
erasure, once done."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from o2r.personal_data import export_all

from .access import get_resident_for_user
from .enums import ErasureReason
from .personal_data import resident_anonymise
from .privacy_forms import ErasureForm


def _export(request, pk):
    resident = get_resident_for_user(
        request, pk, action=Action.PERSONAL_DATA_EXPORT, log=AccessAction.PERSONAL_DATA_EXPORT
    )
    organisation = request.user.organisation
    data = {
        "personne": {"numéro de dossier": resident.pk, "nom": str(resident)},
        "organisation": str(organisation) if organisation else None,
        "exporté le": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
        "données": export_all(resident, user=request.user, health=resident.health),
    }
    return resident, data


def _printable(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "—" if value in (None, "") else str(value)


@require_GET
def personal_data_page(request, pk):
    """The printable page: what the user's organisation holds about the person."""
    resident, data = _export(request, pk)
    sections = [
        (title, [[(label, _printable(value)) for label, value in row.items()] for row in rows])
        for title, rows in data["données"].items()
    ]
    return render(
        request,
        "residents/personal_data.html",
        {
            "resident": resident,
            "organisation": data["organisation"],
            "exported_at": data["exporté le"],
            "sections": sections,
        },
    )


@require_GET
def personal_data_json(request, pk):
    resident, data = _export(request, pk)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="donnees-personnelles-{resident.pk}-{stamp}.json"'
    )
    return response


@require_http_methods(["GET", "POST"])
def resident_erase(request, pk):
    """The confirmation page, then the erasure (the coded facts stay for the figures). The
    page shows the name: a read, logged; the erasure is logged once done."""
    posted = request.method == "POST"
    resident = get_resident_for_user(
        request, pk, action=Action.PERSONAL_DATA_ERASE, log=None if posted else AccessAction.READ
    )
    form = ErasureForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            with transaction.atomic():
                resident_anonymise(resident=resident, by=request.user, reason=ErasureReason.REQUEST)
                access_log_request(
                    request, action=AccessAction.ERASE, resident=resident, resident_ids=[pk]
                )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"Le dossier n° {pk} est anonymisé : seules les informations codées restent.",
            )
            return redirect("residents:list")
    if posted:
        access_log_request(request, action=AccessAction.READ, resident=resident)
    return render(request, "residents/erase.html", {"resident": resident, "form": form})
