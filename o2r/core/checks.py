"""Start-up checks of the task settings (README, "Operations")."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import autodiscover_modules

from o2r.celery import app


@checks.register(checks.Tags.compatibility)
def task_limits(app_configs=None, **kwargs):
    """Every task has a soft and a hard time limit, and the visibility timeout outlasts the
    longest: otherwise Redis would hand a task still running to a second worker."""
    autodiscover_modules("tasks")
    errors = []
    longest = 0
    for name, task in sorted(app.tasks.items()):
        if not name.startswith(("o2r.", "residents.", "outreach.", "employment.", "employers.")):
            continue
        if not task.time_limit or not task.soft_time_limit:
            errors.append(
                checks.Error(f"The task {name} has no time_limit/soft_time_limit.", id="o2r.E101")
            )
            continue
        if task.soft_time_limit >= task.time_limit:
            errors.append(
                checks.Error(
                    f"The task {name}'s soft_time_limit is not below its time_limit.",
                    id="o2r.E102",
                )
            )
        longest = max(longest, task.time_limit)
    visibility = settings.CELERY_VISIBILITY_TIMEOUT
    if settings.REDIS_URL and longest >= visibility:
        errors.append(
            checks.Error(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) must be longer than the longest "
                f"task's time_limit ({longest} s).",
                hint="Raise CELERY_VISIBILITY_TIMEOUT or lower the task's limits.",
                id="o2r.E103",
            )
        )
    return errors
