"""The outbox's guarantees (../shared/SMS_AND_TASKS.md §7), on its services: one SMS per key
whatever the retries, only safe failures retried, send-time checks, quiet hours, the sweeper and
the reconciler. The real worker, the webhooks and the campaigns have their own files."""

import datetime
import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from o2r.sms import services, tasks
from o2r.sms.backends import SmsNotSent, SmsOutcomeUnknown, SmsRejected, locmem
from o2r.sms.enums import LegalBasis, OptOutScope, SkipReason, SmsStatus
from o2r.sms.models import SmsMessage, SmsOptOut
from residents import services as resident_services
from residents.enums import ConsentScope
from tests.residents.factories import ResidentFactory
from tests.sms import owner
from tests.sms.backends import BlockingBackend
from tests.sms.factories import SmsMessageFactory

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
# A Tuesday morning: SMS may go.
TUESDAY = datetime.datetime(2026, 12, 8, 11, 0, tzinfo=PARIS)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(TUESDAY, tick=False)
    return TUESDAY


@pytest.fixture
def published():
    """What the services hand to Celery, recorded instead of published (the real worker is in
    test_worker.py)."""
    sent, dispatched = [], []
    with (
        mock.patch.object(tasks.send_sms_many, "delay", side_effect=sent.extend),
        mock.patch.object(tasks.send_sms, "delay", side_effect=sent.append),
        mock.patch.object(
            tasks.dispatch_pending, "delay", side_effect=lambda: dispatched.append(1)
        ),
    ):
        yield sent


def _status(message):
    return SmsMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def _draft(resident, key, **fields):
    return services.Draft(
        resident_id=resident.pk,
        owner_id=1,
        to=resident.phone.as_e164,
        body="Bonjour",
        dedup_key=key,
        legal_basis=LegalBasis.OBJECTION,
        **fields,
    )


# --- G1: at most one SMS per key ------------------------------------------------------------------


def test_the_same_keys_twice_create_the_messages_once(now, published):
    residents = ResidentFactory.create_batch(3)
    drafts = [_draft(r, f"test:1:resident:{r.pk}") for r in residents]

    with transaction.atomic():
        services.sms_enqueue(owner_kind="test", drafts=drafts)
        services.sms_enqueue(owner_kind="test", drafts=drafts)

    assert SmsMessage.objects.count() == 3
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.PENDING}


def test_sending_one_row_twice_calls_the_provider_once(now, published):
    message = SmsMessageFactory(queued=True)

    first = services.sms_send(message_id=message.pk)
    second = services.sms_send(message_id=message.pk)

    assert (first, second) == (SmsStatus.SENT, "")
    assert [sms.id for sms in locmem.calls] == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 1)
    assert message.provider_id == f"locmem-{message.pk}"


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_racing_on_one_row_send_once(settings, time_machine):
    """Two deliveries of the task start together; the first to claim is held inside the
    provider call until the second has finished: the second found the row claimed and never
    called the provider."""
    time_machine.move_to(TUESDAY, tick=True)
    settings.SMS_BACKEND = "tests.sms.backends.BlockingBackend"
    BlockingBackend.entered.clear()
    BlockingBackend.release.clear()
    message = SmsMessageFactory(queued=True)
    start = threading.Barrier(2, timeout=10)
    results = {}

    def deliver(name):
        try:
            start.wait()
            results[name] = services.sms_send(message_id=message.pk)
        finally:
            connection.close()

    threads = {name: threading.Thread(target=deliver, args=(name,)) for name in ("a", "b")}
    for thread in threads.values():
        thread.start()
    assert BlockingBackend.entered.wait(timeout=20)
    # One is inside the provider call; the other finishes without calling it.
    finished = []
    for _ in range(200):
        finished = [name for name, value in results.items() if value == ""]
        if finished:
            break
        threading.Event().wait(0.05)
    assert finished, results
    BlockingBackend.release.set()
    for thread in threads.values():
        thread.join(timeout=20)

    assert sorted(results.values()) == ["", SmsStatus.SENT]
    assert len(locmem.calls) == 1
    assert _status(message) == SmsStatus.SENT


