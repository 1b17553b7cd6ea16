from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from kombu.exceptions import OperationalError

from o2r import access
from o2r.access import Action, Profile
from o2r.reminders.models import Reminder
from o2r.reminders.services import end_of_today
from o2r.sms.enums import InboxStatus
from o2r.sms.models import InboxMessage
from outreach.forms import ActionStartForm
from outreach.models import OutreachAction
from residents.models import Residence

from . import services
from .health import run_checks
from .models import Heartbeat, TaskAttempt, WorkerPing

HOME_TEMPLATES = {
    Profile.INSERTION_OFFICER: "core/home/insertion_officer.html",
    Profile.RESIDENCE_STAFF: "core/home/residence_staff.html",
    Profile.JOB_COACH: "core/home/job_coach.html",
    Profile.HOUSING_MANAGER: "core/home/manager.html",
    Profile.EMPLOYMENT_MANAGER: "core/home/manager.html",
    Profile.ADMINISTRATOR: "core/home/administrator.html",
}


@require_GET
def home(request):
    user = request.user
    context = {
        "residences": Residence.objects.for_user(user).active().order_by("name"),
        "rights": access.rights_of(user),
    }
    if access.allows(user, Action.OUTREACH_LOG):
        context["start_form"] = ActionStartForm(user=user)
        context["open_actions"] = list(
            OutreachAction.objects.visible_to(user, Action.OUTREACH_LOG)
            .filter(created_by=user, ended_at__isnull=True)
            .select_related("residence")[:3]
        )
    if access.allows(user, Action.SMS_INBOX):
        context["replies_waiting"] = (
            InboxMessage.objects.visible_to(user).filter(status=InboxStatus.TO_MATCH).count()
        )
    if access.allows(user, Action.WORKER_CHECK):
        context.update(worker_status_context())
    if access.allows(user, Action.REMINDERS_OWN):
        context["reminders_due"] = (
            Reminder.objects.for_assignee(user).open().due_by(end_of_today()).count()
        )
    template = HOME_TEMPLATES.get(access.profile_of(user), "core/home/default.html")
    return render(request, template, context)


def worker_status_context():
    return {
        "last_ping": WorkerPing.objects.select_related("requested_by").first(),
        "beat": Heartbeat.objects.filter(name="beat").first(),
    }


@login_not_required
@require_GET
def favicon(request):
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_not_required
@never_cache
@require_GET
def healthz(request):
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


@require_http_methods(["GET", "POST"])
def worker_check(request):
    if not access.allows(request.user, Action.WORKER_CHECK):
        raise Http404
    if request.method == "POST" and "task" in request.POST:
        return set_aside_task_action(request)
    if request.method == "POST":
        services.worker_ping_request(by=request.user)
        if not request.htmx:
            return redirect("worker_check")
    pings = list(WorkerPing.objects.select_related("requested_by")[:10])
    context = {
        "pings": pings,
        "polling": any(ping.done_at is None for ping in pings),
        "beat": Heartbeat.objects.filter(name="beat").first(),
        "set_aside": TaskAttempt.objects.filter(set_aside_at__isnull=False)[:50],
        "max_attempts": settings.O2R_TASK_MAX_ATTEMPTS,
    }
    template = "core/worker_check.html"
    if request.htmx:
        template += "#pings"
    return render(request, template, context)


def set_aside_task_action(request):
    """ "Relancer" or "Abandonner" on a task set aside (the worker page's own form)."""
    task_id = request.POST["task"]
    if not task_id.isdigit():
        raise Http404
    if request.POST.get("action") == "retry":
        try:
            attempt = services.task_attempt_retry(attempt_id=int(task_id), by=request.user)
        except OperationalError:  # kombu's: Redis does not answer
            messages.error(request, "Le worker est injoignable (Redis) : réessayez plus tard.")
            return redirect("worker_check")
        done = "est renvoyée au worker"
    else:
        attempt = services.task_attempt_discard(attempt_id=int(task_id), by=request.user)
        done = "est abandonnée"
    if attempt is None:
        messages.info(request, "Cette tâche a déjà été traitée.")
    else:
        messages.success(request, f"La tâche « {attempt.name} » {done}.")
    return redirect("worker_check")
