import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from o2r.reminders.models import Reminder
from o2r.reminders.services import reminder_upsert

NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC)


def _at(days, hour=9):
    day = timezone.localdate(NOW) + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_upsert_is_idempotent_and_moves_the_due_date(officer):
    first = reminder_upsert(dedup_key="k:1", assignee=officer, title="Appeler", due_at=_at(1))
    again = reminder_upsert(dedup_key="k:1", assignee=officer, title="Rappeler", due_at=_at(3))
    assert first.pk == again.pk
    assert Reminder.objects.count() == 1
    again.refresh_from_db()
    assert (again.title, again.due_at) == ("Rappeler", _at(3))


@time_machine.travel(NOW, tick=False)
def test_my_reminders_sorted_into_overdue_today_upcoming(client, officer, coach):
    reminder_upsert(dedup_key="a", assignee=officer, title="En retard", due_at=_at(-2))
    reminder_upsert(dedup_key="b", assignee=officer, title="Pour aujourd'hui", due_at=_at(0, 15))
    reminder_upsert(dedup_key="c", assignee=officer, title="Plus tard", due_at=_at(4))
    reminder_upsert(dedup_key="d", assignee=coach, title="Pas pour elle", due_at=_at(0))
    client.force_login(officer)
    sections = {
        key: [r.title for r in items]
        for key, _, items in client.get(reverse("reminders:mine")).context["sections"]
    }
    assert sections == {
        "overdue": ["En retard"],
        "today": ["Pour aujourd'hui"],
        "upcoming": ["Plus tard"],
    }


def test_done_in_one_tap_with_htmx(client, officer):
    reminder = reminder_upsert(dedup_key="x", assignee=officer, title="Appeler", due_at=_at(0))
    client.force_login(officer)
    response = client.post(
        reverse("reminders:done", args=[reminder.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "fait le" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    assert "Appeler" not in client.get(reverse("reminders:mine")).content.decode()


@pytest.mark.parametrize("member", ["coach", "staff", "adoma_manager", "outsider", "administrator"])
def test_someone_elses_reminder_is_404_and_stays_open(client, cast, member):
    reminder = reminder_upsert(dedup_key="y", assignee=cast["officer"], title="A", due_at=_at(0))
    client.force_login(cast[member])
    assert client.post(reverse("reminders:done", args=[reminder.pk])).status_code == 404
    reminder.refresh_from_db()
    assert reminder.done_at is None


def test_my_reminders_query_budget(client, officer, nantes_residences, django_assert_num_queries):
    from tests.residents.factories import ResidentFactory

    residents = [ResidentFactory(residence=nantes_residences[i % 6]) for i in range(10)]
    for i in range(30):
        reminder_upsert(
            dedup_key=f"q{i}", assignee=officer, title=f"R{i}", due_at=_at(i - 10),
            resident=residents[i % 10] if i % 3 else None,
        )  # fmt: skip
    client.force_login(officer)
    # session, user, open reminders, the residents among them the user may still see
    with django_assert_num_queries(4):
        assert client.get(reverse("reminders:mine")).status_code == 200
