"""Thin tasks: they take ids and call the outbox's services (o2r/sms/services.py). All run on
the `sms` queue. Beat runs the dispatcher every minute and the reconciler every 10 minutes;
the dispatcher is also nudged after each commit that creates messages."""

from celery import shared_task
from django.conf import settings

from . import personal_data, services


@shared_task(time_limit=300, soft_time_limit=240)
def dispatch_pending():
    return services.sms_dispatch()


@shared_task(time_limit=60, soft_time_limit=45)
def send_sms(message_id: str):
    """One message: a person's resend of an uncertain one."""
    return services.sms_send(message_id=message_id)


# A batch's worst case: each message waits the connect and read timeouts.
BATCH_LIMIT = settings.SMS_SEND_BATCH * (settings.SMS_CONNECT_TIMEOUT + settings.SMS_READ_TIMEOUT)


@shared_task(time_limit=BATCH_LIMIT + 60, soft_time_limit=BATCH_LIMIT + 30)
def send_sms_many(message_ids: list[str]):
    """A page of the dispatcher, in batches: each message is still claimed alone before its
    provider call (a batch delivered twice sends nothing twice); one task for many saves the
    broker's round trips."""
    return services.sms_send_many(message_ids=message_ids)


@shared_task(time_limit=120, soft_time_limit=100)
def reconcile_stuck():
    return services.sms_reconcile()


@shared_task(time_limit=300, soft_time_limit=240)
def purge_inbox():
    return personal_data.purge_unlinked(None)
