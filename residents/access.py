"""Fetch-and-log: the one way a view reaches a resident's file.

The rights are in o2r/access.py (the role-by-action table) and the scopes in
`Resident.objects.visible_to(user, action)`. `get_resident_for_user()` applies both, answers
404 outside the scope (never 403: the existence of a file is not disclosed) and writes the read
to the access log itself, so that no view can forget it. Health information goes through
`HealthView` (residents/health.py), built here for the resident fetched.
"""

from django.http import Http404

from o2r import access
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request

from .health import HealthView
from .models import Resident

SAFE_METHODS = ("GET", "HEAD")
DEFAULT = object()


def get_resident_for_user(
    request, pk, *, action: Action = Action.RESIDENT_OPEN, queryset=None, log=DEFAULT
) -> Resident:
    """The resident `pk` if `request.user` may do `action` on her, else 404.

    A read (GET, or a refused form shown again with the file: `log=AccessAction.READ`) is
    logged here; a write is kept by the history triggers instead. `queryset` may add
    select/prefetch for the page; it is always narrowed to the user's scope."""
    user = request.user
    if not access.allows(user, action):
        raise Http404
    base = queryset if queryset is not None else Resident.objects.select_related("residence")
    try:
        resident = base.visible_to(user, action).get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if log is DEFAULT:
        log = AccessAction.READ if request.method in SAFE_METHODS else None
    if log is not None:
        access_log_request(request, action=log, resident=resident)
    resident.health = HealthView.for_user(user, resident)
    resident.fetched_with = access.scope_of(user, action)
    return resident


def require(user, action: Action) -> None:
    """404 unless the table gives `user` the action somewhere (pages that take no id)."""
    if not access.allows(user, action):
        raise Http404


def can(user, action: Action, resident: Resident) -> bool:
    """Whether the table gives `user` the action on this resident (for the file's buttons)."""
    scope = access.scope_of(user, action)
    if scope is None:
        return False
    if scope == getattr(resident, "fetched_with", None):
        return True  # the same scope the file was just fetched through: no query
    return Resident.objects.visible_to(user, action).filter(pk=resident.pk).exists()
