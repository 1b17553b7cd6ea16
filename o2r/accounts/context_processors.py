from django.conf import settings

from .signin import signin_remaining


def session_limits(request):
    """What o2r.js needs to warn before the session ends (data attributes on <body>)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "session_remaining": signin_remaining(request.session),
        "session_warning": settings.O2R_SESSION_WARNING,
        "session_warning_minutes": max(1, round(settings.O2R_SESSION_WARNING / 60)),
    }
