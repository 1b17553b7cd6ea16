"""Fetch helpers of outreach: an action, a contact or a referral is reached only through these,
which apply the access table (o2r/access.py) and answer 404 outside its scope."""

from django.http import Http404

from o2r import access
from o2r.access import Action, Scope
from residents.models import Residence

from .models import OutreachAction, Referral


def get_action_for_user(request, pk, *, action: Action = Action.OUTREACH_READ) -> OutreachAction:
    """The outreach action `pk` if the table gives `request.user` `action` on its residence."""
    if not access.allows(request.user, action):
        raise Http404
    try:
        return (
            OutreachAction.objects.visible_to(request.user, action)
            .select_related("residence", "created_by")
            .get(pk=pk)
        )
    except (OutreachAction.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def get_residence_for_user(request, pk, *, action: Action = Action.OUTREACH_READ) -> Residence:
    """A residence of the user's memberships, when the table gives her `action` there."""
    if access.scope_of(request.user, action) != Scope.MEMBERSHIPS:
        raise Http404
    try:
        return Residence.objects.for_user(request.user).get(pk=pk)
    except (Residence.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def get_referral_for_user(request, pk) -> Referral:
    """A referral of the inbox (REFERRAL_HANDLE on its residence)."""
    if not access.allows(request.user, Action.REFERRAL_HANDLE):
        raise Http404
    try:
        return Referral.objects.handled_by(request.user).select_related("residence").get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
