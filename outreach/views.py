"""The outreach screens: the hall session (started from the officer's home page, logged from
a phone), the referral form and its follow-up for residence staff, the officers' inbox, and a
residence's outreach history. Every object is reached through outreach.access (404 outside the
table's scope); every write goes through outreach.services."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r import access
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from o2r.core.forms import add_service_errors
from residents.access import require
from residents.models import Resident

from . import services
from .access import get_action_for_user, get_referral_for_user, get_residence_for_user
from .enums import (
    FORM_OUTCOMES,
    ActionKind,
    Outcome,
    ReferralOutcome,
    ReferralSource,
    ReferralStatus,
)
from .forms import (
    ActionStartForm,
    ContactCorrectForm,
    ContactForm,
    MeetNewForm,
    PeriodForm,
    ReferralCloseForm,
    ReferralForm,
)
from .models import Contact, OutreachAction, Referral

TYPEAHEAD_MIN = 2
TYPEAHEAD_LIMIT = 8
CLOSED_SHOWN = 20


def _counted(counts: dict, choices) -> list[tuple[str, int]]:
    """{value: n} as [(label, n)] in the choices' order, zeros left out."""
    return [(label, counts[value]) for value, label in choices if counts.get(value)]


# --- The hall session -----------------------------------------------------------------------


