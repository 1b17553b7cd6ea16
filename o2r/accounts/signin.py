"""The state of a sign-in kept in the session: when it began, when it was last used, whether the
second factor is still to be given, and a form posted after it ended.

Sessions end after O2R_SESSION_IDLE_TIMEOUT seconds without a request and after
O2R_SESSION_MAX_AGE seconds in all. A form posted after the end is kept in the new, anonymous
session with the id of the user it belonged to, and offered again to that user only.
"""

import logging
import time

from django.conf import settings

security_log = logging.getLogger("o2r.security")

SIGNED_IN_AT = "o2r_signed_in_at"
LAST_SEEN = "o2r_last_seen"
SECOND_FACTOR_PENDING = "o2r_second_factor_pending"
KEPT_POST = "o2r_kept_post"

# The last-seen time is written at most once a minute: a request in the same minute changes
# nothing in the session, so it costs no query.
LAST_SEEN_RESOLUTION = 60

# Never kept: the CSRF token (a fresh one is given) and anything that looks like a password.
NEVER_KEPT_FIELDS = {"csrfmiddlewaretoken"}


def client_ip(request) -> str:
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def signin_open(session, *, user, has_device: bool, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    if has_device:
        session[SECOND_FACTOR_PENDING] = True
    kept = session.get(KEPT_POST)
    if kept is not None and kept["user"] != user.pk:
        # Someone else signs in on this browser: the form is not theirs to see.
        del session[KEPT_POST]


def signin_ended(session, *, now: float | None = None) -> str | None:
    """'idle' or 'max_age' when the signed-in session is over, None while it lasts."""
    now = time.time() if now is None else now
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN)
    if signed_in_at is None or last_seen is None:
        # A session from before these limits: they start now.
        session[SIGNED_IN_AT] = session[LAST_SEEN] = now
        return None
    if now - signed_in_at > settings.O2R_SESSION_MAX_AGE:
        return "max_age"
    if now - last_seen > settings.O2R_SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


def signin_touch(session, *, now: float | None = None, force: bool = False) -> None:
    now = time.time() if now is None else now
    if force or now - session.get(LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN] = now


def signin_remaining(session, *, now: float | None = None) -> dict[str, int]:
    """Seconds left before the idle end and before the absolute end."""
    now = time.time() if now is None else now
    last_seen = session.get(LAST_SEEN, now)
    signed_in_at = session.get(SIGNED_IN_AT, now)
    return {
        "idle": max(0, round(last_seen + settings.O2R_SESSION_IDLE_TIMEOUT - now)),
        "max_age": max(0, round(signed_in_at + settings.O2R_SESSION_MAX_AGE - now)),
    }


def kept_post_store(session, *, user_id: int, path: str, data, back_to: str) -> None:
    """Keeps the fields of a form posted after the session ended (not the files)."""
    fields = [
        [name, value]
        for name, values in data.lists()
        if name not in NEVER_KEPT_FIELDS and "password" not in name.lower()
        for value in values
    ]
    session[KEPT_POST] = {"user": user_id, "path": path, "fields": fields, "back_to": back_to}


def kept_post_for(session, user) -> dict | None:
    kept = session.get(KEPT_POST)
    if kept is None:
        return None
    if kept["user"] != user.pk:
        del session[KEPT_POST]
        return None
    return kept


def kept_post_sent(session, *, path: str) -> None:
    """The kept form has been posted again, where it was going: it is no longer kept."""
    kept = session.get(KEPT_POST)
    if kept is not None and kept["path"] == path:
        del session[KEPT_POST]


def kept_post_discard(session) -> None:
    session.pop(KEPT_POST, None)
