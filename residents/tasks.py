import logging

from celery import shared_task
from django.conf import settings

from .personal_data import residents_anonymise_inactive
from .roster_services import roster_purge_expired
from .services import right_to_work_remind

logger = logging.getLogger(__name__)


@shared_task(time_limit=300, soft_time_limit=240)
def purge_roster_imports():
    """Forget the roster imports older than a day (beat runs it hourly)."""
    return roster_purge_expired()


@shared_task(time_limit=900, soft_time_limit=840)
def anonymise_inactive_residents():
    """Daily retention (the command anonymise_inactive): anonymises the residents inactive for
    O2R_RETENTION_INACTIVE_DAYS only when O2R_RETENTION_WET_RUN is true; otherwise counts."""
    wet_run = settings.O2R_RETENTION_WET_RUN
    ids, purged = residents_anonymise_inactive(wet_run=wet_run)
    logger.info(
        "retention: %d inactive resident(s) %s, %d unlinked row(s) purged",
        len(ids),
        "anonymised" if wet_run else "found (dry run: O2R_RETENTION_WET_RUN is off)",
        purged,
    )
    return len(ids)


@shared_task(time_limit=600, soft_time_limit=540)
def remind_expiring_right_to_work():
    """Daily: a reminder to renew each right-to-work document expiring within 60 days."""
    return right_to_work_remind()
