import pytest
from django.urls import reverse

from o2r.accounts.enums import Role
from tests.accounts.factories import TEST_PASSWORD


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def test_login_page_is_french_and_public(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="fr"' in body
    assert "Connexion" in body
    assert "Adresse e-mail" in body


def test_login_with_email_any_case_then_home(client, officer):
    response = client.post(
        reverse("login"), {"username": "Samia.Benali@ADOMA.test", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Bonjour Samia" in home.content.decode()


def test_wrong_password_says_so_in_french(client, officer):
    response = client.post(reverse("login"), {"username": officer.email, "password": "pas le bon"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "x" * 20_000, "password": "y" * 20_000},
        {"username": "a\x00b@o2r.test", "password": "\x00"},
        {"username": ["a", "b"], "password": "z"},
    ],
)
def test_login_garbage_never_500(client, db, data):
    response = client.post(reverse("login"), data)
    assert response.status_code == 200
    assert (
        "is-invalid" in response.content.decode()
        or "invalid-feedback" in response.content.decode()
        or "alert" in response.content.decode()
    )


def test_every_page_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_htmx_request_after_session_expiry_gets_hx_redirect(client, db):
    response = client.get(
        reverse("worker_check"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/systeme/worker/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/connexion/?next=%2Fsysteme%2Fworker%2F"
    assert response.content == b""


def test_logout_is_a_post(client, officer):
    client.force_login(officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "un-nouveau-mot-de-passe-2026",
            "new_password2": "un-nouveau-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("un-nouveau-mot-de-passe-2026")


def test_password_change_refusal_keeps_old_password(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "faux", "new_password1": "court", "new_password2": "autre"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre ancien mot de passe est incorrect" in body
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)


HOME_MARKERS = {
    "officer": "Mes résidences",
    "staff": "signaler à la chargée d'insertion",
    "coach": "Chargée de mission emploi",
    "adoma_manager": "Résidences suivies",
    "adelis_manager": "Vous consultez en lecture",
    "administrator": "Tâches de fond",
    "outsider": "Résidence Les Salines",
}


@pytest.mark.parametrize("member", HOME_MARKERS)
def test_home_page_per_role(client, cast, member):
    client.force_login(cast[member])
    body = client.get(reverse("home")).content.decode()
    assert HOME_MARKERS[member] in body


def test_officer_home_lists_her_residences_only(client, officer, other_territory_residence):
    client.force_login(officer)
    body = client.get(reverse("home")).content.decode()
    assert "Résidence Malakoff" in body
    assert "Résidence Les Salines" not in body


def test_navigation_by_role(client, cast):
    client.force_login(cast["administrator"])
    admin_body = client.get(reverse("home")).content.decode()
    assert reverse("worker_check") in admin_body
    assert reverse("admin:index") in admin_body
    client.force_login(cast["officer"])
    officer_body = client.get(reverse("home")).content.decode()
    assert reverse("worker_check") not in officer_body
    assert reverse("admin:index") not in officer_body


@pytest.mark.parametrize("member", ["officer", "staff", "coach", "adoma_manager", "outsider"])
def test_only_administrators_open_the_admin(client, cast, member):
    client.force_login(cast[member])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_administrator_opens_the_admin_in_french(client, cast):
    client.force_login(cast["administrator"])
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert "Utilisateurs" in response.content.decode()


def test_404_page_is_french(client, officer):
    client.force_login(officer)
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_403_page_is_french(client, officer, settings):
    # (The application answers 404 outside one's scope; Django's CSRF refusal is a 403.)
    settings.ROOT_URLCONF = "tests.core.urls_failing"
    client.force_login(officer)
    response = client.get("/refus/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_500_page_is_french(client, officer, settings):
    settings.ROOT_URLCONF = "tests.core.urls_failing"
    client.raise_request_exception = False
    client.force_login(officer)
    response = client.get("/panne/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_roles_are_the_five_of_the_design():
    assert set(Role.values) == {
        "insertion_officer",
        "residence_staff",
        "job_coach",
        "manager",
        "administrator",
    }


def test_favicon_without_login(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/img/favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    icon.close()  # a file response: close it, as the server does
