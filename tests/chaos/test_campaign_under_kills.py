"""A 1,000-message campaign while workers are killed every few seconds (a child mid-batch, or
the whole worker, replaced): every message is sent exactly once or marked "unknown" for a
person to check — never twice, never lost (SMS_AND_TASKS.md §7; 10,000 in `make bench`).

This proves the outbox (claims, the dispatcher's re-queueing, the reconciler); the redelivery
of a killed worker's task itself is proved in test_workers.py."""

import os
import random
import signal
import time
from collections import Counter

import pytest

from o2r.sms.enums import SmsStatus
from tests.chaos.campaign import launch, provider_ids, recipients
from tests.chaos.conftest import publishing_to

pytestmark = [pytest.mark.chaos, pytest.mark.process, pytest.mark.django_db(transaction=True)]

COUNT = 1000
KILL_EVERY = 2.0
# Slow enough (per child) that the kills land in the middle of the sending.
RATE = "30"


def test_a_campaign_survives_workers_killed_every_few_seconds(
    officer, nantes_residences, redis_server, workers, beat, tmp_path, settings
):
    settings.SMS_QUIET_HOURS = False
    recipients(nantes_residences[0], COUNT)
    outbox = tmp_path / "outbox.jsonl"
    env = {"SMS_BACKEND": "file", "SMS_FILE_PATH": outbox, "SMS_RATE_PER_SECOND": RATE}
    worker = workers("sms", queues="sms", concurrency=2, **env)
    beat()
    with publishing_to(redis_server.url):
        messages = launch(officer, nantes_residences[0])
    to_go = messages.filter(status__in=[SmsStatus.PENDING, SmsStatus.QUEUED, SmsStatus.SENDING])
    chance = random.Random(12)
    kills = Counter()
    deadline = time.monotonic() + 300  # only a guard against a hang
    while to_go.exists():
        assert time.monotonic() < deadline, f"{to_go.count()} left; kills {dict(kills)}"
        time.sleep(KILL_EVERY)
        children = worker.children()
        if kills["child"] + kills["worker"] < 12 and children and chance.random() < 0.75:
            os.kill(chance.choice(children), signal.SIGKILL)
            kills["child"] += 1
        elif kills["worker"] < 3:
            worker.kill()
            kills["worker"] += 1
            worker = workers("sms", queues="sms", concurrency=2, **env)

    received = Counter(provider_ids(outbox))
    statuses = Counter(messages.values_list("status", flat=True))
    sent = {str(pk) for pk in messages.filter(status=SmsStatus.SENT).values_list("pk", flat=True)}
    unknown = {
        str(pk) for pk in messages.filter(status=SmsStatus.UNKNOWN).values_list("pk", flat=True)
    }
    assert kills["child"] >= 3 and kills["worker"] >= 1, kills
    assert [pk for pk, n in received.items() if n > 1] == []  # never twice
    assert set(statuses) <= {SmsStatus.SENT, SmsStatus.UNKNOWN}, statuses
    assert sent <= set(received)  # "sent" means the provider has it
    assert len(sent) + len(unknown) == COUNT  # none lost
    assert set(received) - sent <= unknown  # received but not recorded: said "unknown"
    print(f"\n{COUNT} messages, kills {dict(kills)}: {dict(statuses)}")
