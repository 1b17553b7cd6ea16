"""The accounts app's personal-data hook (settings O2R_PERSONAL_DATA_SOURCES, see
o2r/personal_data.py): a form kept in a session after it ended (o2r/accounts/signin.py) may
hold what an officer typed about a resident. It lives for one sign-in at most; an erasure
drops at once those that were going to the person's file."""

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from . import signin

MODELS = []
DERIVED = {}


def export(resident, *, user, health) -> dict:
    """A kept form is the typist's unsent draft, not a record held about the person."""
    return {}


def _kept_for(resident):
    file_url = reverse("residents:detail", args=[resident.pk])
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        kept = data.get(signin.KEPT_POST)
        if kept and kept["path"].startswith(file_url):
            yield session, data


def erase(resident) -> None:
    store = Session.objects
    for session, data in _kept_for(resident):
        del data[signin.KEPT_POST]
        session.session_data = store.encode(data)
        session.save(update_fields=["session_data"])


def purge_unlinked(now) -> int:
    """Ended sessions, where a kept form may sit, go with the sign-in records' purge."""
    return 0
