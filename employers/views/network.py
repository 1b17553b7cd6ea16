"""The employers' network screens: the territory's companies (a list and the pipeline by
status), a company's page (contacts, timeline, openings), and the forms that change it.
Every company is reached through employers.access (404 outside the access table's scope);
every write goes through employers.services."""

import phonenumbers
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Window
from django.db.models.functions import Greatest, RowNumber
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from o2r import access
from o2r.access import Action
from o2r.core.forms import add_service_errors

from .. import services
from ..access import get_contact_for_user, get_employer_for_user, require
from ..enums import NetworkStatus
from ..forms.network import (
    ContactAddForm,
    ContactEditForm,
    EmployerCreateForm,
    EmployerEditForm,
    EmployerFilter,
    ProspectingForm,
    StatusForm,
)
from ..models import Employer, EmployerStatusChange, JobOpening, ProspectingAction
from ..timeline import employer_timeline

PAGE_SIZE = 50
CARDS_PER_COLUMN = 30
PIPELINE_COLUMNS = [
    NetworkStatus.PROSPECT,
    NetworkStatus.CONTACTED,
    NetworkStatus.MET,
    NetworkStatus.PARTNER,
]
# A company's page lists at most this many rows of each kind (the newest).
DETAIL_ROWS = 200


def rights_for(user) -> dict:
    """The access table's rights for templates (`rights.employer_edit`,
    `rights.employer_contact_read`: whether the contacts, personal data, show)."""
    return access.rights_of(user)


