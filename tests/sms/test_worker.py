"""The outbox with a real Celery worker process on Redis (SMS_AND_TASKS.md §7, G1 and G2): the
same task delivered three times sends one SMS; a worker killed (kill -9) after its claim leaves
the row `unknown` and nothing is sent twice, even when the task is delivered again."""

import json
import os
import signal
from unittest import mock

import pytest
from django.utils import timezone

from o2r.sms import services, tasks
from o2r.sms.backends import locmem
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from outreach import campaigns
from tests.residents.factories import ResidentFactory
from tests.utils import celery_worker, publish, wait_for

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def message(officer, nantes_residences, settings):
    """One message of a launched campaign, queued (its task is what the test publishes)."""
    settings.SMS_QUIET_HOURS = False
    ResidentFactory(first_name="Awa", residence=nantes_residences[0])
    campaign = campaigns.campaign_save(
        by=officer,
        name="Permanence",
        residences=[nantes_residences[0]],
        variants={"fra": "Bonjour {prenom}, permanence emploi jeudi au hall."},
    )
    with mock.patch.object(tasks.dispatch_pending, "delay"):  # the test publishes what it needs
        campaigns.campaign_launch(campaign=campaign, by=officer)
    row = SmsMessage.objects.get()
    SmsMessage.objects.filter(pk=row.pk).update(status=SmsStatus.QUEUED, queued_at=timezone.now())
    return row


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_two_workers_racing_on_the_same_task_send_once(message, tmp_path):
    """Six deliveries of one message (the dispatcher's batch, a sweep's, resends) shared by
    two worker processes on Redis: one SMS."""
    outbox = tmp_path / "outbox.jsonl"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    env = {"SMS_BACKEND": "file", "SMS_FILE_PATH": outbox, "SMS_QUIET_HOURS": "false"}
    with (
        celery_worker(logs[0], name="racer-a", **env) as first,
        celery_worker(logs[1], name="racer-b", **env) as second,
    ):
        for _ in range(3):
            publish(tasks.send_sms_many, [str(message.pk)])
            publish(tasks.send_sms, str(message.pk))

        def done():
            return sum(log.read_text().count("succeeded") for log in logs) >= 6

        wait_for(done, worker=first, log_path=logs[0])
        assert second.poll() is None, logs[1].read_text()[-3000:]

    assert [line["id"] for line in _lines(outbox)] == [str(message.pk)]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 1)
    assert message.provider_id == f"file-{message.pk}"


def test_a_worker_killed_after_its_claim_leaves_the_row_unknown_and_sends_nothing_twice(
    message, tmp_path
):
    outbox, log = tmp_path / "outbox.jsonl", tmp_path / "worker.log"
    with celery_worker(
        log,
        name="doomed",
        SMS_BACKEND="tests.sms.backends.HangingBackend",
        SMS_FILE_PATH=outbox,
        SMS_QUIET_HOURS="false",
    ) as worker:
        publish(tasks.send_sms, str(message.pk))
        # The provider has it; the worker waits for an answer that never comes.
        wait_for(lambda: len(_lines(outbox)) == 1, worker=worker, log_path=log)
        assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.SENDING
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    # Nothing resends it: not the dispatcher (it is not pending), not a redelivery of the task
    # (the claim fails), until the reconciler says "unknown" for a person to check.
    assert services.sms_dispatch() == 0
    assert services.sms_send(message_id=message.pk) == ""
    later = timezone.now() + timezone.timedelta(minutes=11)
    assert services.sms_reconcile(now=later) == 1
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.UNKNOWN
    with celery_worker(
        tmp_path / "second.log",
        name="second",
        SMS_BACKEND="file",
        SMS_FILE_PATH=outbox,
        SMS_QUIET_HOURS="false",
    ) as worker:
        publish(tasks.send_sms, str(message.pk))  # the killed worker's task, delivered again
        wait_for(
            lambda: "succeeded" in (tmp_path / "second.log").read_text(),
            worker=worker,
            log_path=tmp_path / "second.log",
        )
    services.sms_dispatch(now=later)

    assert len(_lines(outbox)) == 1
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.UNKNOWN
    assert locmem.calls == []
