"""The task settings that make failures harmless (README, "Operations"): every task has time
limits below the visibility timeout, and the tasks set aside after too many deliveries are
shown to an administrator, who sends them again or drops them."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from o2r.celery import app
from o2r.core import checks, services
from o2r.core.models import TaskAttempt
from o2r.core.reliable_task import ReliableTask

pytestmark = pytest.mark.django_db


def _attempt(name="o2r.core.tasks.record_beat_tick", *, set_aside=True, age=0, **fields):
    at = timezone.now() - datetime.timedelta(hours=age)
    return TaskAttempt.objects.create(
        task_id=fields.pop("task_id", f"id-{name}-{age}-{set_aside}"),
        name=name,
        arguments=fields.pop("arguments", []),
        attempts=4,
        first_at=at,
        last_at=at,
        set_aside_at=at if set_aside else None,
        **fields,
    )


def test_every_task_is_reliable_with_limits_under_the_visibility_timeout(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert checks.task_limits() == []
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 15
    for task in ours:
        assert isinstance(task, ReliableTask), task.name
        assert task.acks_late and task.reject_on_worker_lost, task.name
        assert 0 < task.soft_time_limit < task.time_limit < settings.CELERY_VISIBILITY_TIMEOUT


def test_a_task_without_its_own_limits_is_refused(settings):
    @app.task(name="o2r.core.tasks.without_limits")
    def without_limits():
        pass

    try:
        errors = checks.task_limits()
    finally:
        app.tasks.unregister("o2r.core.tasks.without_limits")
    assert [(e.id, "without_limits" in e.msg) for e in errors] == [("o2r.E101", True)]


def test_a_visibility_timeout_shorter_than_a_task_is_refused_at_start(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_VISIBILITY_TIMEOUT = 600
    (error,) = checks.task_limits()
    assert error.id == "o2r.E103"
    assert "900 s" in error.msg  # the reminders' digest, the longest


def test_the_worker_page_lists_the_tasks_set_aside(client, administrator):
    _attempt(arguments=[42])
    _attempt("o2r.sms.tasks.dispatch_pending", set_aside=False)  # running: not listed
    client.force_login(administrator)
    page = client.get(reverse("worker_check")).content.decode()
    assert "Tâches mises de côté" in page
    assert 'data-task="o2r.core.tasks.record_beat_tick"' in page
    assert "[42]" in page
    assert "o2r.sms.tasks.dispatch_pending" not in page


def test_an_administrator_sends_a_set_aside_task_again(client, administrator):
    attempt = _attempt("o2r.sms.tasks.send_sms", arguments=["b6f1"])
    client.force_login(administrator)
    with mock.patch.object(app, "send_task") as publish:
        response = client.post(
            reverse("worker_check"), {"task": attempt.pk, "action": "retry"}, follow=True
        )
        again = client.post(
            reverse("worker_check"), {"task": attempt.pk, "action": "retry"}, follow=True
        )
    publish.assert_called_once_with("o2r.sms.tasks.send_sms", ["b6f1"])  # a second click: no
    assert not TaskAttempt.objects.exists()
    assert "est renvoyée au worker" in response.content.decode()
    assert "déjà été traitée" in again.content.decode()


def test_a_retry_while_redis_is_down_keeps_the_task_listed(client, administrator):
    attempt = _attempt()
    client.force_login(administrator)
    with mock.patch.object(app, "send_task", side_effect=OperationalError("refused")):
        response = client.post(
            reverse("worker_check"), {"task": attempt.pk, "action": "retry"}, follow=True
        )
    assert response.status_code == 200
    assert "injoignable" in response.content.decode()
    assert TaskAttempt.objects.filter(pk=attempt.pk).exists()


def test_an_administrator_drops_a_set_aside_task(client, administrator):
    attempt = _attempt()
    client.force_login(administrator)
    with mock.patch.object(app, "send_task") as publish:
        client.post(reverse("worker_check"), {"task": attempt.pk, "action": "discard"})
    publish.assert_not_called()
    assert not TaskAttempt.objects.exists()


@pytest.mark.parametrize("task", ["abc", "", "99999999"])
def test_a_task_action_on_nothing_is_neither_an_error_nor_a_worker_test(
    client, administrator, task
):
    running = _attempt(set_aside=False)
    client.force_login(administrator)
    with mock.patch("o2r.core.services.worker_ping_request") as ping:
        for value in (task, str(running.pk)):
            response = client.post(
                reverse("worker_check"), {"task": value, "action": "discard"}, follow=True
            )
            assert response.status_code in {200, 404}
    ping.assert_not_called()
    assert TaskAttempt.objects.filter(pk=running.pk).exists()  # running: not dropped


def test_stale_counters_are_purged_but_set_aside_tasks_stay():
    stale = _attempt(set_aside=False, age=30)
    recent = _attempt(set_aside=False, age=1)
    aside = _attempt(set_aside=True, age=30)
    assert services.task_attempts_purge() == 1
    assert set(TaskAttempt.objects.values_list("pk", flat=True)) == {recent.pk, aside.pk}
    assert not TaskAttempt.objects.filter(pk=stale.pk).exists()
