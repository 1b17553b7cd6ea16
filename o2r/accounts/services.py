from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from dateutil.relativedelta import relativedelta
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

# Sign-in records (successes, failures, lock-outs) are kept 12 months, like the access log.
RETENTION_MONTHS = 12


@transaction.atomic
def sign_in_logs_purge(*, now=None) -> int:
    """Deletes axes' rows older than the retention period, and the sessions that have ended
    (a form kept after a session ended lives in one)."""
    now = now or timezone.now()
    cutoff = now - relativedelta(months=RETENTION_MONTHS)
    deleted = 0
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        count, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
        deleted += count
    Session.objects.filter(expire_date__lt=now).delete()
    return deleted
