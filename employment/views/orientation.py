"""The orientation screens: the insertion officer orients a person from her file; the
employment organisation sees the orientations waiting for it (its inbox) and each one's
summary — name, residence, why, consents, who oriented, never the file — and answers: a coach
accepts for herself, her manager assigns a coach, or either declines with a reason. Every
object is reached through the access helpers (404 outside the table's scope); every write
goes through employment.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2r import access
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from o2r.core.forms import add_service_errors
from residents.access import get_resident_for_user
from residents.enums import ConsentScope, Stage
from residents.models import Consent

from .. import services
from ..access import get_orientation_summary_for_user, require
from ..enums import OrientationStatus
from ..forms.orientation import AcceptForm, DeclineForm, OrientForm
from ..models import Accompaniment, Orientation

INBOX_ROWS = 200


# --- Orienting a person (the insertion officer, from the file) ------------------------------


def _orient_blocker(resident) -> str:
    """Why the person cannot be oriented now, or "" (the service decides; the page says it
    before the form is filled)."""
    if resident.stage != Stage.ENGAGED:
        return (
            "Seule une personne remobilisée (accord d'accompagnement recueilli) peut être "
            "orientée vers l'emploi."
        )
    if Accompaniment.objects.filter(resident=resident, ended_on__isnull=True).exists():
        return "Cette personne est déjà accompagnée vers l'emploi."
    if Orientation.objects.filter(resident=resident).pending().exists():
        return "Une orientation de cette personne attend déjà une réponse."
    return ""


@require_http_methods(["GET", "POST"])
def orient(request, resident_pk):
    resident = get_resident_for_user(request, resident_pk, action=Action.RESIDENT_ORIENT)
    form = OrientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            try:
                services.orientation_create(
                    resident=resident,
                    organisation=organisation,
                    coach=form.cleaned_data.get("coach"),
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    token=form.cleaned_data["token"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{resident.first_name} {resident.last_name} est orientée vers "
                    f"{organisation} : la structure va répondre.",
                )
                return redirect(resident)
        # The page shows the person's name and consents again: a read.
        access_log_request(request, action=AccessAction.READ, resident=resident)
    sharing = [
        consent
        for consent in Consent.objects.filter(
            resident=resident, scope=ConsentScope.SHARING
        ).select_related("recipient_organisation")
        if consent.is_standing
    ]
    context = {
        "resident": resident,
        "form": form,
        "sharing": sharing,
        "blocker": "" if form.is_bound else _orient_blocker(resident),
    }
    return render(request, "employment/orient.html", context)


# --- The organisation's inbox and one orientation's summary ---------------------------------


@require_GET
def inbox(request):
    """The orientations waiting for the user's organisation, newest first. Queries: session,
    user (+ organisation), the orientations (with the person, her residence, who oriented and
    the named coach)."""
    user = request.user
    require(user, Action.ORIENTATION_READ)
    orientations = list(
        Orientation.objects.received_by(user)
        .select_related("resident__residence", "coach", "oriented_by")
        .order_by("-oriented_at", "-pk")[:INBOX_ROWS]
    )
    context = {"orientations": orientations, "rights": access.rights_of(user)}
    return render(request, "employment/inbox.html", context)


def _summary_page(request, orientation, *, accept_form=None, decline_form=None, status=200):
    user = request.user
    answers = access.allows(user, Action.ORIENTATION_ANSWER)
    consents = Consent.objects.filter(resident=orientation.resident_id).select_related(
        "recipient_organisation"
    )
    context = {
        "orientation": orientation,
        "resident": orientation.resident,
        "consents": list(consents),
        "answers": answers,
        "accept_form": accept_form
        or (AcceptForm(user=user, orientation=orientation) if answers else None),
        "decline_form": decline_form or (DeclineForm() if answers else None),
        "for_someone_else": bool(
            orientation.coach_id
            and orientation.coach_id != user.pk
            and not access.allows(user, Action.ORIENTATION_ASSIGN)
        ),
    }
    return render(request, "employment/orientation.html", context, status=status)


@require_GET
def summary(request, pk):
    """The summary only: ORIENTATION_READ is not RESIDENT_OPEN (the file opens once the
    orientation is accepted)."""
    orientation = get_orientation_summary_for_user(request, pk)
    return _summary_page(request, orientation)


def _answered_already(request, pk, status):
    """A second click after the answer: the orientation left the inbox. The user who answered
    is sent where the first click led; anybody else gets the 404 of an unknown id."""
    require(request.user, Action.ORIENTATION_ANSWER)
    try:
        orientation = Orientation.objects.get(pk=pk, status=status, answered_by=request.user)
    except (Orientation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if status == OrientationStatus.ACCEPTED:
        accompaniment = (
            Accompaniment.objects.visible_to(request.user).filter(orientation=orientation).first()
        )
        if accompaniment is not None:
            return redirect(accompaniment)
    messages.info(request, "Cette orientation a déjà reçu votre réponse.")
    return redirect("employment:orientations")


@require_POST
def accept(request, pk):
    user = request.user
    try:
        orientation = get_orientation_summary_for_user(
            request, pk, action=Action.ORIENTATION_ANSWER
        )
    except Http404:
        return _answered_already(request, pk, OrientationStatus.ACCEPTED)
    form = AcceptForm(request.POST, user=user, orientation=orientation)
    if form.is_valid():
        coach = form.cleaned_data.get("coach") or user
        try:
            accompaniment = services.orientation_accept(
                orientation=orientation, by=user, coach=coach
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            name = f"{orientation.resident.first_name} {orientation.resident.last_name}"
            if accompaniment.coach_id == user.pk:
                messages.success(request, f"Vous accompagnez désormais {name}.")
                return redirect(accompaniment)
            messages.success(
                request, f"L'accompagnement de {name} est confié à {coach.get_full_name()}."
            )
            return redirect("employment:orientations")
    access_log_request(request, action=AccessAction.READ, resident_ids=[orientation.resident_id])
    return _summary_page(request, orientation, accept_form=form)


@require_POST
def decline(request, pk):
    try:
        orientation = get_orientation_summary_for_user(
            request, pk, action=Action.ORIENTATION_ANSWER
        )
    except Http404:
        return _answered_already(request, pk, OrientationStatus.DECLINED)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.orientation_decline(
                orientation=orientation, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Orientation refusée : la chargée d'insertion voit votre motif."
            )
            return redirect("employment:orientations")
    access_log_request(request, action=AccessAction.READ, resident_ids=[orientation.resident_id])
    return _summary_page(request, orientation, decline_form=form)
