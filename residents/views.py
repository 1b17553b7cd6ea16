import csv
from itertools import batched

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r import access, registry
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request

from . import services
from .access import can, get_resident_for_user, require
from .duplicates import find_duplicates
from .forms import (
    ActionStepForm,
    BarrierForm,
    BenefitForm,
    ConsentForm,
    NoteForm,
    ReferentForm,
    ResidentFilter,
    ResidentForm,
    StageChangeForm,
)
from .history import file_history
from .models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBenefit,
    StageChange,
)
from .timeline import timeline

PAGE_SIZE = 25


def _filtered(request, action):
    filterset = ResidentFilter(
        request.GET or None,
        queryset=Resident.objects.visible_to(request.user, action).with_list_data(),
        user=request.user,
    )
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    if not (
        filterset.is_bound and filterset.is_valid() and filterset.form.cleaned_data.get("sort")
    ):
        queryset = queryset.order_by("last_name", "first_name", "pk")
    return filterset, queryset


@require_GET
def resident_list(request):
    require(request.user, Action.RESIDENT_LIST)
    filterset, queryset = _filtered(request, Action.RESIDENT_LIST)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "can_export": access.allows(request.user, Action.RESIDENT_EXPORT),
        "can_create": access.allows(request.user, Action.RESIDENT_CREATE),
        "can_import": access.allows(request.user, Action.ROSTER_IMPORT),
    }
    template = "residents/list.html#results" if request.htmx else "residents/list.html"
    return render(request, template, context)


def _csv_safe(value):
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = [
    ("Nom", lambda r: r.last_name),
    ("Prénom", lambda r: r.first_name),
    ("Date de naissance", lambda r: r.birth_date.strftime("%d/%m/%Y") if r.birth_date else ""),
    ("Téléphone", lambda r: r.phone.as_national if r.phone else ""),
    ("Résidence", lambda r: r.residence.name),
    ("Logement", lambda r: r.housing_unit),
    ("Étape", lambda r: r.get_stage_display() or "Hors programme"),
    ("Inscription France Travail", lambda r: r.get_france_travail_status_display()),
    ("Invisible", lambda r: "oui" if r.is_invisible else "non"),
    ("Chargée de mission emploi", lambda r: r.job_coach or ""),
]


