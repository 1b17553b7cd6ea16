"""Fetch-and-log of the IOD accompaniment: every object about a person is reached through one
of these, which apply the access table (o2r/access.py) through the residents' scopes, answer
404 outside them (never 403), and write the read to the access log (a GET; a write is kept
by the history triggers and the rows themselves)."""

from django.http import Http404

from o2r import access
from o2r.access import Action
from o2r.audit.models import AccessAction
from o2r.audit.services import access_log_request
from residents.access import SAFE_METHODS

from .models import Accompaniment, FollowUp, Introduction, Orientation, Placement

NOT_FOUND = (ValueError, TypeError, OverflowError)


def require(user, action: Action) -> None:
    if not access.allows(user, action):
        raise Http404


def _log(request, resident_id, log):
    if log is None and request.method in SAFE_METHODS:
        log = AccessAction.READ
    if log:
        access_log_request(request, action=log, resident_ids=[resident_id])


def _fetch(request, queryset, pk, *, action, log=None):
    require(request.user, action)
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, *NOT_FOUND):
        raise Http404 from None
    _log(request, obj.resident_id if hasattr(obj, "resident_id") else obj.placement.resident_id,
         log)  # fmt: skip
    return obj


def get_orientation_summary_for_user(request, pk, *, action=Action.ORIENTATION_READ):
    """An orientation waiting for the user's organisation: its summary only (ORIENTATION_READ
    is not RESIDENT_OPEN)."""
    queryset = Orientation.objects.received_by(request.user, action).select_related(
        "resident__residence", "organisation", "coach", "oriented_by"
    )
    return _fetch(request, queryset, pk, action=action)


def get_accompaniment_for_user(request, pk, *, action=Action.ACCOMPANIMENT_READ):
    queryset = Accompaniment.objects.visible_to(request.user, action).select_related(
        "resident__residence", "coach", "organisation", "orientation__oriented_by"
    )
    return _fetch(request, queryset, pk, action=action)


def get_introduction_for_user(request, pk, *, action=Action.ACCOMPANIMENT_READ):
    queryset = Introduction.objects.visible_to(request.user, action).select_related(
        "accompaniment__resident__residence", "accompaniment__coach", "opening__employer",
        "proposed_by",
    )  # fmt: skip
    return _fetch(request, queryset, pk, action=action)


def get_placement_for_user(request, pk, *, action=Action.ACCOMPANIMENT_READ):
    queryset = Placement.objects.visible_to(request.user, action).select_related(
        "resident__residence", "accompaniment", "employer", "opening", "coach"
    )
    return _fetch(request, queryset, pk, action=action)


def get_follow_up_for_user(request, pk, *, action=Action.ACCOMPANIMENT_WORK):
    queryset = FollowUp.objects.visible_to(request.user, action).select_related(
        "placement__resident", "placement__accompaniment", "placement__employer"
    )
    return _fetch(request, queryset, pk, action=action)