@require_POST
def action_start(request):
    require(request.user, Action.OUTREACH_LOG)
    form = ActionStartForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            action = services.outreach_action_start(
                by=request.user,
                residence=form.cleaned_data["residence"],
                kind=ActionKind.HALL_SESSION,
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(action)
    return render(request, "outreach/start.html", {"form": form})


def _typeahead_results(request, action, query):
    query = (query or "").strip()[:100]
    if len(query) < TYPEAHEAD_MIN:
        return None
    return list(
        Resident.objects.visible_to(request.user, Action.OUTREACH_LOG)
        .filter(residence=action.residence_id)
        .search(query)
        .order_by("last_name", "first_name", "pk")[:TYPEAHEAD_LIMIT]
    )


def _session_context(request, action, *, contact_form=None, new_form=None, corrections=None):
    """The session page: its running list (each line correctable), the counters, and the
    forms to add someone. Queries: the contacts with their residents (1), the people met
    (2), the contacts by outcome (1)."""
    user = request.user
    contacts = list(
        action.contacts.select_related("resident").order_by("at", "pk")
    )  # the running list, oldest first
    actions = OutreachAction.objects.filter(pk=action.pk)
    can_log = access.scope_of(user, Action.OUTREACH_LOG) is not None and action.is_open
    corrections = corrections or {}
    if can_log:
        for contact in contacts:
            contact.form = corrections.get(contact.pk) or ContactCorrectForm(contact=contact)
    context = {
        "action": action,
        "contacts": contacts,
        "people_met": actions.people_met(),
        "by_outcome": _counted(Contact.objects.filter(action=action).by_outcome(), Outcome.choices),
        "can_log": can_log,
        "outcomes": FORM_OUTCOMES,
    }
    if can_log:
        query = request.GET.get("q", "")
        results = _typeahead_results(request, action, query)
        chosen = None
        if contact_form is not None and contact_form.cleaned_data.get("resident"):
            # Shown again beside a refused field: the person chosen stays chosen.
            chosen = contact_form.cleaned_data["resident"]
            results = [chosen, *(r for r in results or [] if r.pk != chosen.pk)]
        context.update(
            contact_form=contact_form or ContactForm(user=user, action=action),
            new_form=new_form or MeetNewForm(),
            query=query,
            results=results,
            chosen=chosen.pk if chosen else None,
        )
    return context


def _action_for_log(request, pk):
    """An action the user may log on (404 otherwise). A closed one is shown, not changed."""
    return get_action_for_user(request, pk, action=Action.OUTREACH_LOG)


def _session_again(request, action, status=200, **forms):
    return render(
        request, "outreach/action.html", _session_context(request, action, **forms), status=status
    )


@require_GET
def action_detail(request, pk):
    action = get_action_for_user(request, pk, action=Action.OUTREACH_READ)
    return render(request, "outreach/action.html", _session_context(request, action))


@require_GET
def typeahead(request, pk):
    action = _action_for_log(request, pk)
    query = request.GET.get("q", "")
    context = {
        "action": action,
        "query": query,
        "results": _typeahead_results(request, action, query),
    }
    return render(request, "outreach/_typeahead.html", context)


def _closed_refusal(request, action):
    messages.error(request, "Cette permanence est close : elle ne change plus.")
    return redirect(action)


@require_POST
def contact_add(request, pk):
    action = _action_for_log(request, pk)
    if not action.is_open:
        return _closed_refusal(request, action)
    form = ContactForm(request.POST, user=request.user, action=action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_log(
                by=request.user,
                resident=data["resident"],
                action=action,
                outcome=data["outcome"],
                summary=data["summary"],
                next_step_on=data["next_step_on"],
                accompaniment_consent=data["accompaniment_consent"],
                token=data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact enregistré.")
            return redirect(action)
    return _session_again(request, action, contact_form=form)


@require_POST
def meet_new(request, pk):
    action = _action_for_log(request, pk)
    if not action.is_open:
        return _closed_refusal(request, action)
    form = MeetNewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.resident_meet_new(
                by=request.user,
                action=action,
                first_name=data["first_name"],
                housing_unit=data["housing_unit"],
                outcome=data["outcome"],
                summary=data["summary"],
                token=data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Nouvelle personne enregistrée.")
            return redirect(action)
    return _session_again(request, action, new_form=form)


@require_POST
def count_unnamed(request, pk):
    action = _action_for_log(request, pk)
    if not action.is_open:
        return _closed_refusal(request, action)
    services.outreach_action_count_unnamed(action=action, by=request.user)
    return redirect(action)


@require_POST
def contact_correct(request, pk, contact_pk):
    action = _action_for_log(request, pk)
    if not action.is_open:
        return _closed_refusal(request, action)
    contact = get_object_or_404(action.contacts, pk=contact_pk)
    form = ContactCorrectForm(request.POST, contact=contact)
    if form.is_valid():
        try:
            services.contact_correct(
                contact=contact,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact corrigé.")
            return redirect(action)
    return _session_again(request, action, corrections={contact.pk: form})


@require_POST
def action_close(request, pk):
    action = _action_for_log(request, pk)
    try:
        services.outreach_action_close(action=action, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(action)


# --- Referrals: filing and following one's own ---------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_new(request):
    require(request.user, Action.REFERRAL_FILE)
    form = ReferralForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_file(
                by=request.user,
                residence=data["residence"],
                first_name=data["first_name"],
                housing_unit=data["housing_unit"],
                reason=data["reason"],
                how_to_reach=data["how_to_reach"],
                source=data["source"],
                token=data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Signalement envoyé à la chargée d'insertion.")
            return redirect("outreach:referrals_mine")
    return render(request, "outreach/referral_form.html", {"form": form})


@require_GET
def referrals_mine(request):
    require(request.user, Action.REFERRAL_FILE)
    referrals = Referral.objects.filed_by(request.user).select_related("residence")[:200]
    return render(request, "outreach/referrals_mine.html", {"referrals": referrals})


# --- Referrals: the officers' inbox ---------------------------------------------------------


def _age(moment, today):
    days = (today - timezone.localdate(moment)).days
    if days <= 0:
        return "aujourd'hui"
    if days == 1:
        return "hier"
    return f"il y a {days} jours"


@require_GET
def referral_inbox(request):
    """New first, then taken, oldest first within each; the last closed ones below.
    Queries: the open referrals with their residence and resident (1), the closed (1)."""
    require(request.user, Action.REFERRAL_HANDLE)
    handled = Referral.objects.handled_by(request.user).select_related("residence", "resident")
    open_referrals = list(handled.exclude(status=ReferralStatus.CLOSED).inbox_order())
    closed = list(
        handled.filter(status=ReferralStatus.CLOSED).order_by("-closed_at", "-pk")[:CLOSED_SHOWN]
    )
    today = timezone.localdate()
    for referral in [*open_referrals, *closed]:
        referral.age = _age(referral.filed_at, today)
    context = {
        "open_referrals": open_referrals,
        "closed": closed,
        "outcomes": ReferralOutcome.choices,
    }
    return render(request, "outreach/inbox.html", context)


@require_POST
def referral_take(request, pk):
    """Take the referral. If the person may already have a file, the officer says which, or
    that she is someone new (the page of candidates, then this view again)."""
    referral = get_referral_for_user(request, pk)
    resident = None
    if chosen := request.POST.get("resident"):
        pk_chosen = int(chosen) if chosen.isascii() and chosen.isdigit() else None
        resident = (
            Resident.objects.visible_to(request.user, Action.OUTREACH_LOG)
            .filter(residence=referral.residence, pk=pk_chosen)
            .first()
        )
        if resident is None:
            messages.error(request, "Choisissez un résident de cette résidence.")
            return redirect("outreach:referrals")
    try:
        referral = services.referral_take(
            referral=referral,
            by=request.user,
            resident=resident,
            new_person=request.POST.get("new_person") == "1",
        )
    except services.ReferralMayBeKnown as known:
        # The page names residents of the residence: a read.
        access_log_request(
            request,
            action=AccessAction.READ,
            resident_ids=[candidate.pk for candidate in known.candidates],
        )
        return render(
            request,
            "outreach/referral_take.html",
            {"referral": referral, "candidates": known.candidates},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("outreach:referrals")
    messages.success(request, "Signalement pris en charge.")
    return redirect(referral.resident)


@require_POST
def referral_close(request, pk):
    referral = get_referral_for_user(request, pk)
    form = ReferralCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez l'issue du signalement.")
        return redirect("outreach:referrals")
    try:
        services.referral_close(
            referral=referral, by=request.user, outcome=form.cleaned_data["outcome"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Signalement clos.")
    return redirect("outreach:referrals")


# --- A residence's outreach history ---------------------------------------------------------

HISTORY_ACTIONS_SHOWN = 50


@require_GET
def residence_history(request, pk):
    """Over a period (by default the last three months). Queries: actions by kind (1), people
    met (2), the last actions (1), contacts by outcome (1), residents reached (1), referrals
    by source (1)."""
    residence = get_residence_for_user(request, pk, action=Action.OUTREACH_READ)
    form = PeriodForm(request.GET or None)
    first, last = form.period()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    actions = OutreachAction.objects.filter(residence=residence).in_period(start, end)
    contacts = Contact.objects.filter(residence=residence).in_period(start, end)
    referrals = Referral.objects.filter(residence=residence, filed_at__gte=start, filed_at__lt=end)
    context = {
        "residence": residence,
        "form": form,
        "first": first,
        "last": last,
        "by_kind": _counted(actions.by_kind(), ActionKind.choices),
        "people_met": actions.people_met(),
        "actions": list(actions.order_by("-started_at", "-pk")[:HISTORY_ACTIONS_SHOWN]),
        "by_outcome": _counted(contacts.by_outcome(), Outcome.choices),
        "reached": contacts.reached().count(),
        "by_source": _counted(referrals.by_source(), ReferralSource.choices),
    }
    return render(request, "outreach/residence_history.html", context)
