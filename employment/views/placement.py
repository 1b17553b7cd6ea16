"""The coach's screens from openings to the job: the suggested openings for a person (and a
search among the territory's open ones), proposing one, an introduction and its next steps,
recording a hire, a placement with its follow-ups in the job, and its end.

Every object is reached through employment.access (404 outside the access table's scope);
every write goes through employment.services, whose French refusals come back beside the
fields on the page, with status 200 and nothing written. Those who follow the path (the
insertion officer, the managers) read the introduction and placement pages without forms."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employers.models import JobOpening
from o2r import access
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from o2r.core.forms import add_service_errors, new_token

from .. import services
from ..access import (
    NOT_FOUND,
    get_accompaniment_for_user,
    get_follow_up_for_user,
    get_introduction_for_user,
    get_placement_for_user,
)
from ..enums import INTRODUCTION_MOVES, IntroductionStatus
from ..forms.placement import (
    MOVE_FORMS,
    FollowUpForm,
    PlacementEndForm,
    PlacementForm,
    ProposeForm,
    search_query,
)
from ..matching import suggest
from ..models import Introduction
from .accompaniment import employer_box

WORK = Action.ACCOMPANIMENT_WORK
SEARCH_SHOWN = 20
SEARCH_MIN = 2


def _messages(form) -> list[str]:
    """Every error of a form, for a page that cannot show the form itself."""
    return [message for errors in form.errors.values() for message in errors]


def _for_page(request, fetch, pk):
    """(object, whether the user works on it): fetched for the coach's work if the table
    gives it to her on this person, else for reading (404 outside both)."""
    if access.allows(request.user, WORK):
        try:
            return fetch(request, pk, action=WORK), True
        except Http404:
            pass
    return fetch(request, pk), False


# --- Suggestions and proposing ------------------------------------------------------------


def _search(accompaniment, user, query):
    """Up to SEARCH_SHOWN open openings of the territory whose title or employer matches,
    each saying whether it was already proposed to the person, or is taken by someone else's
    introduction in progress (one query)."""
    if len(query) < SEARCH_MIN:
        return None
    proposed = Introduction.objects.filter(accompaniment=accompaniment, opening=OuterRef("pk"))
    taken = (
        Introduction.objects.in_progress()
        .filter(opening=OuterRef("pk"))
        .exclude(accompaniment=accompaniment)
    )
    openings = (
        JobOpening.objects.visible_to(user)
        .open()
        .filter(Q(title__icontains=query) | Q(employer__name__icontains=query))
        .annotate(proposed=Exists(proposed), taken=Exists(taken))
        .select_related("employer")
        .order_by("-opened_on", "-pk")[:SEARCH_SHOWN]
    )
    one_at_a_time = settings.O2R_ONE_CANDIDATE_AT_A_TIME
    return [
        {
            "opening": opening,
            "proposed": opening.proposed,
            "taken": one_at_a_time and opening.taken,
            "token": new_token(),
        }
        for opening in openings
    ]


def _log_refused_post(request, resident_id):
    """A refused submission shows the page again: a read, logged (the fetch logged only the
    GETs)."""
    if request.method == "POST":
        access_log_request(request, action=AccessAction.READ, resident_ids=[resident_id])


def _suggestions_page(request, accompaniment, *, refused=None):
    _log_refused_post(request, accompaniment.resident_id)
    wishes = getattr(accompaniment.resident, "job_wishes", None)
    query = search_query(request.GET.get("q"))
    context = {
        "accompaniment": accompaniment,
        "resident": accompaniment.resident,
        "wishes": wishes,
        "no_wanted_job": wishes is None or not (wishes.wanted_rome or wishes.wanted_sectors),
        "suggestions": [
            {"suggestion": suggestion, "token": new_token()}
            for suggestion in suggest(accompaniment, request.user)
        ],
        "query": query,
        "results": _search(accompaniment, request.user, query),
        "search_min": SEARCH_MIN,
        "refused": refused,
    }
    return render(request, "employment/placement/suggestions.html", context)


def _workable(request, accompaniment):
    """None if the coach may work on it, else where to send her."""
    if not accompaniment.is_open:
        messages.info(request, "Cet accompagnement est terminé : plus de proposition d'offre.")
        return redirect(accompaniment)
    if accompaniment.is_suspended:
        messages.info(request, "L'accompagnement est suspendu : accord de partage retiré.")
        return redirect(accompaniment)
    return None


@require_GET
def suggestions(request, pk):
    """Queries: session, user, the accompaniment (with the person, her residence, the coach,
    the organisation, the orientation), the access log, the sharing consent (suspended?),
    the person's wishes, the coach's territories, the ranked openings (with employer and ROME
    sheet); with a search, the territories and the openings found. The same whatever the
    number of openings."""
    accompaniment = get_accompaniment_for_user(request, pk, action=WORK)
    elsewhere = _workable(request, accompaniment)
    if elsewhere is not None:
        return elsewhere
    return _suggestions_page(request, accompaniment)


def _match_reasons(accompaniment, user, opening):
    """The reasons of the match as the suggestions word them (none for an opening found by
    the search that the suggestions do not rank)."""
    for suggestion in suggest(accompaniment, user):
        if suggestion.opening.pk == opening.pk:
            return suggestion.reasons
    return []


@require_POST
def propose(request, pk):
    accompaniment = get_accompaniment_for_user(request, pk, action=WORK)
    form = ProposeForm(request.POST, user=request.user)
    if form.is_valid():
        opening = form.cleaned_data["opening"]
        try:
            introduction = services.introduction_propose(
                accompaniment=accompaniment,
                opening=opening,
                by=request.user,
                reasons=_match_reasons(accompaniment, request.user, opening),
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Offre proposée à la personne : {opening.title}.")
            return redirect(introduction)
    return _suggestions_page(request, accompaniment, refused=form)


# --- An introduction ----------------------------------------------------------------------


def _introduction_page(request, introduction, *, can_work, bound=None, refusal=None):
    _log_refused_post(request, introduction.resident_id)
    accompaniment = introduction.accompaniment
    legal = INTRODUCTION_MOVES.get(introduction.status, set())
    moves = []
    if can_work and accompaniment.is_open and introduction.is_in_progress:
        for to, form_class in MOVE_FORMS.items():
            if to not in legal:
                continue
            if bound is not None and bound.to == to:
                moves.append(bound)
            else:
                moves.append(form_class(introduction=introduction))
    if bound is not None and bound not in moves:
        refusal = _messages(bound)
    placement = None
    if introduction.status == IntroductionStatus.HIRED:
        placement = getattr(introduction, "placement", None)
    hire_url = None
    if can_work and introduction.status == IntroductionStatus.INTERVIEW_HELD:
        hire_url = (
            reverse("employment:placement_add", args=[accompaniment.pk])
            + f"?introduction={introduction.pk}"
        )
    context = {
        "introduction": introduction,
        "accompaniment": accompaniment,
        "resident": accompaniment.resident,
        "opening": introduction.opening,
        "employer": introduction.opening.employer,
        "steps": introduction.steps.select_related("by"),
        "moves": moves,
        "refusal": refusal,
        "hire_url": hire_url,
        "placement": placement,
        "can_work": can_work,
        "rights": access.rights_of(request.user),
    }
    return render(request, "employment/placement/introduction.html", context)


@require_GET
def introduction(request, pk):
    """Queries: session, user, the introduction (with the person, her residence, the coach,
    the opening and its employer, who proposed it), the access log, its steps (with who)."""
    introduction, can_work = _for_page(request, get_introduction_for_user, pk)
    return _introduction_page(request, introduction, can_work=can_work)


@require_POST
def introduction_move(request, pk):
    introduction = get_introduction_for_user(request, pk, action=WORK)
    to = request.POST.get("to", "")
    form_class = MOVE_FORMS.get(to)
    form = form_class(request.POST, introduction=introduction) if form_class else None
    legal = to in INTRODUCTION_MOVES.get(introduction.status, set())
    if form is not None and not form.is_valid() and legal:
        return _introduction_page(request, introduction, can_work=True, bound=form)
    kwargs = form.service_kwargs() if form is not None and form.is_valid() else {}
    try:
        services.introduction_move(introduction=introduction, to=to, by=request.user, **kwargs)
    except ValidationError as error:
        if form is not None and legal:
            add_service_errors(form, error)
            return _introduction_page(request, introduction, can_work=True, bound=form)
        return _introduction_page(
            request, introduction, can_work=True, refusal=list(error.messages)
        )
    messages.success(request, f"Étape enregistrée : {IntroductionStatus(to).label}.")
    return redirect(introduction)


# --- Recording a hire ---------------------------------------------------------------------


def _introduction_of(accompaniment, value):
    """The introduction of ?introduction=<id>, which must be one of this accompaniment's."""
    if value is None:
        return None
    try:
        return Introduction.objects.select_related("opening__employer").get(
            pk=int(value), accompaniment=accompaniment
        )
    except (Introduction.DoesNotExist, *NOT_FOUND):
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def placement_add(request, pk):
    accompaniment = get_accompaniment_for_user(request, pk, action=WORK)
    introduction = _introduction_of(accompaniment, request.GET.get("introduction"))
    # On a GET, ?employer= is the company whose openings to list (the script asks for them).
    initial = {"employer": request.GET.get("employer")}
    form = PlacementForm(
        request.POST or None, user=request.user, introduction=introduction, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            placement = services.placement_record(
                accompaniment=accompaniment,
                by=request.user,
                data=form.service_data(),
                introduction=introduction,
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Embauche enregistrée : les suivis dans l'emploi sont prévus."
            )
            return redirect(placement)
    _log_refused_post(request, accompaniment.resident_id)
    context = {
        "accompaniment": accompaniment,
        "resident": accompaniment.resident,
        "introduction": introduction,
        "form": form,
    }
    if introduction is None:
        context["employer_box"] = employer_box(request.user, form)
    if request.htmx and request.method == "GET" and introduction is None:
        # The employer just chosen: its openings, for the list (static/js/employer-search.js).
        return render(request, "employment/placement/placement_form.html#openings", context)
    return render(request, "employment/placement/placement_form.html", context)


# --- A placement, its follow-ups, its end -------------------------------------------------


def _placement_page(request, placement, *, can_work, end_form=None, follow_up_form=None):
    _log_refused_post(request, placement.resident_id)
    refusal = []
    rows = []
    for follow_up in placement.follow_ups.select_related("done_by"):
        form = None
        if can_work and follow_up.is_pending:
            if follow_up_form is not None and follow_up_form.follow_up.pk == follow_up.pk:
                form = follow_up_form
            else:
                form = FollowUpForm(follow_up=follow_up)
        rows.append({"follow_up": follow_up, "form": form})
    if follow_up_form is not None and all(row["form"] is not follow_up_form for row in rows):
        refusal += _messages(follow_up_form)
    # After an exit in work, the coach still records the job's end.
    can_end = can_work and placement.is_active
    if end_form is not None and not can_end:
        refusal += _messages(end_form)
    context = {
        "placement": placement,
        "resident": placement.resident,
        "accompaniment": placement.accompaniment,
        "follow_ups": rows,
        "end_form": (end_form or PlacementEndForm()) if can_end else None,
        "can_work": can_work,
        "refusal": refusal,
    }
    return render(request, "employment/placement/placement_detail.html", context)


@require_GET
def placement_detail(request, pk):
    """Queries: session, user, the placement (with the person, her residence, the
    accompaniment, the employer, the opening, the coach), the access log, the residence and
    the organisation at the time, the follow-ups (with who did them)."""
    placement, can_work = _for_page(request, get_placement_for_user, pk)
    return _placement_page(request, placement, can_work=can_work)


@require_POST
def placement_end(request, pk):
    placement = get_placement_for_user(request, pk, action=WORK)
    if not placement.is_active:
        messages.info(request, "La fin de ce contrat était déjà enregistrée.")
        return redirect(placement)
    form = PlacementEndForm(request.POST)
    if form.is_valid():
        try:
            services.placement_end(
                placement=placement,
                by=request.user,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Fin du contrat enregistrée : la personne est de nouveau accompagnée."
            )
            return redirect(placement)
    return _placement_page(request, placement, can_work=True, end_form=form)


@require_POST
def follow_up(request, pk):
    follow_up = get_follow_up_for_user(request, pk)
    form = FollowUpForm(request.POST, follow_up=follow_up)
    if form.is_valid():
        try:
            services.follow_up_record(follow_up=follow_up, by=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Suivi {follow_up.get_milestone_display()} enregistré.")
            return redirect(follow_up.placement)
    placement = get_placement_for_user(request, follow_up.placement_id, action=WORK)
    return _placement_page(request, placement, can_work=True, follow_up_form=form)