def test_a_rollback_sends_nothing(now, published, django_capture_on_commit_callbacks):
    resident = ResidentFactory()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.sms_enqueue(owner_kind="test", drafts=[_draft(resident, "test:rollback")])
        raise RuntimeError("the request failed after creating the messages")

    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert published == [] and locmem.calls == []


def test_with_the_broker_down_nothing_is_lost_and_each_goes_once(
    now, django_capture_on_commit_callbacks
):
    """The publish fails after the commit (robust on_commit): the rows wait in PostgreSQL; the
    next dispatcher tick queues them, and re-queues them once more if their task was lost."""
    residents = ResidentFactory.create_batch(3)
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(tasks.dispatch_pending, "delay", side_effect=down),
        mock.patch.object(tasks.send_sms_many, "delay", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        with transaction.atomic():
            services.sms_enqueue(
                owner_kind="test", drafts=[_draft(r, f"test:down:{r.pk}") for r in residents]
            )
        # The beat tick while the broker is still down: queued, but the tasks were lost.
        assert services.sms_dispatch() == 3
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.QUEUED}

    sent = []
    with (
        mock.patch.object(tasks.send_sms_many, "delay", side_effect=sent.extend),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.sms_dispatch() == 0  # not yet: a queued row may just be slow
        later = timezone.now() + datetime.timedelta(minutes=11)
        assert services.sms_dispatch(now=later) == 3  # the sweeper
    for message_id in sent + sent:  # and every task delivered twice, for good measure
        services.sms_send(message_id=message_id)

    assert sorted(sms.to for sms in locmem.calls) == sorted(r.phone.as_e164 for r in residents)
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.SENT}


def test_the_dispatcher_pages_until_nothing_is_due(now, published):
    residents = ResidentFactory.create_batch(7)
    with transaction.atomic():
        services.sms_enqueue(
            owner_kind="test", drafts=[_draft(r, f"test:page:{r.pk}") for r in residents]
        )
        later = _draft(residents[0], "test:later", not_before=now + datetime.timedelta(hours=1))
        services.sms_enqueue(owner_kind="test", drafts=[later])

    with mock.patch.object(transaction, "on_commit", lambda fn, robust=False: fn()):
        queued = services.sms_dispatch(page=3)

    assert queued == 7
    assert len(published) == 7 and len(set(published)) == 7
    assert SmsMessage.objects.filter(status=SmsStatus.PENDING).get().dedup_key == "test:later"


# --- G3: only safe failures are retried -----------------------------------------------------------


def test_not_sent_goes_back_to_pending_with_a_later_time_then_fails_after_the_last_try(
    now, published, settings
):
    settings.SMS_MAX_ATTEMPTS = 3
    message = SmsMessageFactory(queued=True)
    locmem.script.extend([SmsNotSent("429"), SmsNotSent("429"), SmsNotSent("429")])

    assert services.sms_send(message_id=message.pk) == SmsStatus.PENDING
    message.refresh_from_db()
    assert message.not_before == now + datetime.timedelta(seconds=settings.SMS_RETRY_BACKOFF[0])
    assert (message.attempts, message.error) == (1, "429")
    for _ in (2, 3):
        SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.QUEUED)
        services.sms_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 3)
    assert len(locmem.calls) == 3


