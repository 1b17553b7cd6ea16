from celery import shared_task

from . import services


@shared_task(bind=True)
def answer_worker_ping(self, ping_id):
    services.worker_ping_answer(ping_id=ping_id, worker=self.request.hostname or "")


@shared_task(bind=True)
def record_beat_tick(self):
    services.heartbeat_record(name="beat", worker=self.request.hostname or "")
