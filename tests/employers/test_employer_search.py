"""The company type-ahead (employers:typeahead) through the test client: the companies of the
user's territory only, by name or SIRET, ten at most, in a fixed number of queries; 404 to
those who may not read the companies; hostile queries never a 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from employers.views.search import TYPEAHEAD_LIMIT
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db

URL = reverse("employers:typeahead")


@pytest.fixture
def companies(coach):
    return {
        "bakery": EmployerFactory(
            name="Boulangerie Le Fournil d'Erdre", siret="73282932000074", created_by=coach
        ),
        "cleaning": EmployerFactory(name="Nettoyage Atlantique Services", created_by=coach),
        "elsewhere": EmployerFactory(
            name="Boulangerie de l'Estuaire", territory="Saint-Nazaire Agglo", created_by=coach
        ),
    }


def test_the_coach_finds_companies_of_her_territory_by_name_or_siret(client, coach, companies):
    client.force_login(coach)
    response = client.get(URL, {"q": "boulang"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Boulangerie Le Fournil d&#x27;Erdre" in body and "Estuaire" not in body
    assert f'value="{companies["bakery"].pk}"' in body
    assert 'class="list-group-item list-group-item-action' in body and "o2r-touch" in body
    # The form's own input, as htmx sends it; accents and case do not matter.
    body = client.get(URL, {"employer_q": "NETTOYAGE atlantique"}).content.decode()
    assert "Nettoyage Atlantique Services" in body
    body = client.get(URL, {"q": "732 829"}).content.decode()
    assert "Boulangerie Le Fournil" in body and "Nettoyage" not in body


def test_too_short_or_unknown_says_so(client, coach, companies):
    client.force_login(coach)
    assert "Tapez au moins 2 lettres" in client.get(URL, {"q": "b"}).content.decode()
    body = client.get(URL, {"q": "plomberie"}).content.decode()
    assert "Aucune entreprise de votre territoire ne correspond à « plomberie »" in body


def test_ten_results_at_most_in_a_fixed_number_of_queries(client, coach):
    client.force_login(coach)
    EmployerFactory.create_batch(3, name="Propreté Ouest", created_by=coach)
    client.get(URL, {"q": "proprete"})

    def measured():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"q": "proprete"})
        return len(queries), response.content.decode()

    few_queries, few = measured()
    assert few.count('name="employer_pick"') == 3 and "D'autres entreprises" not in few
    EmployerFactory.create_batch(30, name="Propreté Ouest", created_by=coach)
    many_queries, many = measured()
    assert many.count('name="employer_pick"') == TYPEAHEAD_LIMIT
    assert "D'autres entreprises correspondent" in many
    assert many_queries == few_queries


def test_the_outsider_finds_those_of_her_territory_only(client, outsider, companies):
    client.force_login(outsider)
    response = client.get(URL, {"q": "boulangerie"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Boulangerie de l&#x27;Estuaire" in body and "Fournil" not in body


@pytest.mark.parametrize("member", ["staff", "administrator"])
def test_those_who_may_not_read_companies_get_404(client, cast, member, companies):
    client.force_login(cast[member])
    assert client.get(URL, {"q": "boulangerie"}).status_code == 404


def test_only_reads(client, coach):
    client.force_login(coach)
    assert client.post(URL, {"q": "boulangerie"}).status_code == 405


@pytest.mark.parametrize(
    "query", ["x" * 100_000, "\x00", "bou\x00lang", "' OR 1=1 --", "%", "_", "   ", "0" * 50]
)
def test_hostile_queries_are_never_a_500(client, coach, companies, query):
    client.force_login(coach)
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert "Estuaire" not in response.content.decode()
