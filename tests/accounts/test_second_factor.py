"""The second factor (TOTP, django-otp): set up, asked after the password, required of some
profiles when O2R_MFA_REQUIRED is on."""

import base64
import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import TEST_PASSWORD

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def text(response):
    return html.unescape(response.content.decode())


def code(device):
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(6)


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)


def password_login(client, user, next_url=None):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": TEST_PASSWORD})


def test_set_up_with_a_qr_code_and_the_secret_then_confirm_with_a_code(client, officer, clock):
    client.force_login(officer)
    page = client.get(reverse("accounts:mfa"))
    body = text(page)
    assert "Double authentification" in body
    assert 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    assert re.sub(r"\s", "", re.search(r"<code[^>]*>([^<]+)</code>", body).group(1)) == secret

    wrong = client.post(reverse("accounts:mfa"), {"code": "000000"})
    assert "Ce code n'est pas le bon" in text(wrong)

    clock.shift(30)
    response = client.post(reverse("accounts:mfa"), {"code": code(device)}, follow=True)
    assert "La double authentification est activée" in text(response)
    device.refresh_from_db()
    assert device.confirmed


def test_the_navbar_offers_it_to_everyone(client, cast):
    for member in cast.values():
        client.force_login(member)
        assert reverse("accounts:mfa") in client.get(reverse("home")).content.decode()


def test_a_user_with_a_device_gives_a_code_after_her_password(client, officer, clock):
    device = confirmed_device(officer)
    response = password_login(client, officer, next_url="/rappels/")
    assert response["Location"] == "/rappels/"
    page = client.get("/rappels/")
    assert page.status_code == 302
    assert page["Location"] == reverse("accounts:otp_verify") + "?next=%2Frappels%2F"
    # Every other page waits for the code too, htmx ones included.
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:otp_verify"))
    htmx = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith(reverse("accounts:otp_verify"))

    verify = reverse("accounts:otp_verify") + "?next=%2Frappels%2F"
    form = client.get(verify)
    assert "Code de connexion" in text(form)
    wrong = client.post(verify, {"code": "123456", "next": "/rappels/"})
    assert "Ce code n'est pas le bon" in text(wrong)
    clock.shift(5)  # django-otp waits 1 s after a wrong code
    right = client.post(verify, {"code": code(device), "next": "/rappels/"})
    assert right.status_code == 302
    assert right["Location"] == "/rappels/"
    assert client.get(reverse("home")).status_code == 200


def test_wrong_codes_are_throttled(client, officer, clock):
    device = confirmed_device(officer)
    password_login(client, officer)
    verify = reverse("accounts:otp_verify")
    client.post(verify, {"code": "111111"})
    too_soon = client.post(verify, {"code": "222222"})
    assert "Trop de codes erronés : attendez 1 seconde avant" in text(too_soon)
    clock.shift(1)
    client.post(verify, {"code": "222222"})
    # Two failures: the next try must wait 2 seconds, even with the right code.
    refused = client.post(verify, {"code": code(device)})
    assert "Trop de codes erronés : attendez 2 secondes" in text(refused)
    clock.shift(3)
    assert client.post(verify, {"code": code(device)}).status_code == 302


def test_logout_is_possible_before_the_code(client, officer):
    confirmed_device(officer)
    password_login(client, officer)
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_a_user_without_a_device_signs_in_with_her_password_only(client, officer):
    password_login(client, officer)
    assert client.get(reverse("home")).status_code == 200


def test_disable_with_a_code(client, officer, clock):
    device = confirmed_device(officer)
    password_login(client, officer)
    client.post(reverse("accounts:otp_verify"), {"code": code(device)})
    clock.shift(30)
    refused = client.post(reverse("accounts:mfa"), {"code": "000000"})
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert "Ce code n'est pas le bon" in text(refused)
    clock.shift(30)
    response = client.post(reverse("accounts:mfa"), {"code": code(device)}, follow=True)
    assert "La double authentification est désactivée" in text(response)
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()


@pytest.mark.parametrize("member", ["adoma_manager", "adelis_manager", "administrator"])
def test_required_profiles_set_one_up_before_any_other_page(client, cast, member, settings):
    settings.O2R_MFA_REQUIRED = True
    client.force_login(cast[member])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:mfa") + "?next=%2F"
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:mfa"))
    page = client.get(reverse("accounts:mfa"))
    assert "obligatoire" in text(page)
    # Still reachable: logging out, the health check.
    assert client.get("/healthz").status_code in (200, 503)
    assert client.post(reverse("logout")).status_code == 302


def test_once_set_up_the_required_profile_opens_her_pages(client, administrator, settings, clock):
    settings.O2R_MFA_REQUIRED = True
    client.force_login(administrator)
    client.get(reverse("accounts:mfa"))
    device = TOTPDevice.objects.get(user=administrator)
    clock.shift(30)
    response = client.post(reverse("accounts:mfa"), {"code": code(device), "next": "/"})
    assert response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("member", ["officer", "staff", "coach", "outsider"])
def test_other_profiles_are_not_forced(client, cast, member, settings):
    settings.O2R_MFA_REQUIRED = True
    client.force_login(cast[member])
    assert client.get(reverse("home")).status_code == 200


def test_not_required_when_the_setting_is_off(client, administrator, settings):
    settings.O2R_MFA_REQUIRED = False
    client.force_login(administrator)
    assert client.get(reverse("home")).status_code == 200
