from celery import shared_task

from . import services


@shared_task(bind=True, time_limit=30, soft_time_limit=20)
def answer_worker_ping(self, ping_id):
    services.worker_ping_answer(ping_id=ping_id, worker=self.request.hostname or "")


@shared_task(bind=True, time_limit=30, soft_time_limit=20)
def record_beat_tick(self):
    services.heartbeat_record(name="beat", worker=self.request.hostname or "")


@shared_task(time_limit=120, soft_time_limit=100)
def purge_task_attempts():
    """Daily: counters left by a task cut by its time limit (acknowledged, never delivered
    again); the tasks set aside stay until an administrator deals with them."""
    return services.task_attempts_purge()