def siret_display(siret: str) -> str:
    """'73282932000074' -> '732 829 320 00074'."""
    if len(siret) != 14:
        return siret
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def phone_display(e164: str) -> str:
    """'+33240123456' -> '02 40 12 34 56' (an overseas number keeps its international form)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _with_open_openings(employers: list) -> list:
    """Sets `open_openings` on each of `employers` (one query for all)."""
    if employers:
        counts = dict(
            Employer.objects.filter(pk__in=[e.pk for e in employers])
            .with_open_openings()
            .values_list("pk", "open_openings")
        )
        for employer in employers:
            employer.open_openings = counts.get(employer.pk, 0)
    return employers


# --- The territory's companies --------------------------------------------------------------


@require_GET
def employer_list(request):
    """Filtered, by name, 50 a page. Queries: the user's territories (1), the owners offered
    by the filter (1), the count (1, on the companies alone), the page (1, with owners), its
    open openings (1)."""
    user = request.user
    require(user, Action.EMPLOYER_READ)
    filterset = EmployerFilter(
        request.GET or None, queryset=Employer.objects.visible_to(user), user=user
    )
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    queryset = queryset.order_by("name_key", "pk")
    # The paginator counts the companies without the openings' join; the page's rows come
    # with their owner, and their open openings are counted for those 50 only.
    page = Paginator(queryset.values("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    offset = (page.number - 1) * PAGE_SIZE
    page.object_list = _with_open_openings(
        list(queryset.select_related("owner")[offset : offset + PAGE_SIZE])
    )
    context = {"filter": filterset, "page": page, "rights": rights_for(user)}
    template = "employers/list.html#results" if request.htmx else "employers/list.html"
    return render(request, template, context)


@require_GET
def pipeline(request):
    """The network by status, the 30 most recently touched companies of each column.
    Queries: the user's territories (1), the counts by status (1), the cards (1, with their
    owners), their open openings (1)."""
    user = request.user
    require(user, Action.EMPLOYER_READ)
    employers = Employer.objects.visible_to(user)
    counts = employers.by_status()
    cards = list(
        employers.filter(status__in=PIPELINE_COLUMNS)
        .annotate(
            # GREATEST ignores NULL: a company never reached is as fresh as its last edit.
            touched=Greatest("updated_at", "last_contact_at"),
            rank=Window(
                RowNumber(),
                partition_by=F("status"),
                order_by=[F("touched").desc(), F("pk").desc()],
            ),
        )
        .filter(rank__lte=CARDS_PER_COLUMN)
        .select_related("owner")
        .order_by("rank")
    )
    _with_open_openings(cards)
    columns = []
    for status in PIPELINE_COLUMNS:
        shown = [card for card in cards if card.status == status]
        total = counts.get(status, 0)
        columns.append(
            {
                "status": status,
                "label": status.label,
                "cards": shown,
                "total": total,
                "more": total - len(shown),
            }
        )
    context = {
        "columns": columns,
        "inactive": counts.get(NetworkStatus.INACTIVE, 0),
        "total": sum(counts.values()),
        "rights": rights_for(user),
    }
    return render(request, "employers/pipeline.html", context)


# --- Creating and editing a company ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def employer_create(request):
    user = request.user
    require(user, Action.EMPLOYER_EDIT)
    form = EmployerCreateForm(request.POST or None, user=user)
    known = None
    if request.method == "POST" and form.is_valid():
        try:
            employer = services.employer_create(
                by=user,
                data=form.service_data(),
                confirm_similar=form.cleaned_data["confirm_similar"],
                token=form.cleaned_data["token"],
            )
        except services.EmployerMayBeKnown as error:
            known = error
            if error.blocking:
                form.add_error("siret", error.messages)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{employer.name} entre dans le réseau (à prospecter).")
            return redirect(employer)
    context = {
        "form": form,
        "known": known,
        "ask_confirmation": (known is not None and not known.blocking)
        or bool(form.data.get("confirm_similar")),
        "creating": True,
    }
    return render(request, "employers/employer_form.html", context)


@require_http_methods(["GET", "POST"])
def employer_edit(request, pk):
    user = request.user
    employer = get_employer_for_user(request, pk, action=Action.EMPLOYER_EDIT)
    form = EmployerEditForm(request.POST or None, user=user, employer=employer)
    if request.method == "POST" and form.is_valid():
        try:
            employer = services.employer_update(
                by=user, employer=employer, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Fiche de l'entreprise modifiée.")
            return redirect(employer)
    return render(request, "employers/employer_form.html", {"form": form, "employer": employer})


@require_http_methods(["GET", "POST"])
def employer_status(request, pk):
    """An explicit change of status, with its reason (the way back, and to and from
    "inactive"). Submitted twice, the second finds the status already set."""
    employer = get_employer_for_user(request, pk, action=Action.EMPLOYER_EDIT)
    form = StatusForm(request.POST or None, employer=employer)
    if request.method == "POST" and form.is_valid():
        before = employer.get_status_display()
        try:
            employer = services.employer_status_set(
                by=request.user,
                employer=employer,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            after = employer.get_status_display()
            if after == before:
                messages.info(request, f"Le statut reste « {after} ».")
            else:
                messages.success(request, f"Statut : {before} → {after}.")
            return redirect(employer)
    return _form_page(request, employer, "status", form)


# --- The company's page ---------------------------------------------------------------------


@require_GET
def employer_detail(request, pk):
    """Queries: the user's territories (1), the company with its owner (1), its contacts (1,
    if the user reads them), its prospecting steps with their authors (1, if she reads them),
    its status changes with their authors (1), the openings she may see (1)."""
    user = request.user
    employer = get_employer_for_user(request, pk)
    rights = rights_for(user)
    contacts = None
    if rights.get("employer_contact_read"):
        contacts = list(employer.contacts.all())
        for contact in contacts:
            contact.phone_display = phone_display(contact.phone) if contact.phone else ""
    prospecting = []
    if rights.get("prospecting_read"):
        prospecting = list(
            ProspectingAction.objects.visible_to(user)
            .filter(employer=employer)
            .select_related("by")[:DETAIL_ROWS]
        )
    status_changes = EmployerStatusChange.objects.filter(employer=employer)
    if not rights.get("prospecting_read"):
        # Status changes are the prospecting's trace (who, when, why): those who may not read
        # it see the company's entry into the network only, and its current status.
        status_changes = status_changes.filter(from_status="")
    status_changes = list(status_changes.select_related("by").order_by("-at", "-pk")[:DETAIL_ROWS])
    openings = list(
        JobOpening.objects.visible_to(user)
        .filter(employer=employer)
        .select_related("created_by")
        .order_by("-opened_on", "-pk")[:DETAIL_ROWS]
    )
    context = {
        "employer": employer,
        "siret": siret_display(employer.siret),
        "rights": rights,
        "contacts": contacts,
        "timeline": employer_timeline(
            employer, prospecting=prospecting, openings=openings, status_changes=status_changes
        ),
        "open_openings": [o for o in openings if o.is_open],
        "closed_openings": [o for o in openings if not o.is_open],
    }
    if rights.get("prospecting_log"):
        context["prospecting_form"] = ProspectingForm(employer=employer, contacts=contacts or [])
    if rights.get("employer_edit"):
        context["contact_form"] = ContactAddForm()
        context["status_form"] = StatusForm(employer=employer)
    return render(request, "employers/detail.html", context)


FORM_PAGES = {
    "prospecting": ("Noter une démarche", "employers/_prospecting_form.html"),
    "contact": ("Ajouter un interlocuteur", "employers/_contact_form.html"),
    "contact_edit": ("Modifier un interlocuteur", "employers/_contact_form.html"),
    "status": ("Changer le statut", "employers/_status_form.html"),
}


def _form_page(request, employer, which, form, **extra):
    """One of the company's forms on a page of its own: opened from a phone, or shown again
    with its errors beside the fields and everything typed kept."""
    title, include = FORM_PAGES[which]
    context = {"employer": employer, "title": title, "include": include, **extra}
    context[f"{which.removesuffix('_edit')}_form"] = form
    return render(request, "employers/form_page.html", context)


# --- Contacts -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    employer = get_employer_for_user(request, pk, action=Action.EMPLOYER_EDIT)
    form = ContactAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "token"}
        try:
            contact = services.employer_contact_add(
                by=request.user, employer=employer, data=data, token=form.cleaned_data["token"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Interlocuteur ajouté : {contact}.")
            return redirect(contact)
    return _form_page(request, employer, "contact", form)


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk, contact_pk):
    employer = get_employer_for_user(request, pk, action=Action.EMPLOYER_EDIT)
    contact = get_contact_for_user(request, employer, contact_pk)
    contact.employer = employer
    form = ContactEditForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.employer_contact_update(
                by=request.user, contact=contact, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Interlocuteur modifié : {contact}.")
            return redirect(contact)
    return _form_page(request, employer, "contact_edit", form, contact=contact)


# --- Prospecting ----------------------------------------------------------------------------


def _prospecting_message(before: str, employer: Employer) -> str:
    if employer.status == NetworkStatus.INACTIVE:
        return (
            "Démarche enregistrée. L'entreprise reste inactive : changez son statut pour la "
            "remettre dans le réseau."
        )
    if employer.status != before:
        return (
            "Démarche enregistrée. Statut : "
            f"{NetworkStatus(before).label} → {employer.get_status_display()}."
        )
    return "Démarche enregistrée."


@require_http_methods(["GET", "POST"])
def prospecting_add(request, pk):
    user = request.user
    employer = get_employer_for_user(request, pk, action=Action.PROSPECTING_LOG)
    # Those who may not read the contacts are offered none to choose from.
    contacts = None if access.allows(user, Action.EMPLOYER_CONTACT_READ) else []
    form = ProspectingForm(request.POST or None, employer=employer, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = employer.status
        try:
            services.prospecting_log(
                by=user,
                employer=employer,
                kind=data["kind"],
                outcome=data["outcome"],
                at=data["at"],
                summary=data["summary"],
                contact=data.get("contact"),
                next_step_on=data["next_step_on"],
                next_step=data["next_step"],
                token=data["token"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "at" in error.error_dict:
                # The service names the moment; the form asks for it as a day and a time.
                error.error_dict["on"] = error.error_dict.pop("at")
            add_service_errors(form, error)
        else:
            messages.success(request, _prospecting_message(before, employer))
            return redirect(employer)
    return _form_page(request, employer, "prospecting", form)
