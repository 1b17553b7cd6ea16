"""Redis restarts without persistence and loses every task it held: what was queued is
rebuilt from PostgreSQL by beat's scans — nothing lost, nothing sent twice, nobody acts
(README, "Operations")."""

from collections import Counter

import pytest

from o2r.sms import services as sms
from o2r.sms.enums import SmsStatus
from tests.chaos.campaign import launch, provider_ids, recipients
from tests.chaos.conftest import lines, publishing_to, send
from tests.utils import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.process, pytest.mark.django_db(transaction=True)]

COUNT = 60


def test_tasks_lost_with_redis_are_rebuilt_from_the_outbox(
    officer, nantes_residences, redis_server, workers, beat, tmp_path, settings
):
    settings.SMS_QUIET_HOURS = False
    recipients(nantes_residences[0], COUNT)
    outbox, canary = tmp_path / "outbox.jsonl", tmp_path / "canary"
    # Running through the restart: beat, and a worker of the other queue.
    beat()
    other = workers("other", queues="default")
    with publishing_to(redis_server.url):
        messages = launch(officer, nantes_residences[0])  # the launch nudges the dispatcher
        assert sms.sms_dispatch() == COUNT  # the tasks that send them are in Redis
    held = redis_server.client().llen("sms")
    assert held > 0
    assert set(messages.values_list("status", flat=True)) == {SmsStatus.QUEUED}

    redis_server.kill()  # kill -9: no persistence, every task is gone
    redis_server.start()
    assert redis_server.client().llen("sms") == 0

    # Nobody restarts anything: the worker reconnects and takes new tasks...
    send(redis_server.url, "tests.chaos.tasks.work", str(canary), 0)
    wait_for(lambda: lines(canary), worker=other.process, log_path=other.log_path)
    # ...and beat's dispatcher finds the rows queued too long and queues them again.
    worker = workers("after", queues="sms", SMS_BACKEND="file", SMS_FILE_PATH=outbox)
    wait_for(
        lambda: not messages.exclude(status=SmsStatus.SENT).exists(),
        worker=worker.process,
        log_path=worker.log_path,
    )

    received = Counter(provider_ids(outbox))
    assert len(received) == COUNT
    assert max(received.values()) == 1
    assert set(received) == {str(pk) for pk in messages.values_list("pk", flat=True)}