@require_GET
def resident_export(request):
    """The list as CSV. The ids of every resident it holds are written to the access log
    before a line leaves, and exactly those residents are exported (in chunks, in order)."""
    require(request.user, Action.RESIDENT_EXPORT)
    _, queryset = _filtered(request, Action.RESIDENT_EXPORT)
    ids = list(queryset.values_list("pk", flat=True))
    access_log_request(request, action=AccessAction.LIST_EXPORT, count=len(ids), resident_ids=ids)
    writer = csv.writer(_Echo(), delimiter=";")
    rows_queryset = Resident.objects.with_list_data()

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 with accents correctly
        yield writer.writerow([title for title, _ in EXPORT_COLUMNS])
        for chunk in batched(ids, 1000):
            by_pk = rows_queryset.in_bulk(chunk)
            for pk in chunk:
                if (resident := by_pk.get(pk)) is not None:
                    yield writer.writerow([_csv_safe(get(resident)) for _, get in EXPORT_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.csv"'
    return response


def _detail_queryset(user):
    return Resident.objects.select_related(
        "residence", "insertion_officer", "job_coach__organisation"
    ).prefetch_related(
        "benefits",
        Prefetch("consents", queryset=Consent.objects.select_related("recipient_organisation")),
        "barriers",
        "referents",
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
        Prefetch("action_steps", queryset=ActionStep.objects.all()),
        Prefetch(
            "notes",
            queryset=Note.objects.readable_by(user).select_related("author"),
            to_attr="readable_notes",
        ),
    )


def _get_file(request, pk):
    """The file with its rows, its read logged (also when shown again beside a refused form).
    The consents are prefetched: the fetch's HealthView reads them without a query."""
    return get_resident_for_user(
        request, pk, queryset=_detail_queryset(request.user), log=AccessAction.READ
    )


def _file_context(request, resident, **forms):
    user = request.user
    health = resident.health
    editable = can(user, Action.RESIDENT_EDIT, resident)
    context = {
        "resident": resident,
        "health": health,
        "can_edit": editable,
        "can_history": can(user, Action.RESIDENT_HISTORY, resident),
        "can_record_consent": can(user, Action.CONSENT_RECORD, resident),
        "can_withdraw_consent": can(user, Action.CONSENT_WITHDRAW, resident),
        "can_export_file": can(user, Action.PERSONAL_DATA_EXPORT, resident),
        "can_erase": can(user, Action.PERSONAL_DATA_ERASE, resident),
        "consents": list(resident.consents.all()),
        "barriers": health.barriers(resident.barriers.all()),
        "stage_changes": [
            (change, health.exit_reason_label(change)) for change in resident.stage_changes.all()
        ],
        "notes": resident.readable_notes,
        "timeline": timeline(resident, user, notes=resident.readable_notes, health=health),
        "panels": [
            panel
            for source in registry.functions("O2R_FILE_PANELS")
            if (panel := source(resident, user, health=health))
        ],
    }
    if editable:
        next_stages = services.next_stages(resident.stage)
        context.update(
            next_stages=next_stages,
            stage_form=forms.get("stage_form")
            or StageChangeForm(choices=next_stages, health=health),
            barrier_form=forms.get("barrier_form") or BarrierForm(health=health),
            benefit_form=forms.get("benefit_form") or BenefitForm(),
            referent_form=forms.get("referent_form") or ReferentForm(),
            note_form=forms.get("note_form") or NoteForm(user=user),
            step_form=forms.get("step_form") or ActionStepForm(),
        )
    if context["can_record_consent"]:
        context["consent_form"] = forms.get("consent_form") or ConsentForm()
    return context


@require_GET
def resident_detail(request, pk):
    resident = _get_file(request, pk)
    return render(request, "residents/detail.html", _file_context(request, resident))


def _render_file_with_errors(request, pk, **forms):
    """A refused submission on the file: the page again, the form with its French errors
    beside the fields, status 200; nothing was saved. Showing the file is a read: logged."""
    resident = _get_file(request, pk)
    return render(request, "residents/detail.html", _file_context(request, resident, **forms))


def _apply_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
def resident_create_view(request):
    user = request.user
    require(user, Action.RESIDENT_CREATE)
    form = ResidentForm(request.POST if request.method == "POST" else None, user=user)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        duplicates = find_duplicates(user=user, data=form.cleaned_data)
        if duplicates.visible:
            # The warning shows their names, birth dates and residences: a read.
            access_log_request(
                request,
                action=AccessAction.READ,
                resident_ids=[match.pk for match in duplicates.visible],
            )
        confirmed = request.POST.get("confirm_duplicate") == "1"
        if duplicates.any and not confirmed:
            messages.warning(request, "Une personne semblable existe peut-être déjà : vérifiez.")
        else:
            try:
                resident = services.resident_create(
                    by=user,
                    data=form.service_data(),
                    benefits=form.service_benefits(),
                    enter_programme=form.cleaned_data.get("enter_programme", True),
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, f"Le dossier de {resident} est créé.")
                return redirect(resident)
    return render(
        request, "residents/form.html", {"form": form, "duplicates": duplicates, "creating": True}
    )


@require_http_methods(["GET", "POST"])
def resident_edit(request, pk):
    """The edit form. The GET shows the whole file's identity: a read, logged by the fetch.
    A save made by someone else since the form was opened is not overwritten: the form comes
    back with what they changed and the user's own input kept."""
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    form = ResidentForm(
        request.POST if request.method == "POST" else None,
        instance=resident,
        user=request.user,
        show_health=resident.health.visible,
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(
                resident=resident,
                by=request.user,
                data=form.service_data(),
                benefits=form.service_benefits(),
                expected_version=form.cleaned_data["version"],
            )
        except services.ResidentConflict as error:
            conflict = error
            form.accept_version(error.version)
            # The message shows the file's values as they are now: a read.
            access_log_request(request, action=AccessAction.READ, resident=resident)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Modifications enregistrées.")
            return redirect(resident)
    return render(
        request,
        "residents/form.html",
        {"form": form, "resident": resident, "conflict": conflict},
    )


@require_GET
def resident_history(request, pk):
    resident = get_resident_for_user(
        request, pk, action=Action.RESIDENT_HISTORY, log=AccessAction.HISTORY
    )
    entries = file_history(resident, health=resident.health)
    return render(request, "residents/history.html", {"resident": resident, "entries": entries})


def _file_form(request, resident, *, form_class, form_key, service, success, **form_kwargs):
    """The common path of the small forms of the file, for a resident the caller fetched for
    the form's action: validate, call the service with `resident=, by=, **cleaned_data`, come
    back to the file; on refusal, the file with the form's errors beside its fields."""
    pk = resident.pk
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            service(resident=resident, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except IntegrityError:
            form.add_error(
                None, "Cet enregistrement existe déjà ou contredit une règle du dossier."
            )
        else:
            messages.success(request, success)
            return redirect(reverse("residents:detail", args=[pk]) + f"#{form_key}")
    return _render_file_with_errors(request, pk, **{form_key: form})


def _row_action(
    request, pk, *, model, row_pk, anchor, service, success, action=Action.RESIDENT_EDIT
):
    """The buttons on one row of the file (withdraw a consent, end a follow-up, a step done,
    remove a benefit): the row is looked up within the resident the user may change, and
    passed to `service(row=, by=)`; a refusal comes back as a message. If the act took the
    user's access away (her organisation's sharing consent withdrawn), she lands on the
    list, not on a 404."""
    resident = get_resident_for_user(request, pk, action=action)
    row = get_object_or_404(model, pk=row_pk, resident=resident)
    try:
        service(row=row, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    if not Resident.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("residents:list")
    return redirect(reverse("residents:detail", args=[pk]) + f"#{anchor}")


@require_POST
def stage_change(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    return _file_form(
        request,
        resident,
        form_class=StageChangeForm,
        form_key="stage_form",
        service=services.resident_change_stage,
        success="Étape mise à jour.",
        choices=services.next_stages(resident.stage),
        health=resident.health,
    )


@require_POST
def consent_add(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.CONSENT_RECORD)
    return _file_form(
        request,
        resident,
        form_class=ConsentForm,
        form_key="consent_form",
        service=services.consent_record,
        success="Accord enregistré.",
    )


@require_POST
def consent_withdraw_view(request, pk, consent_pk):
    return _row_action(
        request,
        pk,
        model=Consent,
        row_pk=consent_pk,
        anchor="accords",
        service=lambda *, row, by: services.consent_withdraw(consent=row, by=by),
        success="Retrait de l'accord enregistré : il s'applique dès maintenant.",
        action=Action.CONSENT_WITHDRAW,
    )


@require_POST
def barrier_set_view(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    return _file_form(
        request,
        resident,
        form_class=BarrierForm,
        form_key="barrier_form",
        service=services.barrier_set,
        success="Frein mis à jour.",
        health=resident.health,
    )


@require_POST
def benefit_set_view(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    return _file_form(
        request,
        resident,
        form_class=BenefitForm,
        form_key="benefit_form",
        service=services.benefit_set,
        success="Minimum social enregistré.",
    )


@require_POST
def benefit_remove_view(request, pk, benefit_pk):
    return _row_action(
        request,
        pk,
        model=ResidentBenefit,
        row_pk=benefit_pk,
        anchor="identite",
        service=lambda *, row, by: services.benefit_remove(benefit=row, by=by),
        success="Minimum social retiré de la situation de la personne.",
    )


@require_POST
def referent_add_view(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    return _file_form(
        request,
        resident,
        form_class=ReferentForm,
        form_key="referent_form",
        service=services.referent_add,
        success="Référent ajouté.",
    )


@require_POST
def referent_end_view(request, pk, referent_pk):
    return _row_action(
        request,
        pk,
        model=ExternalReferent,
        row_pk=referent_pk,
        anchor="referents",
        service=lambda *, row, by: services.referent_end(referent=row, by=by),
        success="Fin du suivi enregistrée.",
    )


@require_POST
def note_add_view(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    return _file_form(
        request,
        resident,
        form_class=NoteForm,
        form_key="note_form",
        service=services.note_add,
        success="Note ajoutée.",
        user=request.user,
    )


@require_POST
def step_add(request, pk):
    resident = get_resident_for_user(request, pk, action=Action.RESIDENT_EDIT)
    return _file_form(
        request,
        resident,
        form_class=ActionStepForm,
        form_key="step_form",
        service=services.action_step_add,
        success="Étape ajoutée au plan d'action.",
    )


@require_POST
def step_done(request, pk, step_pk):
    return _row_action(
        request,
        pk,
        model=ActionStep,
        row_pk=step_pk,
        anchor="plan",
        service=lambda *, row, by: services.action_step_done(step=row, by=by),
        success="Étape réalisée.",
    )
