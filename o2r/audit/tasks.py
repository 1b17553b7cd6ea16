from celery import shared_task

from .services import access_log_purge


@shared_task(time_limit=600, soft_time_limit=540)
def purge_access_log():
    access_log_purge()
