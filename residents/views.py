import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request

from . import services
from .access import can_edit, can_export, can_see_health, get_resident_for_user, rights_of
from .duplicates import find_duplicates
from .forms import (
    ActionStepForm,
    BarrierForm,
    BenefitForm,
    CoachForm,
    ConsentForm,
    NoteForm,
    ReferentForm,
    ResidentFilter,
    ResidentForm,
    StageChangeForm,
)
from .models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBenefit,
    ResidentChange,
    StageChange,
)
from .timeline import timeline

PAGE_SIZE = 25


def _require_list_rights(user):
    if not rights_of(user).list:
        raise Http404


def _filtered(request):
    filterset = ResidentFilter(
        request.GET or None,
        queryset=Resident.objects.visible_to(request.user).with_list_data(),
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
    _require_list_rights(request.user)
    filterset, queryset = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "can_export": can_export(request.user),
        "can_create": can_edit(request.user) and request.user.is_insertion_officer,
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
    if not can_export(request.user):
        raise Http404
    _, queryset = _filtered(request)
    count = queryset.count()
    access_log_request(request, action=AccessAction.LIST_EXPORT, count=count)
    writer = csv.writer(_Echo(), delimiter=";")

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 with accents correctly
        yield writer.writerow([title for title, _ in EXPORT_COLUMNS])
        for resident in queryset.iterator(chunk_size=1000):
            yield writer.writerow([_csv_safe(get(resident)) for _, get in EXPORT_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.csv"'
    return response


def _detail_queryset(user):
    return Resident.objects.visible_to(user).select_related(
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
    )  # fmt: skip


def _file_context(request, resident, **forms):
    user = request.user
    consents = list(resident.consents.all())
    editable = can_edit(user)
    context = {
        "resident": resident,
        "can_edit": editable,
        "show_health": can_see_health(user, resident, consents=consents),
        "consents": consents,
        "notes": resident.readable_notes,
        "timeline": timeline(resident, user, notes=resident.readable_notes),
        "next_stages": services.next_stages(resident.stage),
    }
    if editable:
        context.update(
            stage_form=forms.get("stage_form")
            or StageChangeForm(choices=services.next_stages(resident.stage)),
            coach_form=forms.get("coach_form") or CoachForm(),
            consent_form=forms.get("consent_form") or ConsentForm(),
            barrier_form=forms.get("barrier_form") or BarrierForm(),
            benefit_form=forms.get("benefit_form") or BenefitForm(),
            referent_form=forms.get("referent_form") or ReferentForm(),
            note_form=forms.get("note_form") or NoteForm(),
            step_form=forms.get("step_form") or ActionStepForm(),
        )
    return context


def _get_file(request, pk):
    try:
        resident = _detail_queryset(request.user).get(pk=pk)
    except Resident.DoesNotExist:
        raise Http404 from None
    return resident


@require_GET
def resident_detail(request, pk):
    resident = _get_file(request, pk)
    access_log_request(request, action=AccessAction.READ, resident=resident)
    return render(request, "residents/detail.html", _file_context(request, resident))


def _render_file_with_errors(request, pk, **forms):
    """A refused submission on the file: the page again, the form with its French errors
    beside the fields, status 200; nothing was saved."""
    resident = _get_file(request, pk)
    access_log_request(request, action=AccessAction.READ, resident=resident)
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
    if not (can_edit(user) and user.is_insertion_officer):
        raise Http404
    form = ResidentForm(request.POST if request.method == "POST" else None, user=user)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        duplicates = find_duplicates(user=user, data=form.cleaned_data)
        confirmed = request.POST.get("confirm_duplicate") == "1"
        if duplicates.any and not confirmed:
            messages.warning(request, "Une personne semblable existe peut-être déjà : vérifiez.")
        else:
            try:
                resident = services.resident_create(
                    by=user, data=form.service_data(), benefits=form.service_benefits(),
                    enter_programme=form.cleaned_data.get("enter_programme", True),
                )  # fmt: skip
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
    resident = get_resident_for_user(request.user, pk, write=True)
    show_health = can_see_health(request.user, resident)
    form = ResidentForm(
        request.POST if request.method == "POST" else None,
        instance=resident,
        user=request.user,
        show_health=show_health,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(
                resident=resident, by=request.user, data=form.service_data(),
                benefits=form.service_benefits(),
            )  # fmt: skip
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Modifications enregistrées.")
            return redirect(resident)
    return render(request, "residents/form.html", {"form": form, "resident": resident})


@require_GET
def resident_history(request, pk):
    resident = get_resident_for_user(request.user, pk, write=True)
    access_log_request(request, action=AccessAction.HISTORY, resident=resident)
    show_health = can_see_health(request.user, resident)
    labels = {
        f.name: f.verbose_name for f in Resident._meta.get_fields() if hasattr(f, "verbose_name")
    }
    labels["benefits"] = "minima sociaux"
    changes = []
    for change in ResidentChange.objects.filter(resident=resident).select_related("changed_by")[
        :200
    ]:
        rows = [
            (labels.get(field, field), before, after)
            for field, (before, after) in change.diff.items()
            if show_health or field not in Resident.HEALTH_FIELDS
        ]
        if rows:
            changes.append((change, rows))
    return render(request, "residents/history.html", {"resident": resident, "changes": changes})


def _post_action(request, pk, form_class, form_key, act, success, **form_kwargs):
    """The common path of the small forms of the file: validate, call the service, come back
    to the file; on refusal, the file with the form's errors beside its fields."""
    resident = get_resident_for_user(request.user, pk, write=True)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            act(resident, form)
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


def _row_action(request, pk, model, row_pk, anchor, act, success):
    """The buttons on one row of the file (withdraw a consent, end a follow-up, a step done,
    remove a benefit): the row is looked up within the resident the user may change; a
    refusal comes back as a message. If the act took the user's access away (her
    organisation's sharing consent withdrawn), she lands on the list, not on a 404."""
    resident = get_resident_for_user(request.user, pk, write=True)
    row = get_object_or_404(model, pk=row_pk, resident=resident)
    try:
        act(row)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    if not Resident.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("residents:list")
    return redirect(reverse("residents:detail", args=[pk]) + f"#{anchor}")


@require_POST
def stage_change(request, pk):
    resident = get_resident_for_user(request.user, pk, write=True)
    return _post_action(
        request, pk, StageChangeForm, "stage_form",
        lambda r, f: services.resident_change_stage(
            resident=r, to=f.cleaned_data["to"], by=request.user,
            reason=f.cleaned_data["reason"], exit_reason=f.cleaned_data["exit_reason"],
        ),
        "Étape mise à jour.",
        choices=services.next_stages(resident.stage),
    )  # fmt: skip


@require_POST
def assign_coach(request, pk):
    # Orienting a person towards the employment partner is the insertion officer's decision.
    if not request.user.is_insertion_officer:
        raise Http404
    return _post_action(
        request, pk, CoachForm, "coach_form",
        lambda r, f: services.resident_assign_coach(
            resident=r, coach=f.cleaned_data["coach"], by=request.user
        ),
        "Orientation enregistrée.",
    )  # fmt: skip


@require_POST
def consent_add(request, pk):
    return _post_action(
        request, pk, ConsentForm, "consent_form",
        lambda r, f: services.consent_record(resident=r, by=request.user, **f.cleaned_data),
        "Accord enregistré.",
    )  # fmt: skip


@require_POST
def consent_withdraw_view(request, pk, consent_pk):
    return _row_action(
        request, pk, Consent, consent_pk, "accords",
        lambda consent: services.consent_withdraw(consent=consent, by=request.user),
        "Retrait de l'accord enregistré : il s'applique dès maintenant.",
    )  # fmt: skip


@require_POST
def barrier_set_view(request, pk):
    return _post_action(
        request, pk, BarrierForm, "barrier_form",
        lambda r, f: services.barrier_set(resident=r, by=request.user, **f.cleaned_data),
        "Frein mis à jour.",
    )  # fmt: skip


@require_POST
def benefit_set_view(request, pk):
    return _post_action(
        request, pk, BenefitForm, "benefit_form",
        lambda r, f: services.benefit_set(resident=r, by=request.user, **f.cleaned_data),
        "Minimum social enregistré.",
    )  # fmt: skip


@require_POST
def benefit_remove_view(request, pk, benefit_pk):
    return _row_action(
        request, pk, ResidentBenefit, benefit_pk, "identite",
        lambda benefit: services.benefit_remove(benefit=benefit, by=request.user),
        "Minimum social retiré de la situation de la personne.",
    )  # fmt: skip


@require_POST
def referent_add_view(request, pk):
    return _post_action(
        request, pk, ReferentForm, "referent_form",
        lambda r, f: services.referent_add(resident=r, by=request.user, **f.cleaned_data),
        "Référent ajouté.",
    )  # fmt: skip


@require_POST
def referent_end_view(request, pk, referent_pk):
    return _row_action(
        request, pk, ExternalReferent, referent_pk, "referents",
        lambda referent: services.referent_end(referent=referent, by=request.user),
        "Fin du suivi enregistrée.",
    )  # fmt: skip


@require_POST
def note_add_view(request, pk):
    return _post_action(
        request, pk, NoteForm, "note_form",
        lambda r, f: services.note_add(resident=r, author=request.user, **f.cleaned_data),
        "Note ajoutée.",
    )  # fmt: skip


@require_POST
def step_add(request, pk):
    return _post_action(
        request, pk, ActionStepForm, "step_form",
        lambda r, f: services.action_step_add(resident=r, by=request.user, **f.cleaned_data),
        "Étape ajoutée au plan d'action.",
    )  # fmt: skip


@require_POST
def step_done(request, pk, step_pk):
    return _row_action(
        request, pk, ActionStep, step_pk, "plan",
        lambda step: services.action_step_done(step=step, by=request.user),
        "Étape réalisée.",
    )  # fmt: skip
