"""Beat's warming of the dashboard's figures (cache.py): each reader's opening selection."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.http import QueryDict

from o2r import access
from o2r.access import Action

from . import cache
from .filters import DashboardFilterForm

logger = logging.getLogger("o2r.dashboard")


@shared_task(time_limit=900, soft_time_limit=840)
def warm_dashboards():
    """Every few minutes (under the figures' TTL): the current year on each reader's whole
    scope, computed once per distinct selection (managers of the same scope share it). One
    selection's failure stops none of the others."""
    readers = get_user_model().objects.filter(access.users_with(Action.DASHBOARD_READ))
    seen = set()
    for user in readers.filter(is_active=True).order_by("pk").iterator():
        selection = DashboardFilterForm(QueryDict(""), user=user).selection()
        if selection is None or selection in seen:
            continue
        seen.add(selection)
        try:
            cache.warm(selection)
        except Exception:
            logger.exception("dashboard warm: selection of user %s not computed", user.pk)
    return len(seen)
