"""Beat's warming of the dashboard's figures (cache.py): each reader's opening selection."""

import datetime
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone

from o2r import access
from o2r.access import Action

from . import cache
from .filters import DashboardFilterForm

logger = logging.getLogger("o2r.dashboard")

# Readers who signed in within this many days have their opening page warmed; the others
# compute it when they come back.
ACTIVE_WITHIN = datetime.timedelta(days=30)
# Local hours when figures are warmed: nobody reads them at night.
WORKING_HOURS = range(6, 21)


@shared_task(time_limit=900, soft_time_limit=840)
def warm_dashboards():
    """Every few minutes of the working day (under the figures' TTL): the current year on each
    recent reader's whole scope, computed once per distinct selection (managers of the same
    scope share it). One selection's failure stops none of the others; the soft time limit
    stops them all. Returns how many selections were computed."""
    now = timezone.localtime()
    if settings.O2R_DASHBOARD_FIGURES_TTL <= 0 or now.hour not in WORKING_HOURS:
        return 0
    readers = get_user_model().objects.filter(
        access.users_with(Action.DASHBOARD_READ),
        is_active=True,
        last_login__gte=now - ACTIVE_WITHIN,
    )
    seen = set()
    for user in readers.order_by("pk").iterator():
        selection = DashboardFilterForm(QueryDict(""), user=user).selection()
        if selection is None or selection in seen:
            continue
        seen.add(selection)
        try:
            cache.warm(selection)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("dashboard warm: selection of user %s not computed", user.pk)
    return len(seen)
