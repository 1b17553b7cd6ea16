from celery import shared_task

from .services import sign_in_logs_purge


@shared_task
def purge_sign_in_logs():
    sign_in_logs_purge()
