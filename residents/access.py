"""Who may do what with a resident's file. One table, enforced by `visible_to(user)`,
`get_resident_for_user()` and the permission helpers below; the README shows the same table.

- insertion officer: every resident of her residences (memberships): list, open, edit,
  export, health information, her organisation's confidential notes.
- job coach: the residents assigned to her while the sharing consent to her organisation
  stands: list, open, edit; health information only with the health consent; her
  organisation's confidential notes; no export.
- manager: the organisation's scope, read only; export; no health information, no
  confidential notes.
- residence staff: nothing (they file referrals).
- administrator: only through memberships, read only; no health information, no confidential
  notes, no export.
- outsider (another territory): nothing outside the residences of their memberships.

An Adoma manager's scope is the residences of her memberships; an Adelis manager's is the
residents assigned to her organisation's coaches with a standing sharing consent to it.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from o2r.accounts.enums import OrganisationKind, Role

from .enums import ConsentScope


@dataclass(frozen=True)
class Rights:
    list: bool = False
    open_file: bool = False
    edit: bool = False
    export: bool = False
    see_health: str = "never"  # "always" | "with_consent" | "never"
    see_confidential_notes: bool = False  # of the user's own organisation only


ACCESS = {
    Role.INSERTION_OFFICER: Rights(
        list=True, open_file=True, edit=True, export=True, see_health="always",
        see_confidential_notes=True,
    ),
    Role.JOB_COACH: Rights(
        list=True, open_file=True, edit=True, export=False, see_health="with_consent",
        see_confidential_notes=True,
    ),
    Role.MANAGER: Rights(list=True, open_file=True, export=True),
    Role.RESIDENCE_STAFF: Rights(),
    Role.ADMINISTRATOR: Rights(list=True, open_file=True),
}  # fmt: skip

NO_RIGHTS = Rights()


def rights_of(user) -> Rights:
    if not user.is_authenticated or not user.is_active:
        return NO_RIGHTS
    return ACCESS.get(user.role, NO_RIGHTS)


def _coach_scope(organisation_id, *, coach=None):
    """Residents assigned to a coach (of the organisation) while a sharing consent to that
    organisation stands."""
    from .models import active_consent

    condition = Q(active_consent(ConsentScope.SHARING, organisation=organisation_id)) & Q(
        job_coach__organisation=organisation_id
    )
    if coach is not None:
        condition &= Q(job_coach=coach)
    return condition


def visible_residents_filter(queryset, user):
    rights = rights_of(user)
    if not rights.list:
        return queryset.none()
    if user.role == Role.JOB_COACH:
        return queryset.filter(_coach_scope(user.organisation_id, coach=user))
    if user.role == Role.MANAGER and _organisation_kind(user) == OrganisationKind.EMPLOYMENT:
        return queryset.filter(_coach_scope(user.organisation_id))
    return queryset.filter(residence__memberships__user=user)


def _organisation_kind(user):
    return user.organisation.kind if user.organisation_id else None


def get_resident_for_user(user, pk, *, write=False):
    """The resident, or 404 when `user` may not see it (or may not change it, with write)."""
    from .models import Resident

    if write and not rights_of(user).edit:
        raise Http404
    try:
        return Resident.objects.visible_to(user).select_related("residence").get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_export(user) -> bool:
    return rights_of(user).export


def can_edit(user) -> bool:
    return rights_of(user).edit


def can_see_health(user, resident, *, consents=None) -> bool:
    """Health information (health barrier, RQTH): always for the insertion officer; for the
    coach only while the health consent to her organisation stands. `consents` may pass the
    resident's prefetched consents to avoid a query."""
    rule = rights_of(user).see_health
    if rule == "always":
        return True
    if rule != "with_consent":
        return False
    if consents is None:
        consents = resident.consents.all()
    return any(
        c.scope == ConsentScope.HEALTH
        and c.recipient_organisation_id == user.organisation_id
        and c.is_standing
        for c in consents
    )
