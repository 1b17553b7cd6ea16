"""The outbox against Brevo played by a local fake server (pytest-httpserver), through the
sender and the dispatcher (SMS_AND_TASKS.md §3's table, G3): 429 then 201 is one SMS after a
retry; 400 is failed after one request; a 500 or a reply slower than the timeout is unknown
after one request, and no later dispatch, sweep or reconciliation asks again."""

import datetime
import threading

import pytest
from django.utils import timezone
from werkzeug import Response

from o2r.sms import services
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from tests.sms.factories import SmsMessageFactory

pytestmark = pytest.mark.django_db
PARIS = timezone.get_default_timezone()
TUESDAY = datetime.datetime(2026, 12, 8, 11, 0, tzinfo=PARIS)
SEND = "/v3/transactionalSMS/send"


@pytest.fixture
def brevo(settings, httpserver, time_machine):
    time_machine.move_to(TUESDAY, tick=True)
    settings.SMS_BACKEND = "brevo"
    settings.SMS_BREVO_BASE_URL = httpserver.url_for("/")
    settings.SMS_BREVO_API_KEY = "test-key"
    settings.SMS_READ_TIMEOUT = 0.5
    return httpserver


def _later_ticks(now):
    """The dispatcher and its sweeper, later and later, then the reconciler; what they queue
    is sent at once (as the worker would)."""
    for minutes in (2, 11, 70, 130):
        at = now + datetime.timedelta(minutes=minutes)
        for pk in SmsMessage.objects.filter(
            status=SmsStatus.PENDING, not_before__lte=at
        ).values_list("pk", flat=True):
            SmsMessage.objects.filter(pk=pk).update(status=SmsStatus.QUEUED)
            services.sms_send(message_id=pk)
        services.sms_reconcile(now=at)


def test_429_then_201_sends_one_sms_after_a_retry(brevo):
    brevo.expect_ordered_request(SEND, method="POST").respond_with_data("", status=429)
    brevo.expect_ordered_request(SEND, method="POST").respond_with_json(
        {"messageId": 7}, status=201
    )
    message = SmsMessageFactory(queued=True)

    assert services.sms_send(message_id=message.pk) == SmsStatus.PENDING
    _later_ticks(timezone.now())

    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == (SmsStatus.SENT, "7", 2)
    assert len(brevo.log) == 2
    brevo.check()


def test_400_fails_after_one_request(brevo):
    brevo.expect_request(SEND, method="POST").respond_with_json(
        {"code": "invalid_parameter"}, status=400
    )
    message = SmsMessageFactory(queued=True)

    assert services.sms_send(message_id=message.pk) == SmsStatus.FAILED
    _later_ticks(timezone.now())

    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.FAILED
    assert len(brevo.log) == 1


def test_500_is_unknown_after_one_request_and_never_asked_again(brevo):
    brevo.expect_request(SEND, method="POST").respond_with_data("", status=500)
    message = SmsMessageFactory(queued=True)

    assert services.sms_send(message_id=message.pk) == SmsStatus.UNKNOWN
    _later_ticks(timezone.now())

    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.UNKNOWN
    assert len(brevo.log) == 1


def test_a_reply_slower_than_the_timeout_is_unknown_and_never_asked_again(brevo):
    released = threading.Event()

    def slow(request):
        released.wait(timeout=5)
        return Response('{"messageId": 1}', status=201, content_type="application/json")

    brevo.expect_request(SEND, method="POST").respond_with_handler(slow)
    message = SmsMessageFactory(queued=True)

    assert services.sms_send(message_id=message.pk) == SmsStatus.UNKNOWN
    released.set()
    _later_ticks(timezone.now())

    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.UNKNOWN
    for _ in range(100):  # the server records the request once its handler returns
        if brevo.log:
            break
        threading.Event().wait(0.05)
    assert len(brevo.log) == 1
