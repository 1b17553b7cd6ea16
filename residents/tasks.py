from celery import shared_task

from .roster_services import roster_purge_expired


@shared_task
def purge_roster_imports():
    """Forget the roster imports older than a day (beat runs it hourly)."""
    return roster_purge_expired()