def test_a_retry_waits_in_pending_for_the_dispatcher_not_in_celery(now, published):
    message = SmsMessageFactory(queued=True)
    locmem.script.append(SmsNotSent("connection refused"))
    services.sms_send(message_id=message.pk)

    with mock.patch.object(transaction, "on_commit", lambda fn, robust=False: fn()):
        assert services.sms_dispatch() == 0  # its time has not come
        assert services.sms_dispatch(now=now + datetime.timedelta(minutes=2)) == 1
    services.sms_send(message_id=message.pk)

    assert _status(message) == SmsStatus.SENT
    assert len(locmem.calls) == 2 and len(locmem.outbox) == 1


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (SmsRejected("HTTP 400"), SmsStatus.FAILED),
        (SmsOutcomeUnknown("HTTP 500"), SmsStatus.UNKNOWN),
        (RuntimeError("bug"), SmsStatus.UNKNOWN),
    ],
)
def test_refused_or_unknown_is_never_sent_again_by_itself(now, published, outcome, status):
    message = SmsMessageFactory(queued=True)
    locmem.script.append(outcome)

    services.sms_send(message_id=message.pk)
    with mock.patch.object(transaction, "on_commit", lambda fn, robust=False: fn()):
        for minutes in (0, 11, 120):  # dispatcher and sweeper, later and later
            services.sms_dispatch(now=now + datetime.timedelta(minutes=minutes))
    services.sms_send(message_id=message.pk)

    assert _status(message) == status
    assert len(locmem.calls) == 1
    assert published == []


def test_a_row_left_sending_by_a_dead_worker_becomes_unknown(now):
    message = SmsMessageFactory(status=SmsStatus.SENDING, claimed_at=now)

    assert services.sms_reconcile(now=now + datetime.timedelta(minutes=5)) == 0
    assert services.sms_reconcile(now=now + datetime.timedelta(minutes=11)) == 1

    assert _status(message) == SmsStatus.UNKNOWN
    assert locmem.calls == []


def test_a_person_resends_an_unknown_message_once_with_a_reason(now, published, officer):
    message = SmsMessageFactory(status=SmsStatus.UNKNOWN)

    with pytest.raises(services.ValidationError):
        services.sms_resend(message=message, by=officer, reason="  ")
    with mock.patch.object(transaction, "on_commit", lambda fn, robust=False: fn()):
        services.sms_resend(message=message, by=officer, reason="Elle ne l'a pas reçu")
        with pytest.raises(services.ValidationError):
            services.sms_resend(message=message, by=officer, reason="Encore")
    services.sms_send(message_id=published[0])

    message.refresh_from_db()
    assert (message.status, message.resent_by, message.resend_reason) == (
        SmsStatus.SENT,
        officer,
        "Elle ne l'a pas reçu",
    )
    assert len(locmem.calls) == 1


# --- G4: send-time checks -------------------------------------------------------------------------


def test_an_opt_out_between_queueing_and_sending_stops_it(now):
    message = SmsMessageFactory(queued=True)
    services.sms_opt_out(phone="+33699999999", scope=OptOutScope.ALL, source="staff")  # another
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.QUEUED)
    # The opt-out arrives after the row was queued (and after the cancel of waiting rows).
    SmsOptOut.objects.create(phone=message.to, scope=OptOutScope.ALL, source="stop_reply")

    assert services.sms_send(message_id=message.pk) == SmsStatus.SKIPPED
    message.refresh_from_db()
    assert (message.status, message.skip_reason) == (SmsStatus.SKIPPED, SkipReason.OPTED_OUT)
    assert locmem.calls == []


def test_an_opt_out_cancels_what_waits_for_that_number(now):
    waiting = SmsMessageFactory()
    queued = SmsMessageFactory(queued=True, resident=waiting.resident, dedup_key="test:q")
    other = SmsMessageFactory()

    services.sms_opt_out(phone=waiting.to, scope=OptOutScope.ALL, source="stop_reply")

    assert {_status(waiting), _status(queued)} == {SmsStatus.CANCELLED}
    assert _status(other) == SmsStatus.PENDING


def test_a_campaigns_only_opt_out_leaves_appointment_reminders(now, settings):
    reminder_message = SmsMessageFactory(queued=True)  # the test owner is not a campaign
    services.sms_opt_out(phone=reminder_message.to, scope=OptOutScope.CAMPAIGNS, source="staff")

    assert services.sms_send(message_id=reminder_message.pk) == SmsStatus.SENT
    owner.CAMPAIGN = True
    try:
        campaign_like = SmsMessageFactory(
            queued=True, resident=reminder_message.resident, dedup_key="test:campaign"
        )
        assert services.sms_send(message_id=campaign_like.pk) == SmsStatus.SKIPPED
    finally:
        owner.CAMPAIGN = False


