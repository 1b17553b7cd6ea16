import pytest
from django.urls import reverse

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def test_exact_csp_on_a_full_page(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == EXPECTED_CSP


def test_exact_csp_on_an_htmx_partial(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("worker_check"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="pings"')
    assert "<html" not in body
    assert response["Content-Security-Policy"] == EXPECTED_CSP


def test_exact_csp_on_the_404_page(client, officer):
    client.force_login(officer)
    response = client.get("/introuvable/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == EXPECTED_CSP


def test_exact_csp_on_the_login_page_too(client, db):
    assert client.get(reverse("login"))["Content-Security-Policy"] == EXPECTED_CSP


@pytest.mark.parametrize("url_name", ["login", "home"])
def test_no_inline_script_or_style(client, administrator, url_name):
    client.force_login(administrator)
    body = client.get(reverse(url_name)).content.decode()
    assert "<style" not in body
    assert " style=" not in body
    for chunk in body.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), chunk[:80]
    assert "onclick=" not in body


def test_htmx_is_told_not_to_inject_its_indicator_style(client, db):
    body = client.get(reverse("login")).content.decode()
    assert '"includeIndicatorStyles": false' in body


def test_healthz_is_exempt_from_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    assert client.get("/healthz").status_code == 200
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_security_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
