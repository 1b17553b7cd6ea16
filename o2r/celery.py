"""The Celery application: JSON only, queues `default` and `sms`, beat schedule in settings.

Tasks take ids and are enqueued after commit (`task.delay_on_commit(id)`); there is no result
backend: a task that must be seen writes a row. Every task is a ReliableTask (acknowledged
late, delivered again if its process dies, set aside after O2R_TASK_MAX_ATTEMPTS deliveries).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2r.settings")

app = Celery("o2r", task_cls="o2r.core.reliable_task:ReliableTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
