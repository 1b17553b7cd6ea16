"""The accompaniment screens: the caseload (a coach's own, a manager's whole team), one
accompaniment's page — where the person stands, her wishes and the barriers of her file, the
coach's contacts, the introductions and hires, the exit and the situation six months later —,
the wishes form and its history. Every object is reached through employment.access (404
outside the table's scope); every write goes through employment.services. The officer and the
housing manager read the page; only whom the table lets work on it sees its forms."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employers.enums import Schedule, Sector, Weekday
from employers.views.search import employers_matching
from o2r import access
from o2r.access import Action, Scope
from o2r.accounts.models import User
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from o2r.core.forms import add_service_errors
from o2r.display import readable
from o2r.reminders.models import Reminder, ReminderKind
from residents.access import can
from residents.enums import LANGUAGES
from residents.health import HealthView

from .. import services
from ..access import get_accompaniment_for_user, require
from ..enums import WITH_PERSON, Childcare, IntroductionStatus, Transport
from ..forms.accompaniment import ContactForm, ExitForm, PostExitForm, WishesForm, employer_label
from ..matching import rome_labels
from ..models import Accompaniment, CoachContact, FollowUp, Introduction, JobWishes

DETAIL = "employment/accompaniment.html"
# The closed accompaniments still waiting for the situation six months later, at most.
CLOSED_ROWS = 50
WISHES_HISTORY_ROWS = 100


# --- The caseload ---------------------------------------------------------------------------


def _initial_name(resident) -> str:
    """ "Awa K." — what a suspended accompaniment shows of the person."""
    initial = resident.last_name[:1].upper()
    return f"{resident.first_name} {initial}." if initial else resident.first_name


def _caseload_rows(accompaniments, today):
    """The open accompaniments with, in one query: whether the sharing consent stands, the
    latest contact with the person, the overdue follow-ups, the coach's next open reminder
    for the person and the next interview."""
    now = timezone.now()
    last_contact = (
        CoachContact.objects.filter(accompaniment=OuterRef("pk"), with_whom__in=WITH_PERSON)
        .order_by("-at")
        .values("at")[:1]
    )
    overdue = (
        FollowUp.objects.overdue(today)
        .filter(placement__accompaniment=OuterRef("pk"))
        .order_by()
        .values("placement__accompaniment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reminders = Reminder.objects.filter(
        assignee=OuterRef("coach"),
        resident=OuterRef("resident"),
        kind=ReminderKind.STAFF_TASK,
        done_at__isnull=True,
    ).order_by("due_at", "pk")
    interview = (
        Introduction.objects.filter(
            accompaniment=OuterRef("pk"),
            status=IntroductionStatus.INTERVIEW_SCHEDULED,
            interview_at__gte=now,
        )
        .order_by("interview_at")
        .values("interview_at")[:1]
    )
    return (
        accompaniments.open()
        .with_suspension(today)
        .select_related("resident", "residence", "coach")
        .annotate(
            last_contact_at=Subquery(last_contact),
            overdue_follow_ups=Coalesce(Subquery(overdue), 0, output_field=IntegerField()),
            next_reminder_title=Subquery(reminders.values("title")[:1]),
            next_reminder_at=Subquery(reminders.values("due_at")[:1]),
            next_interview_at=Subquery(interview),
        )
        # Overdue follow-ups first, then the longest without a contact (none: the longest).
        .order_by(
            "-overdue_follow_ups",
            F("last_contact_at").asc(nulls_first=True),
            "started_on",
            "pk",
        )
    )


def _with_display(row, today):
    row.suspended = row.is_suspended
    row.person = _initial_name(row.resident) if row.suspended else None
    row.days_since_contact = (
        (today - timezone.localtime(row.last_contact_at).date()).days
        if row.last_contact_at
        else None
    )
    reminder_first = row.next_reminder_at and (
        not row.next_interview_at or row.next_reminder_at <= row.next_interview_at
    )
    if reminder_first:
        row.next_step = (row.next_reminder_title, row.next_reminder_at)
    elif row.next_interview_at:
        row.next_step = ("Rencontre sur le lieu de travail", row.next_interview_at)
    else:
        row.next_step = None
    return row


@dataclass
class CoachLoad:
    coach: object
    load: int
    over: bool = field(init=False)

    def __post_init__(self):
        self.over = self.load > settings.O2R_CASELOAD_CEILING


def _team(user, loads):
    """The organisation's coaches (the active ones, and any other with accompaniments open)
    with their loads, by name. One query."""
    team = User.objects.filter(
        (access.users_with(Action.RESIDENT_ACCOMPANY) & Q(organisation=user.organisation_id))
        | Q(pk__in=list(loads))
    ).order_by("last_name", "first_name", "pk")
    return [CoachLoad(coach, loads.get(coach.pk, 0)) for coach in team]


def _chosen_coach(value, team):
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return next((member.coach for member in team if member.coach.pk == pk), None)


@require_GET
def caseload(request):
    """A coach's open accompaniments (suspended ones included, shown as such), or, for an
    employment manager, her organisation's, with each coach's load (?coach= narrows). Queries:
    session, user (+ organisation), (manager: the loads, the team), the rows (every column in
    one query), the closed ones waiting for the situation six months later. The same whatever
    the number of accompaniments."""
    user = request.user
    require(user, Action.CASELOAD_READ)
    today = timezone.localdate()
    ceiling = settings.O2R_CASELOAD_CEILING
    accompaniments = Accompaniment.objects.caseload_of(user)
    team = chosen = None
    if access.scope_of(user, Action.CASELOAD_READ) == Scope.OWN_ORGANISATION:
        team = _team(user, accompaniments.load_by_coach())
        chosen = _chosen_coach(request.GET.get("coach"), team)
        if chosen is not None:
            accompaniments = accompaniments.filter(coach=chosen)
    rows = [_with_display(row, today) for row in _caseload_rows(accompaniments, today)]
    closed = list(
        accompaniments.filter(ended_on__isnull=False, post_exit_situation="")
        .with_suspension(today)
        .select_related("resident", "coach")
        .order_by("ended_on", "pk")[:CLOSED_ROWS]
    )
    for row in closed:
        row.person = None if row.sharing_stands() else _initial_name(row.resident)
        row.situation_due_on = row.post_exit_due_on
    load = len(rows)
    context = {
        "rows": rows,
        "closed": closed,
        "load": load,
        "ceiling": ceiling,
        "over_ceiling": load > ceiling,
        "team": team,
        "chosen": chosen,
        "rights": access.rights_of(user),
    }
    return render(request, "employment/caseload.html", context)


# --- One accompaniment ----------------------------------------------------------------------


def _labels(values, choices):
    chosen = set(values or [])
    return [label for value, label in choices if value in chosen]


def _can_work(user, accompaniment) -> bool:
    """The forms show to whom the table lets work on it, while it is open and not suspended."""
    return (
        access.allows(user, Action.ACCOMPANIMENT_WORK)
        and accompaniment.is_open
        and not accompaniment.is_suspended
        and can(user, Action.ACCOMPANIMENT_WORK, accompaniment.resident)
    )


def _can_record_post_exit(user, accompaniment) -> bool:
    return (
        access.allows(user, Action.ACCOMPANIMENT_WORK)
        and not accompaniment.is_open
        and not accompaniment.post_exit_situation
        and timezone.localdate() >= accompaniment.post_exit_due_on
        and can(user, Action.ACCOMPANIMENT_WORK, accompaniment.resident)
    )


def _wishes_summary(wishes):
    if wishes is None:
        return None
    labels = rome_labels(wishes.wanted_rome)
    return {
        "wishes": wishes,
        "rome": [(code, labels.get(code, "")) for code in wishes.wanted_rome],
        "sectors": _labels(wishes.wanted_sectors, Sector.choices),
        "days": _labels(wishes.available_days, Weekday.choices),
        "schedules": _labels(wishes.schedules_ok, Schedule.choices),
        "transport": _labels(wishes.transport, Transport.choices),
        "languages": _labels(wishes.languages, LANGUAGES),
        "childcare": Childcare(wishes.childcare).label if wishes.childcare else "",
    }


def employer_box(user, form) -> dict:
    """What a form's company field shows (employment/_employer_search.html): the company chosen
    (in the search box too), or what was typed; beside a refused choice, the companies matching
    it (one query), to tick. No list of the territory's companies: none of this grows with
    them."""
    chosen = form.chosen_employer()
    searched = form.employer_searched()
    query = employer_label(chosen) if chosen else form.employer_query()
    return {
        "chosen": chosen,
        "chosen_id": chosen.pk if chosen else "",
        "query": query,
        "searched": searched,
        "found": employers_matching(user, query) if searched else None,
    }


def _detail_context(request, accompaniment, *, health=None, **forms):
    user = request.user
    resident = accompaniment.resident
    # Whether the sharing consent stands, read once for the page (status, forms, banner).
    accompaniment.sharing_stands_db = accompaniment.sharing_stands()
    if health is None:  # a refused exit form brings the one its view read
        health = HealthView.for_user(user, resident)
    works = _can_work(user, accompaniment)
    records_post_exit = _can_record_post_exit(user, accompaniment)
    contacts = list(accompaniment.contacts.select_related("by", "employer"))
    readable_ids = set(
        accompaniment.contacts.summary_readable_by(user).values_list("pk", flat=True)
    )
    for contact in contacts:
        contact.readable = contact.pk in readable_ids
    context = {
        "accompaniment": accompaniment,
        "resident": resident,
        "orientation": accompaniment.orientation,
        "exit_reason": health.exit_reason_label(accompaniment),
        "works": works,
        "wishes": _wishes_summary(JobWishes.objects.filter(resident=resident).first()),
        "barriers": health.barriers(resident.barriers.all()),
        "contacts": contacts,
        "introductions": list(accompaniment.introductions.select_related("opening__employer")),
        "placements": list(accompaniment.placements.select_related("employer")),
        "can_open_file": can(user, Action.RESIDENT_OPEN, resident),
        "can_edit_file": can(user, Action.RESIDENT_EDIT, resident),
        "rights": access.rights_of(user),
    }
    if works:
        contact_form = forms.get("contact_form") or ContactForm(user=user)
        context["contact_form"] = contact_form
        context["employer_box"] = employer_box(user, contact_form)
        context["exit_form"] = forms.get("exit_form") or ExitForm(health=health)
    if records_post_exit:
        context["post_exit_form"] = forms.get("post_exit_form") or PostExitForm()
    return context


@require_GET
def detail(request, pk):
    accompaniment = get_accompaniment_for_user(request, pk)
    return render(request, DETAIL, _detail_context(request, accompaniment))


def _work_on(request, pk):
    """The accompaniment for a write: 404 unless the table lets the user work on it."""
    return get_accompaniment_for_user(request, pk, action=Action.ACCOMPANIMENT_WORK)


def _refused(request, accompaniment, *, health=None, **forms):
    """A refused submission: the page again with the errors beside the fields, status 200,
    nothing written. Showing the page is a read: logged."""
    access_log_request(request, action=AccessAction.READ, resident_ids=[accompaniment.resident_id])
    context = _detail_context(request, accompaniment, health=health, **forms)
    return render(request, DETAIL, context)


def _closed_refusal(request, accompaniment):
    messages.error(
        request,
        "Cet accompagnement est terminé ou suspendu : il ne peut plus être modifié.",
    )
    return _refused(request, accompaniment)


@require_POST
def contact_add(request, pk):
    accompaniment = _work_on(request, pk)
    form = ContactForm(request.POST, user=request.user)
    if not _can_work(request.user, accompaniment):
        return _closed_refusal(request, accompaniment)
    if form.is_valid():
        try:
            services.coach_contact_add(
                accompaniment=accompaniment,
                by=request.user,
                token=form.cleaned_data["token"],
                **form.service_data(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact enregistré.")
            return redirect(accompaniment)
    return _refused(request, accompaniment, contact_form=form)


@require_POST
def close(request, pk):
    accompaniment = _work_on(request, pk)
    if not _can_work(request.user, accompaniment):
        return _closed_refusal(request, accompaniment)
    health = HealthView.for_user(request.user, accompaniment.resident)
    form = ExitForm(request.POST, health=health)
    if form.is_valid():
        try:
            services.accompaniment_close(
                accompaniment=accompaniment,
                by=request.user,
                exit_reason=form.cleaned_data["exit_reason"],
                notes=form.cleaned_data["notes"],
                ended_on=form.cleaned_data["ended_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Sortie enregistrée. Dans six mois, un rappel vous demandera la situation de "
                "la personne.",
            )
            return redirect(accompaniment)
    return _refused(request, accompaniment, health=health, exit_form=form)


@require_POST
def post_exit(request, pk):
    accompaniment = _work_on(request, pk)
    form = PostExitForm(request.POST)
    if not _can_record_post_exit(request.user, accompaniment):
        due_on = accompaniment.post_exit_due_on
        messages.error(
            request,
            "La situation après la sortie se relève une fois, 6 mois après la sortie"
            + (f" (à partir du {due_on:%d/%m/%Y})." if due_on else "."),
        )
        return _refused(request, accompaniment)
    if form.is_valid():
        try:
            services.accompaniment_record_post_exit(
                accompaniment=accompaniment,
                by=request.user,
                situation=form.cleaned_data["situation"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The coach's read access to the closed accompaniment ends with it.
            messages.success(request, "Situation enregistrée : l'accompagnement est clos.")
            return redirect("employment:caseload")
    return _refused(request, accompaniment, post_exit_form=form)


# --- Wishes and constraints -----------------------------------------------------------------


def _rome_chosen(codes):
    labels = rome_labels(codes)
    return [(code, labels.get(code, "")) for code in codes]


@require_http_methods(["GET", "POST"])
def wishes(request, pk):
    accompaniment = _work_on(request, pk)
    user = request.user
    if not _can_work(user, accompaniment):
        messages.error(request, "Cet accompagnement est terminé : ses souhaits ne changent plus.")
        return redirect(accompaniment)
    resident = accompaniment.resident
    current = JobWishes.objects.filter(resident=resident).first()
    form = WishesForm(request.POST if request.method == "POST" else None, wishes=current)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.wishes_save(accompaniment=accompaniment, by=user, data=form.service_data())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Souhaits et contraintes enregistrés.")
                return redirect(accompaniment)
        access_log_request(request, action=AccessAction.READ, resident_ids=[resident.pk])
    if form.is_bound and "wanted_rome" in form.cleaned_data:
        codes = form.cleaned_data["wanted_rome"]
    else:
        codes = current.wanted_rome if current else []
    context = {
        "accompaniment": accompaniment,
        "resident": resident,
        "form": form,
        "rome_chosen": _rome_chosen(codes),
        "can_edit_file": can(user, Action.RESIDENT_EDIT, resident),
        "typeahead": access.allows(user, Action.OPENING_EDIT),
    }
    return render(request, "employment/wishes.html", context)


@dataclass
class WishesChange:
    label: str
    before: str
    after: str


@dataclass
class WishesVersion:
    at: datetime.datetime
    by: object
    changes: list


def _shown(model_field, value) -> str:
    if isinstance(model_field, ArrayField):
        choices = dict(model_field.base_field.flatchoices)
        return ", ".join(str(choices.get(item, item)) for item in value or [])
    return readable(model_field, value)


WISHES_HIDDEN = {"id", "resident", "updated_by", "updated_at"}


@require_GET
def wishes_history(request, pk):
    """Every version the history triggers kept: when, who, what changed. Read-only."""
    accompaniment = get_accompaniment_for_user(request, pk)
    event_model = JobWishes.pgh_event_models["insert"]
    copied = {f.name for f in event_model._meta.concrete_fields}
    fields = [
        f
        for f in JobWishes._meta.concrete_fields
        if f.name not in WISHES_HIDDEN and f.name in copied
    ]
    events = list(
        event_model.objects.filter(resident_id=accompaniment.resident_id)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    versions, previous = [], None
    for event in events:
        changes = []
        for f in fields:
            after = _shown(f, getattr(event, f.attname))
            before = _shown(f, getattr(previous, f.attname)) if previous is not None else ""
            if event.pgh_label == "delete":
                changes.append(WishesChange(f.verbose_name, after, ""))
            elif before != after:
                changes.append(WishesChange(f.verbose_name, before, after))
        previous = event
        if changes:
            context = event.pgh_context
            user_id = (context.metadata or {}).get("user") if context else None
            versions.append(WishesVersion(event.pgh_created_at, user_id, changes))
    versions = versions[::-1][:WISHES_HISTORY_ROWS]
    people = User.objects.in_bulk({v.by for v in versions if v.by})
    for version in versions:
        version.by = people.get(version.by)
    context = {
        "accompaniment": accompaniment,
        "resident": accompaniment.resident,
        "versions": versions,
    }
    return render(request, "employment/wishes_history.html", context)
