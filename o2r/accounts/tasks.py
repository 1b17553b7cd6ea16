from celery import shared_task

from .services import sign_in_logs_purge


@shared_task(time_limit=300, soft_time_limit=240)
def purge_sign_in_logs():
    sign_in_logs_purge()
