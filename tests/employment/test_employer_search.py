"""The company field of the coach's forms (the contact with an employer, the hire found
alone): a search box, never a list of the territory's companies. The pages weigh the same
and run the same queries with 3 companies or 60; the id sent is checked against the
companies of the coach's territory (a forged one, garbage: a French message beside the field,
never a 500); a name typed and not picked comes back with the companies found, to tick
(what a browser without JavaScript relies on); a refused submission keeps the company chosen;
the hire form lists the chosen employer's openings only."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employment.forms.accompaniment import EMPLOYER_MISSING, EMPLOYER_UNKNOWN
from employment.models import CoachContact, Placement
from tests.employers.factories import EmployerFactory, JobOpeningFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["x" * 100_000, "\x00", "-1", "1.5", "99999999999999999999", "' OR 1=1 --", "[]"]


@pytest.fixture
def coach_client(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def elsewhere(coach):
    """A company of another territory, out of the coach's reach."""
    return EmployerFactory(
        name="Chantiers de l'Estuaire", territory="Saint-Nazaire Agglo", created_by=coach
    )


def _accompaniment_url(accompaniment):
    return reverse("employment:accompaniment", args=[accompaniment.pk])


def _contact_url(accompaniment):
    return reverse("employment:contact_add", args=[accompaniment.pk])


def _hire_url(accompaniment):
    return reverse("employment:placement_add", args=[accompaniment.pk])


def _contact(**data):
    now = timezone.localtime()
    return {
        "token": str(uuid.uuid4()),
        "with_whom": "employer",
        "channel": "phone",
        "on": now.date().isoformat(),
        "at_time": now.strftime("%H:%M"),
        "summary": "Point sur le poste du matin.",
        **data,
    }


def _hire(**data):
    return {
        "token": str(uuid.uuid4()),
        "job_title": "Agent de propreté",
        "contract_type": "cdi",
        "start_on": timezone.localdate().isoformat(),
        "weekly_hours": "35",
        **data,
    }


def _measured(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content)


def _more_companies(coach, count):
    for employer in EmployerFactory.create_batch(count, created_by=coach):
        JobOpeningFactory.create_batch(2, employer=employer)


# --- Nothing grows with the territory's companies -------------------------------------------


@pytest.mark.parametrize("page", ["accompaniment", "placement_add"])
def test_the_pages_do_not_grow_with_the_territorys_companies(
    coach_client, coach, accompaniment, page
):
    url = reverse(f"employment:{page}", args=[accompaniment.pk])
    _more_companies(coach, 3)
    coach_client.get(url)  # the session and the caches, as on any visit
    queries, size = _measured(coach_client, url)
    _more_companies(coach, 57)
    # The same queries and the same page with 60 companies and 120 openings as with 3 and 6.
    assert _measured(coach_client, url) == (queries, size)


def test_the_contact_form_offers_a_search_box_and_no_list(coach_client, accompaniment, employer):
    body = coach_client.get(_accompaniment_url(accompaniment)).content.decode()
    assert '<select name="employer"' not in body and employer.name not in body
    assert 'name="employer_q"' in body and reverse("employers:typeahead") in body
    assert '<label class="form-label" for="contact_employer_q">Entreprise</label>' in body
    assert 'aria-controls="contact_employer_q-resultats"' in body
    assert "js/employer-search.js" in body


# --- The contact form -----------------------------------------------------------------------


def test_a_company_picked_is_the_contacts(coach_client, accompaniment, employer):
    # Ticked among the results (no script), or the hidden id the script fills.
    for data in [
        {"employer_q": "atlan", "employer_pick": employer.pk},
        {"employer_q": "Net'Atlantique (Nantes)", "employer": employer.pk},
        {"employer_q": "", "employer": employer.pk},  # an id sent alone stands
    ]:
        response = coach_client.post(_contact_url(accompaniment), _contact(**data))
        assert response.status_code == 302, data
    assert [c.employer for c in CoachContact.objects.all()] == [employer] * 3


def test_a_company_of_another_territory_is_refused_beside_the_field(
    coach_client, accompaniment, elsewhere
):
    for data in [
        {"employer_q": "Chantiers", "employer_pick": elsewhere.pk},
        {"employer": elsewhere.pk},
    ]:
        response = coach_client.post(_contact_url(accompaniment), _contact(**data))
        assert response.status_code == 200
        form = response.context["contact_form"]
        assert form.errors["employer"] == [EMPLOYER_UNKNOWN]
        body = response.content.decode()
        assert "de votre territoire ou n&#x27;existe plus" in body
        # A screen reader hears the message with the field: its id is in aria-describedby.
        field = re.search(r'<input type="search"[^>]*>', body)[0]
        described = re.search(r'aria-describedby="([^"]*)"', field)[1].split()
        error = re.search(r'<div id="([^"]*-erreur)">\s*<div class="invalid-feedback', body)[1]
        assert error in described
        # Its name is not echoed back, and it is not kept as chosen.
        assert "Chantiers de l" not in body.split('id="contenu"')[1]
        assert response.context["employer_box"]["chosen"] is None
    assert not CoachContact.objects.exists()


