"""Session limits and the second factor, enforced on every view.

SessionLimitsMiddleware goes after CsrfViewMiddleware (a form is kept only once its CSRF token
is checked) and before LoginRequiredMiddleware (which then sends the signed-out user to the
login page). SecondFactorMiddleware goes after django_otp's OTPMiddleware and
LoginRequiredMiddleware."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from django_otp import user_has_device

from o2r.access import mfa_required

from . import signin

# Forms posted to these after the session ended are not kept: nothing to finish.
NOT_KEPT = {
    "logout",
    "password_change",
    "accounts:keepalive",
    "accounts:otp_verify",
    "accounts:mfa",
}
# What a signed-in user may open before giving the second factor...
BEFORE_CODE = {"logout", "accounts:otp_verify", "accounts:keepalive"}
# ...and before setting one up, when it is required of her profile.
BEFORE_SETUP = {"logout", "accounts:mfa", "accounts:keepalive"}

ENDED_MESSAGES = {
    "idle": "Votre session a pris fin après une période sans activité : reconnectez-vous.",
    "max_age": "Votre session a atteint sa durée maximale : reconnectez-vous.",
}


def _redirect(request, url_name):
    """To a page of the sign-in flow, then back where the user was going."""
    if request.htmx:
        back_to = request.htmx.current_url_abs_path or "/"
    else:
        back_to = request.get_full_path() if request.method == "GET" else "/"
    url = f"{reverse(url_name)}?{urlencode({'next': back_to})}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _page_of(request) -> str:
    """The page a form was posted from: htmx says it; otherwise the referrer, if ours."""
    if request.htmx:
        return request.htmx.current_url_abs_path or "/"
    referrer = urlsplit(request.headers.get("Referer", ""))
    if referrer.netloc == request.get_host() and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def _public(view_func) -> bool:
    return not getattr(view_func, "login_required", True)


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages refreshed by htmx tell o2r.js how long the session still lasts.
            remaining = signin.signin_remaining(request.session)
            response["O2R-Session-Idle"] = str(remaining["idle"])
            response["O2R-Session-Max-Age"] = str(remaining["max_age"])
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        ended = signin.signin_ended(request.session)
        if ended is None:
            signin.signin_touch(request.session)
            if request.method == "POST":
                signin.kept_post_sent(request.session, path=request.get_full_path())
            return None
        user_id = user.pk
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        logout(request)
        signin.security_log.info(
            "session ended user=%s reason=%s ip=%s", user_id, ended, signin.client_ip(request)
        )
        messages.info(request, ENDED_MESSAGES[ended])
        if request.method != "POST" or _public(view_func) or view_name in NOT_KEPT:
            return None  # LoginRequiredMiddleware sends her to the login page
        back_to = _page_of(request)
        signin.kept_post_store(
            request.session,
            user_id=user_id,
            path=request.get_full_path(),
            data=request.POST,
            back_to=back_to,
        )
        next_url = urlencode({"next": reverse("accounts:kept_post")})
        url = f"{resolve_url(settings.LOGIN_URL)}?{next_url}"
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


class SecondFactorMiddleware:
    """A user with a confirmed device gives a code after her password; a user whose profile
    requires a second factor (o2r.access.MFA_REQUIRED, when O2R_MFA_REQUIRED is on) sets one up
    before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or _public(view_func):
            return None
        view_name = request.resolver_match.view_name
        if request.session.get(signin.SECOND_FACTOR_PENDING):
            return None if view_name in BEFORE_CODE else _redirect(request, "accounts:otp_verify")
        if not settings.O2R_MFA_REQUIRED or user.is_verified() or not mfa_required(user):
            return None
        if user_has_device(user):
            # A device added while she was signed in (by an administrator): the code first.
            request.session[signin.SECOND_FACTOR_PENDING] = True
            return _redirect(request, "accounts:otp_verify")
        return None if view_name in BEFORE_SETUP else _redirect(request, "accounts:mfa")