def test_a_withdrawn_sms_consent_cancels_and_stops(now, officer):
    message = SmsMessageFactory(legal_basis=LegalBasis.CONSENT)
    resident = message.resident
    consent = resident_services.consent_record(
        resident=resident, scope=ConsentScope.SMS, given_on=now.date(), method="oral", by=officer
    )
    queued = SmsMessageFactory(queued=True, resident=resident, dedup_key="test:queued")

    resident_services.consent_withdraw(consent=consent, by=officer)

    assert {_status(message), _status(queued)} == {SmsStatus.CANCELLED}
    # And one claimed meanwhile is stopped at send time.
    late = SmsMessageFactory(queued=True, resident=resident, dedup_key="test:late")
    assert services.sms_send(message_id=late.pk) == SmsStatus.SKIPPED
    late.refresh_from_db()
    assert late.skip_reason == SkipReason.CONSENT_WITHDRAWN
    assert locmem.calls == []


def test_consent_as_legal_basis_needs_a_standing_sms_consent(now, officer):
    message = SmsMessageFactory(queued=True, legal_basis=LegalBasis.CONSENT)
    assert services.sms_send(message_id=message.pk) == SmsStatus.SKIPPED
    assert SmsMessage.objects.get(pk=message.pk).skip_reason == SkipReason.NO_CONSENT

    resident_services.consent_record(
        resident=message.resident,
        scope=ConsentScope.SMS,
        given_on=now.date(),
        method="oral",
        by=officer,
    )
    again = SmsMessageFactory(
        queued=True,
        legal_basis=LegalBasis.CONSENT,
        resident=message.resident,
        dedup_key="test:again",
    )
    assert services.sms_send(message_id=again.pk) == SmsStatus.SENT


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"phone": "+33698765432"}, SkipReason.NUMBER_CHANGED),
        ({"anonymised_at": TUESDAY}, SkipReason.FILE_CLOSED),
    ],
)
def test_a_changed_number_or_an_erased_file_stops_it(now, change, reason):
    message = SmsMessageFactory(queued=True)
    type(message.resident).objects.filter(pk=message.resident_id).update(**change)

    assert services.sms_send(message_id=message.pk) == SmsStatus.SKIPPED
    assert SmsMessage.objects.get(pk=message.pk).skip_reason == reason
    assert locmem.calls == []


def test_the_owner_says_at_send_time_whether_it_is_still_relevant(now):
    message = SmsMessageFactory(queued=True)
    owner.answer = SkipReason.NOT_RELEVANT

    assert services.sms_send(message_id=message.pk) == SmsStatus.SKIPPED
    assert locmem.calls == []


# --- G5: quiet hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "leaves"),
    [
        # 20:30 on a Tuesday: 09:00 on Wednesday.
        (datetime.datetime(2026, 12, 8, 20, 30), datetime.datetime(2026, 12, 9, 9, 0)),
        # A Sunday: Monday 09:00.
        (datetime.datetime(2026, 12, 13, 11, 0), datetime.datetime(2026, 12, 14, 9, 0)),
        # 14 July 2027 (a Wednesday): the 15th.
        (datetime.datetime(2027, 7, 14, 10, 0), datetime.datetime(2027, 7, 15, 9, 0)),
        # Saturday 20:30 before each daylight-saving change of 2028 (no holiday on the Monday).
        (datetime.datetime(2028, 3, 25, 20, 30), datetime.datetime(2028, 3, 27, 9, 0)),
        (datetime.datetime(2028, 10, 28, 20, 30), datetime.datetime(2028, 10, 30, 9, 0)),
    ],
)
def test_a_message_written_in_quiet_hours_leaves_at_the_next_allowed_minute(
    time_machine, published, written, leaves
):
    written, leaves = written.replace(tzinfo=PARIS), leaves.replace(tzinfo=PARIS)
    time_machine.move_to(written, tick=False)
    resident = ResidentFactory()
    with transaction.atomic():
        services.sms_enqueue(owner_kind="test", drafts=[_draft(resident, "test:quiet")])
    message = SmsMessage.objects.get()
    assert message.not_before == leaves
    assert timezone.localtime(message.not_before).hour == 9  # 09:00 on the wall clock

    with mock.patch.object(transaction, "on_commit", lambda fn, robust=False: fn()):
        assert services.sms_dispatch() == 0
        time_machine.move_to(leaves - datetime.timedelta(minutes=1), tick=False)
        assert services.sms_dispatch() == 0
        time_machine.move_to(leaves, tick=False)
        assert services.sms_dispatch() == 1
    assert services.sms_send(message_id=message.pk) == SmsStatus.SENT


