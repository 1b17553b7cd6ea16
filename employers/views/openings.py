"""The job-opening screens: the list of openings one may see (officers: the open ones of their
territory), an opening's job analysis (readable on a phone), the job-analysis form (create,
edit), closing and reopening, and the ROME type-ahead. Every object is reached through
employers.access (404 outside the table's scope); every write goes through employers.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r import access
from o2r.access import Action, Scope
from o2r.core.forms import add_service_errors
from residents.enums import LANGUAGES

from .. import services
from ..access import get_employer_for_user, get_opening_for_user, require
from ..enums import DroppedRequirement, Schedule, Weekday
from ..forms.openings import (
    QUERY_MAX,
    OpeningCloseForm,
    OpeningCreateForm,
    OpeningEditForm,
    OpeningFilter,
)
from ..models import JobOpening, RomeAppellation

PAGE_SIZE = 50
TYPEAHEAD_LIMIT = 10
TYPEAHEAD_MIN = 2


# --- The list -------------------------------------------------------------------------------


@require_GET
def opening_list(request):
    """Queries: session, user, the user's territories, (with a job filter: the ROME sheets of
    the titles that match), the count, the page's openings (with their employer and ROME
    sheet). The same whatever the number of openings."""
    require(request.user, Action.OPENING_READ)
    open_only = access.scope_of(request.user, Action.OPENING_READ) == Scope.TERRITORY_OPEN
    openings = JobOpening.objects.visible_to(request.user).select_related("employer", "rome")
    filterset = OpeningFilter(request.GET, queryset=openings, show_status=not open_only)
    page = Paginator(filterset.qs.order_by("-opened_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "filter": filterset,
        "page": page,
        "open_only": open_only,
        "rights": access.rights_of(request.user),
    }
    template = "employers/openings/list.html#results" if request.htmx else None
    return render(request, template or "employers/openings/list.html", context)


# --- One opening ----------------------------------------------------------------------------


def _labels(values, choices):
    """Stored codes as their labels, in the choices' order."""
    chosen = set(values or [])
    return [label for value, label in choices if value in chosen]


def _detail_context(request, opening, *, close_form=None):
    rights = access.rights_of(request.user)
    return {
        "opening": opening,
        "employer": opening.employer,
        "rights": rights,
        "schedule": _labels(opening.schedule, Schedule.choices),
        "working_days": _labels(opening.working_days, Weekday.choices),
        "dropped": _labels(opening.requirements_dropped, DroppedRequirement.choices),
        "languages": _labels(opening.languages_useful, LANGUAGES),
        "close_form": close_form
        or (OpeningCloseForm(opening=opening) if "opening_edit" in rights else None),
    }


@require_GET
def opening_detail(request, pk):
    """Queries: session, user, the user's territories, the opening (with its employer, ROME
    sheet and title, author)."""
    opening = get_opening_for_user(request, pk)
    return render(request, "employers/openings/detail.html", _detail_context(request, opening))


def _rome_search(query):
    """Up to ten titles for `query` (one query), None when too short to search."""
    query = (query or "")[:QUERY_MAX]
    if len(query.strip()) < TYPEAHEAD_MIN:
        return None
    return list(RomeAppellation.objects.search(query, TYPEAHEAD_LIMIT))


def _form_page(request, *, form, employer, opening=None):
    """The job-analysis form. Shown again with an error on the ROME field, it lists the titles
    that match what was typed, to tick one (what a browser without JavaScript relies on)."""
    searched = form.is_bound and "rome_appellation" in form.errors
    if form.is_bound:
        chosen = form.cleaned_data.get("rome_appellation")
    else:
        chosen = opening.rome_appellation if opening else None
    context = {
        "form": form,
        "employer": employer,
        "opening": opening,
        "chosen": chosen,
        "searched": searched,
        "rome_results": _rome_search(form.rome_query()) if searched else None,
        "query": form.rome_query(),
    }
    return render(request, "employers/openings/form.html", context)


@require_http_methods(["GET", "POST"])
def opening_create(request, pk):
    employer = get_employer_for_user(request, pk, action=Action.OPENING_EDIT)
    form = OpeningCreateForm(request.POST or None, employer=employer)
    if request.method == "POST" and form.is_valid():
        try:
            opening = services.job_opening_open(
                by=request.user,
                employer=employer,
                data=form.service_data(),
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Offre enregistrée.")
            return redirect(opening)
    return _form_page(request, form=form, employer=employer)


def _closed_refusal(request, opening):
    messages.error(request, "Cette offre est close : rouvrez-la pour la modifier.")
    return redirect(opening)


@require_http_methods(["GET", "POST"])
def opening_edit(request, pk):
    opening = get_opening_for_user(request, pk, action=Action.OPENING_EDIT)
    if not opening.is_open:
        return _closed_refusal(request, opening)
    form = OpeningEditForm(request.POST or None, opening=opening)
    if request.method == "POST" and form.is_valid():
        try:
            opening = services.job_opening_update(
                by=request.user, opening=opening, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Offre modifiée.")
            return redirect(opening)
    return _form_page(request, form=form, employer=opening.employer, opening=opening)


@require_POST
def opening_close(request, pk):
    opening = get_opening_for_user(request, pk, action=Action.OPENING_EDIT)
    if not opening.is_open:
        messages.info(request, "Cette offre était déjà close.")
        return redirect(opening)
    form = OpeningCloseForm(request.POST, opening=opening)
    if form.is_valid():
        try:
            services.job_opening_close(
                by=request.user,
                opening=opening,
                status=form.cleaned_data["status"],
                closed_on=form.cleaned_data["closed_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Offre close.")
            return redirect(opening)
    context = _detail_context(request, opening, close_form=form)
    return render(request, "employers/openings/detail.html", context)


@require_POST
def opening_reopen(request, pk):
    opening = get_opening_for_user(request, pk, action=Action.OPENING_EDIT)
    if opening.is_open:
        return redirect(opening)
    services.job_opening_reopen(by=request.user, opening=opening)
    messages.success(request, "Offre rouverte.")
    return redirect(opening)


# --- ROME type-ahead ------------------------------------------------------------------------


@require_GET
def rome_typeahead(request):
    """Up to ten ROME titles for what was typed (one query), as the fragment the form shows
    under its ROME field."""
    require(request.user, Action.OPENING_EDIT)
    # `q`; `rome_q` when htmx sends the form's own input under its name.
    query = request.GET.get("q", request.GET.get("rome_q", ""))[:QUERY_MAX]
    context = {"rome_results": _rome_search(query), "query": query, "searched": True}
    return render(request, "employers/openings/_rome_results.html", context)
