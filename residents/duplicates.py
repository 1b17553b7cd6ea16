"""Before a resident is created: is this person perhaps already known? A match the user may
see is shown with a link; a match outside their scope only says that a file may exist
elsewhere and whom to ask — no name, no residence, nothing else."""

from dataclasses import dataclass, field

from django.db.models import Q

from o2r import access
from o2r.access import Action
from o2r.accounts.models import User

from .models import Resident
from .normalise import identity_key
from .validators import parse_phone


@dataclass
class Duplicates:
    visible: list = field(default_factory=list)
    elsewhere: bool = False
    ask: list = field(default_factory=list)

    @property
    def any(self):
        return bool(self.visible) or self.elsewhere


def find_duplicates(*, user, data, exclude_pk=None) -> Duplicates:
    condition = Q()
    phone = data.get("phone") or ""
    if phone:
        e164, _ = parse_phone(str(phone))
        condition |= Q(phone=e164)
    if data.get("birth_date") and data.get("last_name") and data.get("first_name"):
        # The roster's matching rule (residents.normalise.name_key): "Traoré" is "Traore",
        # served by the index residents_resident_identity.
        condition |= Q(
            identity_key=identity_key(first_name=data["first_name"], last_name=data["last_name"]),
            birth_date=data["birth_date"],
        )
    if not condition:
        return Duplicates()
    matches = Resident.objects.filter(condition, anonymised_at__isnull=True)
    if exclude_pk:
        matches = matches.exclude(pk=exclude_pk)
    visible = list(
        Resident.objects.visible_to(user).filter(pk__in=matches.values("pk"))
        .select_related("residence")[:5]
    )  # fmt: skip
    elsewhere = matches.exclude(pk__in=[r.pk for r in visible]).exists()
    ask = []
    if elsewhere:
        ask = [
            admin.get_full_name()
            for admin in User.objects.filter(access.users_with(Action.USERS_MANAGE))[:3]
        ]
    return Duplicates(visible=visible, elsewhere=elsewhere, ask=ask)