def test_a_message_claimed_at_20_05_goes_back_to_wait(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 8, 20, 5, tzinfo=PARIS), tick=False)
    message = SmsMessageFactory(queued=True)

    assert services.sms_send(message_id=message.pk) == SmsStatus.PENDING
    message.refresh_from_db()
    assert message.not_before == datetime.datetime(2026, 12, 9, 9, 0, tzinfo=PARIS)
    assert locmem.calls == []


def test_a_batch_claims_each_message_alone_and_keeps_to_the_providers_rate(now, settings):
    settings.SMS_RATE_PER_SECOND = 4
    messages = [SmsMessageFactory(queued=True) for _ in range(3)]
    SmsMessage.objects.filter(pk=messages[1].pk).update(status=SmsStatus.SENDING)  # another has it

    with mock.patch.object(services.time, "sleep") as sleep:
        outcomes = services.sms_send_many(message_ids=[str(m.pk) for m in messages] * 2)

    assert outcomes == {SmsStatus.SENT: 2, "": 4}
    assert sorted(str(sms.id) for sms in locmem.calls) == sorted(
        str(m.pk) for m in (messages[0], messages[2])
    )
    # A pause after each message sent, none after one another process owned.
    assert sleep.call_count == 2
    assert all(0 < call.args[0] <= 0.25 for call in sleep.call_args_list)


def test_a_quiet_hours_hold_is_not_an_attempt(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 8, 21, 0, tzinfo=PARIS), tick=False)
    message = SmsMessageFactory(queued=True)
    services.sms_send(message_id=message.pk)
    assert SmsMessage.objects.get(pk=message.pk).attempts == 0


@pytest.mark.parametrize(
    "query", ["resident=²", "owner=campaign:²", "resident=9" * 30, "message=x"]
)
def test_odd_outbox_filters_are_no_500(client, officer, query):
    client.force_login(officer)
    assert client.get(f"/sms/?{query}").status_code == 200


def test_an_opposition_of_a_shared_number_is_lifted_only_by_who_follows_all_its_people(
    client, officer, coach, nantes_residences, adelis
):
    mine = ResidentFactory(residence=nantes_residences[0], phone="+33612345678", job_coach=coach)
    resident_services.consent_record(
        resident=mine, scope=ConsentScope.SHARING, given_on=timezone.localdate(),
        method="oral", by=officer, recipient_organisation=adelis,
    )  # fmt: skip
    ResidentFactory(residence=nantes_residences[0], phone="+33612345678")  # not the coach's
    services.sms_opt_out(phone="+33612345678", scope=OptOutScope.ALL, source="stop_reply")
    client.force_login(coach)

    client.post(f"/sms/residents/{mine.pk}/opposition/lever/", {"scope": "all"})
    assert SmsOptOut.objects.exists()
    client.force_login(officer)
    client.post(f"/sms/residents/{mine.pk}/opposition/lever/", {"scope": "all"})
    assert not SmsOptOut.objects.exists()
    events = SmsOptOut.pgh_event_models["delete"].objects
    [lifted] = events.filter(pgh_label="delete")
    assert lifted.pgh_context.metadata["user"] == officer.pk
