import pytest
from django.urls import reverse
from django.utils import timezone

from o2r.core import tasks
from o2r.core.models import TaskAttempt, WorkerPing


def test_administrator_button_enqueues_after_commit_and_task_marks_done(
    client, administrator, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.answer_worker_ping, "delay", lambda ping_id: sent.append(ping_id))
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("worker_check"))
    assert response.status_code == 302
    ping = WorkerPing.objects.get()
    assert len(callbacks) == 1
    assert sent == [ping.pk]
    page = client.get(reverse("worker_check")).content.decode()
    assert "En attente du worker" in page
    assert 'hx-trigger="every 2s"' in page

    tasks.answer_worker_ping.run(ping.pk)  # the task body, as the worker runs it
    ping.refresh_from_db()
    assert ping.done_at is not None
    page = client.get(reverse("worker_check")).content.decode()
    assert "Traité le" in page
    assert 'hx-trigger="every 2s"' not in page


def test_a_redelivered_ping_changes_nothing(administrator):
    from o2r.core.services import worker_ping_answer

    ping = WorkerPing.objects.create(requested_by=administrator)
    assert worker_ping_answer(ping_id=ping.pk, worker="w1") is True
    first = WorkerPing.objects.get(pk=ping.pk)
    assert worker_ping_answer(ping_id=ping.pk, worker="w2") is False
    again = WorkerPing.objects.get(pk=ping.pk)
    assert (again.done_at, again.worker) == (first.done_at, "w1")


@pytest.mark.parametrize("member", ["officer", "staff", "coach", "adoma_manager", "outsider"])
def test_other_roles_cannot_press_the_button(client, cast, member):
    client.force_login(cast[member])
    assert client.post(reverse("worker_check")).status_code == 404
    assert client.get(reverse("worker_check")).status_code == 404
    assert not WorkerPing.objects.exists()


def test_beat_tick_records_a_heartbeat(db):
    from o2r.core.models import Heartbeat

    tasks.record_beat_tick.run()
    tasks.record_beat_tick.run()
    assert Heartbeat.objects.filter(name="beat").count() == 1


def test_worker_page_query_budget(client, administrator, django_assert_num_queries):
    now = timezone.now()
    for n in range(15):
        WorkerPing.objects.create(requested_by=administrator)
        TaskAttempt.objects.create(
            task_id=f"t{n}",
            name="o2r.sms.tasks.dispatch_pending",
            first_at=now,
            last_at=now,
            set_aside_at=now,
        )
    client.force_login(administrator)
    # session, user, pings with their requester (one join), beat heartbeat, tasks set aside
    with django_assert_num_queries(5):
        assert client.get(reverse("worker_check")).status_code == 200
