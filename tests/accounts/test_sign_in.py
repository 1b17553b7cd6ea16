"""Passwords and the throttling of logins (django-axes, by account and address together)."""

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.accounts.factories import TEST_PASSWORD

OFFICE = "192.0.2.10"  # one office network: the whole team shares this address
ELSEWHERE = "198.51.100.7"


def _try(client, email, password, ip=OFFICE):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client, email, times, ip=OFFICE):
    for _ in range(times):
        response = _try(client, email, "pas le bon mot de passe", ip=ip)
    return response


# --- Passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (
            "court-2026",
            "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères.",
        ),
        ("telechargement", "Ce mot de passe est trop courant."),
        ("123456789012345", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_password_rules_in_french(password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert message in refused.value.messages


def test_a_long_uncommon_password_is_accepted():
    validate_password("le chat de la résidence dort")


def test_no_forced_periodic_password_change(settings):
    # ASVS 5.0 and the CNIL: a password is changed on suspicion, never on a calendar.
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert "MinimumLengthValidator" in names and "CommonPasswordValidator" in names
    assert not any("expir" in setting.lower() for setting in dir(settings))


def test_password_change_refuses_a_short_password_in_french(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "court", "new_password2": "court"},
    )
    assert response.status_code == 200
    assert "au minimum 12 caractères" in response.content.decode()


# --- Throttling ------------------------------------------------------------------------------


def test_four_failures_still_let_the_right_password_in(client, officer):
    _fail(client, officer.email, 4)
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 302


def test_five_failures_lock_the_account_from_this_address_with_a_french_page(
    client, officer, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)
    response = _fail(client, officer.email, 5)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Connexion suspendue" in body
    # 10:00 UTC is 11:00 in Paris; the cool-off is 15 minutes.
    assert "à partir de 11:15, dans 15 minutes" in body
    # Even the right password is refused now, from this address.
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_out_page_says_the_same_time_on_a_later_try(client, officer, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)
    _fail(client, officer.email, 5)
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 6, tzinfo=dt.UTC), tick=False)
    body = _try(client, officer.email, TEST_PASSWORD).content.decode()
    assert "à partir de 11:15, dans 9 minutes" in body


def test_a_colleague_on_the_same_office_network_is_not_locked_out(client, officer, coach):
    _fail(client, officer.email, 5)
    assert _try(client, coach.email, TEST_PASSWORD).status_code == 302


def test_the_same_account_from_another_address_is_not_locked_out(client, officer):
    _fail(client, officer.email, 5)
    assert _try(client, officer.email, TEST_PASSWORD, ip=ELSEWHERE).status_code == 302


def test_guessing_spread_over_many_addresses_locks_the_account_everywhere(client, officer, coach):
    # Each address is locked out after 5; past 20 failures from any addresses within the
    # cool-off, the account is locked from every address (ASVS: per account, not per IP).
    for index in range(4):
        assert _fail(client, officer.email, 5, ip=f"203.0.113.{index + 1}").status_code == 429
    assert _try(client, officer.email, TEST_PASSWORD, ip=ELSEWHERE).status_code == 429
    # The team is not: another account from those addresses and from the office signs in.
    assert _try(client, coach.email, TEST_PASSWORD, ip="203.0.113.1").status_code == 302


def test_fewer_failures_from_many_addresses_lock_nothing_elsewhere(client, officer):
    for index in range(3):
        _fail(client, officer.email, 5, ip=f"203.0.113.{index + 1}")
    assert _try(client, officer.email, TEST_PASSWORD, ip=ELSEWHERE).status_code == 302


def test_the_case_of_the_address_does_not_get_around_the_lock_out(client, officer):
    for email in ["samia.benali@adoma.test", "SAMIA.BENALI@adoma.test", " Samia.Benali@ADOMA.test"]:
        _try(client, email, "faux")
    _fail(client, officer.email.upper(), 2)
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 429


def test_the_lock_out_ends_after_15_minutes(client, officer, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)
    _fail(client, officer.email, 5)
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 14, tzinfo=dt.UTC), tick=False)
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 429
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 16, tzinfo=dt.UTC), tick=False)
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, officer):
    _fail(client, officer.email, 4)
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert _fail(client, officer.email, 4).status_code == 200
    assert _try(client, officer.email, TEST_PASSWORD).status_code == 302


def test_force_login_still_works(client, officer):
    client.force_login(officer)
    assert client.get(reverse("home")).status_code == 200


# --- What is recorded ------------------------------------------------------------------------


def test_logins_failures_and_lock_outs_are_recorded_without_the_password(client, officer, caplog):
    caplog.set_level(logging.INFO, logger="o2r.security")
    _try(client, officer.email, TEST_PASSWORD)
    client.post(reverse("logout"))
    _fail(client, officer.email, 5)

    assert AccessLog.objects.filter(username=officer.email).count() == 1
    failures = AccessFailureLog.objects.filter(username=officer.email)
    assert failures.count() == 5
    assert failures.filter(locked_out=True).count() == 1
    assert "pas le bon" not in AccessAttempt.objects.get().post_data

    lines = [r.getMessage() for r in caplog.records if r.name == "o2r.security"]
    assert any(line.startswith(f"login user={officer.pk}") for line in lines)
    assert any(line.startswith(f"logout user={officer.pk}") for line in lines)
    assert sum(line.startswith("login failed") for line in lines) == 5
    assert any(line.startswith("lockout") for line in lines)
    assert not any(TEST_PASSWORD in line or "pas le bon" in line for line in lines)
