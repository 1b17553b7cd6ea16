from celery import shared_task

from .services import access_log_purge


@shared_task
def purge_access_log():
    access_log_purge()
