from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from o2r.access import Action
from residents.access import require
from residents.models import Resident

from .models import Reminder
from .services import (
    SNOOZE_CHOICES,
    digest_choose,
    end_of_today,
    reminder_done,
    reminder_snooze,
)


def _sections(user):
    now = timezone.localtime()
    start_of_today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start_of_tomorrow = start_of_today + timezone.timedelta(days=1)
    reminders = list(Reminder.objects.for_assignee(user).open().select_related("employer")[:500])
    # The resident's name only while the assignee may still open the file (a consent may have
    # been withdrawn since the reminder was created).
    visible = {
        resident.pk: resident
        for resident in Resident.objects.visible_to(user).filter(
            pk__in={r.resident_id for r in reminders if r.resident_id}
        )
    }
    for reminder in reminders:
        reminder.visible_resident = visible.get(reminder.resident_id)
    return [
        ("overdue", "En retard", [r for r in reminders if r.due_at < start_of_today]),
        (
            "today",
            "Aujourd'hui",
            [r for r in reminders if start_of_today <= r.due_at < start_of_tomorrow],
        ),
        ("upcoming", "À venir", [r for r in reminders if r.due_at >= start_of_tomorrow]),
    ]


@require_GET
def my_reminders(request):
    require(request.user, Action.REMINDERS_OWN)
    context = {"sections": _sections(request.user), "snooze_choices": SNOOZE_CHOICES}
    return render(request, "reminders/mine.html", context)


@require_GET
def badge(request):
    """The navigation's badge: open reminders overdue or due today (loaded by htmx after the
    page, so that no page pays its query)."""
    require(request.user, Action.REMINDERS_OWN)
    count = Reminder.objects.for_assignee(request.user).open().due_by(end_of_today()).count()
    return render(request, "reminders/_badge.html", {"count": count})


@require_POST
def snooze(request, pk):
    require(request.user, Action.REMINDERS_OWN)
    reminder = get_object_or_404(Reminder.objects.for_assignee(request.user).open(), pk=pk)
    choice = request.POST.get("until", "")
    if choice not in SNOOZE_CHOICES:
        messages.error(request, "Choisissez à quand reporter le rappel.")
        return redirect("reminders:mine")
    reminder_snooze(reminder=reminder, by=request.user, choice=choice)
    messages.success(
        request, f"Rappel reporté au {timezone.localtime(reminder.due_at):%d/%m/%Y à %Hh%M}."
    )
    return redirect("reminders:mine")


@require_POST
def digest(request):
    """Turns the morning e-mail on or off for oneself."""
    require(request.user, Action.REMINDERS_OWN)
    wanted = request.POST.get("digest") == "on"
    digest_choose(user=request.user, wanted=wanted)
    messages.success(
        request,
        "Vous recevrez chaque matin le récapitulatif de vos rappels."
        if wanted
        else "Vous ne recevrez plus le récapitulatif du matin.",
    )
    return redirect("reminders:mine")


@require_POST
def mark_done(request, pk):
    # Only the assignee's own reminders exist for this view: anyone else gets 404.
    require(request.user, Action.REMINDERS_OWN)
    reminder = get_object_or_404(Reminder.objects.for_assignee(request.user), pk=pk)
    reminder_done(reminder=reminder, by=request.user)
    if request.htmx:
        return render(request, "reminders/mine.html#done_row", {"reminder": reminder})
    return redirect("reminders:mine")
