"""Sign-in events written to the `o2r.security` log (never a password, never a code), and the
hooks django-axes calls. Axes keeps its own rows (attempts, successes, failures) in the
database; they are purged after 12 months (`services.sign_in_logs_purge`)."""

from axes.models import AccessAttempt, AccessBase
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Sum
from django.dispatch import receiver
from django.utils import timezone
from django_otp import user_has_device

from .models import User
from .signin import client_ip, security_log, signin_open


def axes_username(request, credentials):
    """The address as the login form compares it (any case, spaces around): otherwise
    `Samia@…` and `samia@…` would be two accounts to the lock-out."""
    if credentials and "username" in credentials:
        username = credentials["username"]
    else:
        username = request.POST.get("username", "")
    return str(username or "").replace("\x00", "").strip().lower()[:254]


def axes_lockout_parameters(request_or_attempt, credentials=None):
    """What a lock-out holds on (AXES_LOCKOUT_PARAMETERS): the account and the address
    together, so that one office network never locks out a whole team; and the account alone,
    from every address, once it has failed O2R_LOGIN_ACCOUNT_FAILURE_LIMIT times within the
    cool-off from any number of addresses (guessing spread over many addresses)."""
    if isinstance(request_or_attempt, AccessBase):
        username = request_or_attempt.username
    else:
        username = axes_username(request_or_attempt, credentials)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    if (failures or 0) >= settings.O2R_LOGIN_ACCOUNT_FAILURE_LIMIT:
        return ["username"]
    return [["username", "ip_address"]]


@receiver(user_logged_in, dispatch_uid="o2r_signin_open")
def _signed_in(sender, request, user, **kwargs):
    has_device = user_has_device(user)
    signin_open(request.session, user=user, has_device=has_device)
    security_log.info(
        "login user=%s ip=%s second_factor=%s",
        user.pk,
        client_ip(request),
        "pending" if has_device else "none",
    )


@receiver(user_logged_out, dispatch_uid="o2r_signin_close")
def _signed_out(sender, request, user, **kwargs):
    security_log.info("logout user=%s ip=%s", getattr(user, "pk", None), client_ip(request))


def _account(username):
    """The account an address names, as its id, or "unknown": never the typed text, which
    may be a password typed in the wrong field."""
    user = User.objects.filter(email__iexact=username).only("pk").first() if username else None
    return str(user.pk) if user else "unknown"


@receiver(user_login_failed, dispatch_uid="o2r_signin_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    security_log.warning(
        "login failed user=%s ip=%s",
        _account(axes_username(request, credentials)) if request is not None else "unknown",
        client_ip(request) if request is not None else "",
    )


@receiver(user_locked_out, dispatch_uid="o2r_signin_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    security_log.warning("lockout user=%s ip=%s", _account(username), ip_address)
