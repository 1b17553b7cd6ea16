"""The task settings that make failures harmless (README, "Operations"): every task has time
limits below the visibility timeout, and the tasks set aside after too many deliveries are
shown to an administrator, who sends them again or drops them."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from o2r.celery import app
from o2r.core import checks, services
from o2r.core.models import TaskAttempt
from o2r.core.reliable_task import ReliableTask
from o2r.core.tasks import record_beat_tick

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


def test_an_administrator_sends_a_set_aside_task_again(
    client, administrator, django_capture_on_commit_callbacks
):
    attempt = _attempt(arguments=[7])
    client.force_login(administrator)
    with (
        mock.patch.object(record_beat_tick, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("worker_check"), {"task": attempt.pk, "action": "retry"}, follow=True
        )
    publish.assert_called_once_with([7])
    assert not TaskAttempt.objects.exists()
    assert "est renvoyée au worker" in response.content.decode()


def test_an_administrator_drops_a_set_aside_task(client, administrator):
    attempt = _attempt()
    client.force_login(administrator)
    with mock.patch.object(record_beat_tick, "apply_async") as publish:
        client.post(reverse("worker_check"), {"task": attempt.pk, "action": "discard"})
    publish.assert_not_called()
    assert not TaskAttempt.objects.exists()


def test_a_running_task_cannot_be_dropped_from_the_page(client, administrator):
    attempt = _attempt(set_aside=False)
    client.force_login(administrator)
    with mock.patch("o2r.core.services.worker_ping_request") as ping:
        client.post(reverse("worker_check"), {"task": attempt.pk, "action": "discard"})
    assert TaskAttempt.objects.filter(pk=attempt.pk).exists()
    ping.assert_called_once()  # the form's default: a worker test


def test_stale_counters_are_purged_but_set_aside_tasks_stay():
    stale = _attempt(set_aside=False, age=30)
    recent = _attempt(set_aside=False, age=1)
    aside = _attempt(set_aside=True, age=30)
    assert services.task_attempts_purge() == 1
    assert set(TaskAttempt.objects.values_list("pk", flat=True)) == {recent.pk, aside.pk}
    assert not TaskAttempt.objects.filter(pk=stale.pk).exists()
