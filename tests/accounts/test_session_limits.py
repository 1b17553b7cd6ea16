"""Sessions end after 30 minutes idle and 12 hours in all; a form posted after the end is kept
and offered again to the same user after she signs in."""

import datetime as dt
import html

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from o2r.accounts.services import sign_in_logs_purge
from tests.accounts.factories import TEST_PASSWORD

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
NOTE = "/essai/note/"


@pytest.fixture(autouse=True)
def _note_form(settings):
    settings.ROOT_URLCONF = "tests.accounts.urls"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def sign_in(client, user, next_url=""):
    response = client.post(
        reverse("login") + (f"?next={next_url}" if next_url else ""),
        {"username": user.email, "password": TEST_PASSWORD, "next": next_url},
    )
    assert response.status_code == 302, response.content
    return response


def text(response):
    return html.unescape(response.content.decode())


# --- Idle and absolute end -------------------------------------------------------------------


def test_29_minutes_idle_is_fine_31_is_the_end(client, officer, clock):
    client.force_login(officer)
    clock.shift(dt.timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(dt.timedelta(minutes=29))  # counted from the last request
    assert client.get(reverse("home")).status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/"
    login_page = client.get(response["Location"])
    assert "Votre session a pris fin après une période sans activité" in text(login_page)


def test_twelve_hours_in_all_even_when_active(client, officer, clock):
    client.force_login(officer)
    for _ in range(11 * 4 + 3):  # every 15 minutes for 11 h 45
        clock.shift(dt.timedelta(minutes=15))
        assert client.get(reverse("home")).status_code == 200
    clock.shift(dt.timedelta(minutes=16))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "durée maximale" in text(client.get(response["Location"]))


def test_keepalive_restarts_the_idle_clock(client, officer, clock):
    client.force_login(officer)
    clock.shift(dt.timedelta(minutes=26))
    response = client.post(reverse("accounts:keepalive"))
    assert response.status_code == 200
    assert response.json() == {"idle": 1800, "max_age": 12 * 3600 - 26 * 60}
    clock.shift(dt.timedelta(minutes=26))
    assert client.get(reverse("home")).status_code == 200


def test_keepalive_after_the_end_does_not_revive_the_session(client, officer, clock):
    client.force_login(officer)
    clock.shift(dt.timedelta(minutes=31))
    response = client.post(reverse("accounts:keepalive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


def test_keepalive_is_a_post(client, officer):
    client.force_login(officer)
    assert client.get(reverse("accounts:keepalive")).status_code == 405


def test_the_page_tells_the_script_when_to_warn(client, officer, clock):
    client.force_login(officer)
    clock.shift(dt.timedelta(minutes=10))
    body = client.get(reverse("home")).content.decode()
    assert 'data-session-idle="1800"' in body
    assert f'data-session-max-age="{12 * 3600 - 600}"' in body
    assert 'data-session-warning="300"' in body
    assert f'data-session-keepalive-url="{reverse("accounts:keepalive")}"' in body
    assert "Votre session va expirer dans 5 minutes" in body
    assert "Rester connecté" in body


def test_htmx_answers_carry_the_remaining_time(client, officer, clock):
    client.force_login(officer)
    clock.shift(dt.timedelta(minutes=2))
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response["O2R-Session-Idle"] == "1800"
    assert response["O2R-Session-Max-Age"] == str(12 * 3600 - 120)


def test_no_warning_on_the_login_page(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "data-session-idle" not in body
    assert "o2r-session-warning" not in body


def test_settings_change_the_lengths(client, officer, clock, settings):
    settings.O2R_SESSION_IDLE_TIMEOUT = 120
    client.force_login(officer)
    clock.shift(dt.timedelta(minutes=3))
    assert client.get(reverse("home")).status_code == 302


# --- A form posted after the end -------------------------------------------------------------


def _post_after_expiry(client, user, clock, **extra):
    client.force_login(user)
    assert client.get(NOTE).status_code == 200
    clock.shift(dt.timedelta(hours=1))  # an hour in the hall with the residents
    return client.post(
        NOTE,
        {
            "body": "Rencontré M. Keita : <b>motivé</b> & disponible",
            "tags": ["cv", "mobilité"],
            "new_password": "ne doit pas être gardé",
        },
        **extra,
    )


def test_the_form_is_kept_and_finished_by_the_same_user(client, officer, clock):
    response = _post_after_expiry(client, officer, clock)
    kept_url = reverse("accounts:kept_post")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + f"?next={kept_url.replace('/', '%2F')}"

    login_page = client.get(response["Location"])
    assert "Votre session a pris fin" in text(login_page)
    assert sign_in(client, officer, next_url=kept_url)["Location"] == kept_url

    page = client.get(kept_url)
    body = page.content.decode()
    assert "Votre saisie a été conservée" in text(page)
    assert f'action="{NOTE}"' in body
    assert 'value="Rencontré M. Keita : &lt;b&gt;motivé&lt;/b&gt; &amp; disponible"' in body
    assert 'name="tags" value="cv"' in body and 'name="tags" value="mobilité"' in body
    assert "ne doit pas être gardé" not in body
    assert body.count('name="csrfmiddlewaretoken"') >= 1

    # The button posts the fields to the original URL, with the fresh token of the page.
    client.handler.enforce_csrf_checks = True
    token = client.cookies["csrftoken"].value
    replay = client.post(
        NOTE,
        {
            "csrfmiddlewaretoken": token,
            "body": "Rencontré M. Keita : <b>motivé</b> & disponible",
            "tags": ["cv", "mobilité"],
        },
    )
    assert replay.status_code == 200
    assert replay.json()["user"] == officer.pk
    # Sent: no longer offered.
    assert client.get(kept_url)["Location"] == reverse("home")


def test_another_user_signing_in_on_that_phone_never_sees_it(client, officer, coach, clock):
    _post_after_expiry(client, officer, clock)
    kept_url = reverse("accounts:kept_post")
    sign_in(client, coach, next_url=kept_url)
    response = client.get(kept_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "o2r_kept_post" not in client.session
    # Nor does the officer herself afterwards: it was discarded.
    client.post(reverse("logout"))
    sign_in(client, officer)
    assert client.get(kept_url)["Location"] == reverse("home")


def test_an_htmx_post_is_kept_too(client, officer, clock):
    response = _post_after_expiry(
        client,
        officer,
        clock,
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/residents/12/"},
    )
    kept_url = reverse("accounts:kept_post")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("login") + f"?next={kept_url.replace('/', '%2F')}"
    sign_in(client, officer, next_url=kept_url)
    page = client.get(kept_url)
    assert "Votre saisie a été conservée" in text(page)
    # "Ne pas l'envoyer" goes back to the page she was on.
    discard = client.post(kept_url)
    assert discard["Location"] == "/residents/12/"
    assert client.get(kept_url)["Location"] == reverse("home")


def test_the_kept_form_waits_for_the_second_factor(client, officer, clock):
    _post_after_expiry(client, officer, clock)
    device = TOTPDevice.objects.create(user=officer, name="Téléphone", confirmed=True)
    kept_url = reverse("accounts:kept_post")
    sign_in(client, officer, next_url=kept_url)
    assert client.get(kept_url)["Location"].startswith(reverse("accounts:otp_verify"))
    code = str(totp(device.bin_key)).zfill(6)
    verified = client.post(reverse("accounts:otp_verify"), {"code": code, "next": kept_url})
    assert verified["Location"] == kept_url
    assert "Votre saisie a été conservée" in text(client.get(kept_url))


def test_a_get_after_the_end_keeps_nothing(client, officer, clock):
    client.force_login(officer)
    clock.shift(dt.timedelta(hours=1))
    client.get(NOTE)
    assert "o2r_kept_post" not in client.session


def test_a_post_without_its_csrf_token_is_not_kept(client, officer, clock):
    client.handler.enforce_csrf_checks = True
    client.force_login(officer)
    clock.shift(dt.timedelta(hours=1))
    assert client.post(NOTE, {"body": "forgé ailleurs"}).status_code == 403
    assert "o2r_kept_post" not in client.session


# --- Retention -------------------------------------------------------------------------------


def test_sign_in_records_are_purged_after_12_months(client, officer, clock, settings):
    client.post(reverse("login"), {"username": officer.email, "password": "faux"})
    sign_in(client, officer)
    assert AccessLog.objects.count() == 1 and AccessFailureLog.objects.count() == 1
    clock.shift(dt.timedelta(days=364))
    assert sign_in_logs_purge() == 0
    clock.shift(dt.timedelta(days=3))
    # The success and the failure; the attempt went when the right password came.
    assert sign_in_logs_purge() == 2
    assert not AccessLog.objects.exists() and not AccessFailureLog.objects.exists()
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-purge-sign-in-logs"]
    assert entry["task"] == "o2r.accounts.tasks.purge_sign_in_logs"
    assert 2 not in entry["schedule"].hour
