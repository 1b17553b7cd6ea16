"""Fetch helpers of the employers' network: a company, a contact or an opening is reached only
through these, which apply the access table (o2r/access.py) and answer 404 outside its scope
(a company of another territory, an opening an officer may not see)."""

from django.http import Http404

from o2r import access
from o2r.access import Action

from .models import Employer, EmployerContact, JobOpening

LOOKUP_ERRORS = (ValueError, TypeError, OverflowError)


def require(user, action: Action) -> None:
    if not access.allows(user, action):
        raise Http404


def get_employer_for_user(request, pk, *, action: Action = Action.EMPLOYER_READ) -> Employer:
    require(request.user, action)
    try:
        return (
            Employer.objects.visible_to(request.user, action)
            .select_related("owner", "created_by")
            .get(pk=pk)
        )
    except (Employer.DoesNotExist, *LOOKUP_ERRORS):
        raise Http404 from None


def get_contact_for_user(request, employer: Employer, pk, *, action=Action.EMPLOYER_EDIT):
    """A contact of `employer` (itself fetched through get_employer_for_user)."""
    require(request.user, action)
    try:
        return EmployerContact.objects.get(employer=employer, pk=pk)
    except (EmployerContact.DoesNotExist, *LOOKUP_ERRORS):
        raise Http404 from None


def get_opening_for_user(request, pk, *, action: Action = Action.OPENING_READ) -> JobOpening:
    require(request.user, action)
    try:
        return (
            JobOpening.objects.visible_to(request.user, action)
            .select_related("employer", "rome", "rome_appellation", "created_by")
            .get(pk=pk)
        )
    except (JobOpening.DoesNotExist, *LOOKUP_ERRORS):
        raise Http404 from None
