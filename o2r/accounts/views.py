import base64
import math

import segno
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib import messages
from django.db import transaction
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from o2r.access import mfa_required

from . import signin
from .forms import CodeForm
from .security import axes_username


def _next_url(request, default="home"):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def _confirmed_device(user, *, for_verify=False):
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=True)
    if for_verify:
        devices = devices.select_for_update()
    return devices.first()


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """After the password, the code of the user's authenticator app."""
    if not request.session.get(signin.SECOND_FACTOR_PENDING):
        return redirect(_next_url(request))
    with transaction.atomic():
        device = _confirmed_device(request.user, for_verify=request.method == "POST")
        if device is None:  # removed by an administrator since the password was given
            del request.session[signin.SECOND_FACTOR_PENDING]
            return redirect(_next_url(request))
        form = CodeForm(request.POST or None, device=device)
        if request.method == "POST" and form.is_valid():
            otp_login(request, device)
            del request.session[signin.SECOND_FACTOR_PENDING]
            signin.security_log.info(
                "second factor ok user=%s ip=%s", request.user.pk, signin.client_ip(request)
            )
            return redirect(_next_url(request))
    if request.method == "POST":
        signin.security_log.warning(
            "second factor failed user=%s ip=%s", request.user.pk, signin.client_ip(request)
        )
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _next_url(request, "")}
    )


@require_http_methods(["GET", "POST"])
def mfa(request):
    """Double authentification: set up an authenticator app, or turn it off, with a code."""
    user = request.user
    required = mfa_required(user)
    with transaction.atomic():
        device = _confirmed_device(user, for_verify=request.method == "POST")
        if device is not None:
            form = CodeForm(request.POST or None, device=device)
            if request.method == "POST" and form.is_valid():
                TOTPDevice.objects.filter(user=user).delete()
                signin.security_log.info("second factor removed user=%s", user.pk)
                messages.success(request, "La double authentification est désactivée.")
                return redirect("accounts:mfa")
            return render(
                request,
                "accounts/mfa.html",
                {"device": device, "form": form, "required": required},
            )

        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is None:
            pending = TOTPDevice.objects.create(
                user=user, name="Application d'authentification", confirmed=False
            )
        form = CodeForm(request.POST or None, device=pending)
        if request.method == "POST" and form.is_valid():
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            otp_login(request, pending)
            request.session.pop(signin.SECOND_FACTOR_PENDING, None)
            signin.security_log.info("second factor set up user=%s", user.pk)
            messages.success(
                request,
                "La double authentification est activée : à chaque connexion, un code vous "
                "sera demandé après votre mot de passe.",
            )
            return redirect(_next_url(request, "accounts:mfa"))
    secret = base64.b32encode(pending.bin_key).decode()
    return render(
        request,
        "accounts/mfa.html",
        {
            "form": form,
            "required": required,
            "qr_code": segno.make(pending.config_url, error="m").svg_data_uri(scale=5),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request, ""),
        },
    )


@require_POST
def keepalive(request):
    """'Rester connecté': the idle clock starts again."""
    signin.signin_touch(request.session, force=True)
    return JsonResponse(signin.signin_remaining(request.session))


@require_http_methods(["GET", "POST"])
def kept_post(request):
    """A form posted after the session ended, offered again to the user who typed it."""
    kept = signin.kept_post_for(request.session, request.user)
    if kept is None:
        return redirect("home")
    if request.method == "POST":  # "Ne pas envoyer"
        signin.kept_post_discard(request.session)
        messages.info(request, "Votre saisie n'a pas été envoyée.")
        return redirect(kept["back_to"])
    return render(request, "registration/kept_post.html", {"kept": kept})


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page shown once an address and an account have had too many
    failed passwords; it says when to try again."""
    cool_off = get_cool_off(request)
    last_failure = AccessAttempt.objects.filter(
        username=axes_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last_failure or timezone.now()) + cool_off
    minutes = max(1, math.ceil((retry_at - timezone.now()).total_seconds() / 60))
    return render(
        request,
        "registration/locked_out.html",
        {"retry_at": timezone.localtime(retry_at), "minutes": minutes},
        status=429,
    )
