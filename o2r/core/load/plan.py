"""The database side of `manage.py load`: who the simulated staff are and what they open (the
plan the locustfile reads), their password for the run, and the undoing of what the run wrote.

The plan names, per role, the accounts in primary-key order and, for each, the ids it uses:
- an insertion officer: the residence of her hall session (the first of hers with residents in
  the programme), 30 of its residents with the first 4 letters of their name as she types them,
  the first 4 letters of her commonest names (the list's searches) and 20 files of her scope;
- a job coach: 10 of her open accompaniments and 10 of their introductions;
- a housing manager: nothing but the year of the dashboard (last year, as `make bench`).

The run signs the accounts in with a password of its own, set for the run and put back after
(with their last sign-in); it logs contacts in hall sessions it starts. Afterwards it deletes
those sessions and the contacts logged in them (with their history rows), and puts back the
"last interaction" of the residents it logged: `make bench` counts the contacts exactly and
would rebuild them."""

import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from employment.models import Accompaniment, Introduction
from o2r import access
from o2r.access import Action, Profile
from o2r.accounts.models import User
from o2r.core.management.commands import bench
from outreach.enums import ActionKind
from outreach.models import Contact, OutreachAction
from residents.models import Residence, Resident
from residents.normalise import fold

PEOPLE = 30
SEARCHES = 5
FILES = 20
ACCOMPANIMENTS = 10
INTRODUCTIONS = 10
# What a coach types in the job-analysis form's ROME field: `make bench`'s ROME_QUERIES.


def build(*, accounts: int) -> dict:
    """Up to `accounts` accounts of each role, with what each opens. Raises ValueError when
    the database has none of a role."""
    staff = User.objects.filter(is_active=True).select_related("organisation").order_by("pk")
    # Who plays whom is read from the access table's profiles, as the pages do.
    by_profile = {}
    for user in staff:
        by_profile.setdefault(access.profile_of(user), []).append(user)
    officers = [
        user
        for user in by_profile.get(Profile.INSERTION_OFFICER, [])
        if user.residence_memberships.exists()
    ]
    officers = [plan for user in officers[:accounts] if (plan := _officer(user))]
    coaches = by_profile.get(Profile.JOB_COACH, [])
    coaches = [plan for user in coaches[:accounts] if (plan := _coach(user))]
    managers = by_profile.get(Profile.HOUSING_MANAGER, [])
    managers = [{"id": user.pk, "email": user.email} for user in managers[:accounts]]
    for name, found in (("officers", officers), ("coaches", coaches), ("managers", managers)):
        if not found:
            raise ValueError(f"aucun compte utilisable pour le rôle {name}")
    return {
        "officers": officers,
        "coaches": coaches,
        "managers": managers,
        "year": timezone.localdate().year - 1,
        "rome": bench.ROME_QUERIES,
    }


def _officer(user):
    hall = (
        Residence.objects.for_user(user)
        .active()
        .filter(residents__stage__isnull=False)
        .order_by("pk")
        .first()
    )
    if hall is None:
        return None
    # Residents in the programme only: logging a contact with someone outside it would put
    # her on the path (a stage change the run could not undo).
    people = (
        Resident.objects.visible_to(user, Action.OUTREACH_LOG)
        .filter(residence=hall, stage__isnull=False)
        .order_by("pk")
        .values_list("pk", "last_name")[:PEOPLE]
    )
    scope = Resident.objects.visible_to(user, Action.RESIDENT_LIST)
    names = scope.values("last_name").annotate(n=Count("pk")).order_by("-n", "last_name")[:50]
    searches = list(dict.fromkeys(fold(row["last_name"])[:4] for row in names))[:SEARCHES]
    files = list(
        Resident.objects.visible_to(user, Action.RESIDENT_OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {
        "id": user.pk,
        "email": user.email,
        "hall_residence": hall.pk,
        "people": [[pk, fold(name)[:4]] for pk, name in people],
        "searches": searches,
        "files": files[:: max(1, len(files) // FILES)][:FILES],
    }


def _coach(user):
    accompaniments = list(
        Accompaniment.objects.caseload_of(user)
        .open()
        .order_by("pk")
        .values_list("pk", flat=True)[:ACCOMPANIMENTS]
    )
    if not accompaniments:
        return None
    introductions = list(
        Introduction.objects.filter(accompaniment__in=accompaniments)
        .order_by("pk")
        .values_list("pk", flat=True)[:INTRODUCTIONS]
    )
    return {
        "id": user.pk,
        "email": user.email,
        "accompaniments": accompaniments,
        "introductions": introductions,
    }


def user_ids(plan: dict) -> list[int]:
    return [account["id"] for role in ("officers", "coaches", "managers") for account in plan[role]]


class Bookkeeping:
    """What the run changes, to put back: the accounts' passwords and last sign-in, the
    contacts and hall sessions the officers write, their residents' last interaction."""

    def __init__(self, plan: dict):
        self.users = user_ids(plan)
        self.officers = [account["id"] for account in plan["officers"]]
        people = [pk for account in plan["officers"] for pk, _ in account["people"]]
        self.interactions = dict(
            Resident.objects.filter(pk__in=people).values_list("pk", "last_interaction_at")
        )
        self.accounts = {
            pk: (password, last_login)
            for pk, password, last_login in User.objects.filter(pk__in=self.users).values_list(
                "pk", "password", "last_login"
            )
        }
        self.last_action = OutreachAction.objects.aggregate(n=Max("pk"))["n"] or 0
        self.started = timezone.now()

    def give_password(self) -> str:
        """One password for every account of the run (hashed once, as production hashes)."""
        password = secrets.token_urlsafe(18)
        User.objects.filter(pk__in=self.users).update(password=make_password(password))
        return password

    @transaction.atomic
    def undo(self) -> dict:
        """Puts the database back as it was, but for the sessions, sign-in and read logs of the
        run. Returns what was deleted."""
        for pk, (password, last_login) in self.accounts.items():
            User.objects.filter(pk=pk).update(password=password, last_login=last_login)
        # The run's hall sessions, and the contacts logged in them: nobody else's, even while
        # another tool writes into the same database.
        sessions = OutreachAction.objects.filter(
            pk__gt=self.last_action,
            created_by__in=self.officers,
            kind=ActionKind.HALL_SESSION,
            started_at__gte=self.started,
        )
        written = list(
            Contact.objects.filter(action__in=sessions).values_list("pk", "resident", "at")
        )
        ids = [pk for pk, _, _ in written]
        Contact.objects.filter(pk__in=ids).delete()
        for event in getattr(Contact, "pgh_event_models", {}).values():
            event.objects.filter(pgh_obj_id__in=ids).delete()
        # A last interaction goes back only where it is still the run's contact.
        latest = {}
        for _, resident, at in written:
            latest[resident] = max(at, latest.get(resident, at))
        for resident, at in latest.items():
            if resident in self.interactions:
                Resident.objects.filter(pk=resident, last_interaction_at=at).update(
                    last_interaction_at=self.interactions[resident]
                )
        _, deleted = sessions.delete()
        return {"contacts": len(ids), "sessions": deleted.get(OutreachAction._meta.label, 0)}
