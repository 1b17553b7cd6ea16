from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from o2r.access import Action
from residents.access import require
from residents.models import Resident

from .models import Reminder
from .services import reminder_done


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
    return render(request, "reminders/mine.html", {"sections": _sections(request.user)})


@require_POST
def mark_done(request, pk):
    # Only the assignee's own reminders exist for this view: anyone else gets 404.
    require(request.user, Action.REMINDERS_OWN)
    reminder = get_object_or_404(Reminder.objects.for_assignee(request.user), pk=pk)
    reminder_done(reminder=reminder, by=request.user)
    if request.htmx:
        return render(request, "reminders/mine.html#done_row", {"reminder": reminder})
    return redirect("reminders:mine")