def test_garbage_ids_are_refused_in_french_never_a_500(coach_client, accompaniment):
    for value in HOSTILE:
        for name in ("employer", "employer_pick", "employer_q"):
            response = coach_client.post(_contact_url(accompaniment), _contact(**{name: value}))
            assert response.status_code == 200, (name, value[:20])
            errors = response.context["contact_form"].errors
            assert errors.get("employer") or errors.get("employer_q"), (name, value[:20])
    assert not CoachContact.objects.exists()


def test_a_name_typed_and_not_picked_comes_back_with_the_companies_found(
    coach_client, accompaniment, employer, elsewhere
):
    EmployerFactory(name="Atlantique Intérim", created_by=employer.created_by)
    response = coach_client.post(
        _contact_url(accompaniment), _contact(employer_q="atlantique", summary="Rappeler lundi")
    )
    assert response.status_code == 200
    assert response.context["contact_form"].errors["employer"] == [EMPLOYER_MISSING]
    body = response.content.decode()
    # What was typed is kept; the companies found are there to tick, those of her territory.
    assert 'value="atlantique"' in body and "Rappeler lundi" in body
    assert body.count('name="employer_pick"') == 2 and f'value="{employer.pk}"' in body
    assert "Atlantique Intérim" in body and "Chantiers de l" not in body
    assert not CoachContact.objects.exists()


def test_a_name_typed_over_the_chosen_company_is_a_new_search(
    coach_client, accompaniment, employer
):
    response = coach_client.post(
        _contact_url(accompaniment), _contact(employer_q="boulangerie", employer=employer.pk)
    )
    assert response.context["contact_form"].errors["employer"] == [EMPLOYER_MISSING]
    assert not CoachContact.objects.exists()


def test_a_refused_contact_keeps_the_company_chosen(coach_client, accompaniment, employer):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = coach_client.post(
        _contact_url(accompaniment),
        _contact(employer_q="atlan", employer_pick=employer.pk, on=tomorrow),
    )
    assert response.status_code == 200
    assert response.context["contact_form"].errors["on"]
    assert response.context["employer_box"]["chosen"] == employer
    body = response.content.decode()
    assert re.search(rf'name="employer"\s+value="{employer.pk}"', body)
    assert 'value="Net&#x27;Atlantique (Nantes)"' in body  # in the box, as picked
    assert "Entreprise choisie : <strong data-o2r-employer-label>Net&#x27;Atlantique" in body
    # Sent again as it comes back (the search box holds the company's name): saved.
    data = _contact(employer_q="Net'Atlantique (Nantes)", employer=employer.pk)
    assert coach_client.post(_contact_url(accompaniment), data).status_code == 302
    assert CoachContact.objects.get().employer == employer


# --- The hire form --------------------------------------------------------------------------


def test_the_hire_form_lists_the_chosen_employers_openings_only(
    coach_client, accompaniment, employer, coach
):
    JobOpeningFactory(employer=employer, title="Laveur de vitres")
    JobOpeningFactory(employer=EmployerFactory(created_by=coach), title="Boulanger de nuit")
    body = coach_client.get(_hire_url(accompaniment)).content.decode()
    assert "Laveur de vitres" not in body and "Boulanger de nuit" not in body
    assert "Ses offres ouvertes s'affichent une fois l'employeur choisi." in body
    # What the script asks once the employer is chosen: the list alone.
    response = coach_client.get(
        _hire_url(accompaniment), {"employer": employer.pk}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="offres-employeur"')
    assert "Laveur de vitres" in body and "Boulanger de nuit" not in body
    assert f'name="openings_of" value="{employer.pk}"' in body


def test_openings_asked_for_a_company_out_of_reach_are_none(coach_client, accompaniment, elsewhere):
    JobOpeningFactory(employer=elsewhere, title="Soudeur")
    for value in [elsewhere.pk, *HOSTILE]:
        response = coach_client.get(
            _hire_url(accompaniment), {"employer": value}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200, str(value)[:20]
        assert "Soudeur" not in response.content.decode()


def test_an_employer_picked_without_the_script_shows_its_openings_first(
    coach_client, accompaniment, employer
):
    JobOpeningFactory(employer=employer, title="Laveur de vitres")
    url = _hire_url(accompaniment)
    response = coach_client.post(url, _hire(employer_q="atlan", employer_pick=employer.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["opening"] == [
        "Net'Atlantique a des offres ouvertes : choisissez celle de l'embauche, ou « Sans offre »."
    ]
    body = response.content.decode()
    assert "Laveur de vitres" in body and f'name="openings_of" value="{employer.pk}"' in body
    assert not Placement.objects.exists()
    # Once they were shown, "Sans offre" is an answer.
    shown = {"employer": employer.pk, "openings_of": employer.pk}
    assert coach_client.post(url, _hire(**shown)).status_code == 302
    assert Placement.objects.get().opening is None


def test_a_hire_with_an_employer_out_of_reach_or_garbage_is_refused(
    coach_client, accompaniment, elsewhere
):
    for value in [elsewhere.pk, *HOSTILE]:
        response = coach_client.post(_hire_url(accompaniment), _hire(employer=value))
        assert response.status_code == 200, str(value)[:20]
        assert response.context["form"].errors["employer"] == [EMPLOYER_UNKNOWN]
    assert not Placement.objects.exists()
