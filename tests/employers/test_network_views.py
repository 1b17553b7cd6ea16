"""The network screens through the test client: the list and the pipeline of the territory's
companies, a company's page, and its forms (create, edit, status, contacts, prospecting) with
bad input on each, refused submissions, double submissions and the query budgets."""

import datetime
import uuid

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from employers.enums import NetworkStatus, OpeningStatus, Sector
from employers.forms.network import (
    ContactAddForm,
    ContactEditForm,
    EmployerCreateForm,
    EmployerEditForm,
    ProspectingForm,
)
from employers.models import (
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
)
from employers.services import employer_name_key
from o2r.reminders.models import Reminder
from residents.normalise import fold
from tests.employers.factories import (
    EmployerContactFactory,
    EmployerFactory,
    JobOpeningFactory,
    ProspectingActionFactory,
    valid_siret,
)

pytestmark = pytest.mark.django_db

# Sent to every field of every form: nothing may fail, nothing wrong may be written. Each form
# has one test that, for each value, posts it to every field at once, then to the free texts at
# once, then alone to a few fields of each kind (a number, a date, a choice) through the whole
# view; alone in each of the other fields, it meets the form only
# (test_each_field_of_the_forms_sorts_hostile_values).
HOSTILE = ["x" * 100_000, "Bonjour\x00", "-1", "99999999999999999999", "' OR 1=1 --"]
# Free text: a hostile value is taken as typed, unless it holds a NUL or is too long. Every other
# field (a number, a date, a code, a choice, the token) refuses every hostile value.
FREE_TEXT = {"name", "address", "city", "description", "first_name", "last_name", "role",
             "summary", "next_step"}  # fmt: skip
COMPANY_FIELDS = ["name", "siret", "naf_code", "naf_version", "sector", "size_band", "postcode",
                  "city", "territory", "description", "address"]  # fmt: skip
CONTACT_FIELDS = ["first_name", "last_name", "role", "phone", "email"]
STEP_FIELDS = ["kind", "on", "at_time", "outcome", "contact", "summary", "next_step_on",
               "next_step", "token"]  # fmt: skip


def _harmless(form_class, field, value):
    """Whether `form_class` takes `value` in `field`: free text without a NUL, not too long."""
    if field not in FREE_TEXT:
        return False
    return "\x00" not in value and len(value) <= form_class.base_fields[field].max_length


def _posted(data):
    """`data` (one value a field) as a view reads it from a POST."""
    posted = QueryDict(mutable=True)
    posted.update(data)
    return posted


def _url(name, *args):
    return reverse(f"employers:{name}", args=args)


@pytest.fixture
def coach_client(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def fournil(coach):
    return EmployerFactory(
        name="Boulangerie Le Fournil d'Erdre",
        sector=Sector.HOSPITALITY,
        city="Nantes",
        created_by=coach,
        siret="73282932000074",
        naf_code="1071C",
    )


@pytest.fixture
def elsewhere(outsider):
    """A company of Saint-Nazaire, a territory the Nantes cast does not work on."""
    return EmployerFactory(
        name="Chantiers de l'Estuaire",
        city="Saint-Nazaire",
        territory="Saint-Nazaire Agglo",
        created_by=outsider,
    )


def _rows():
    return {
        "employers": Employer.objects.count(),
        "contacts": EmployerContact.objects.count(),
        "prospecting": ProspectingAction.objects.count(),
        "status_changes": EmployerStatusChange.objects.count(),
        "reminders": Reminder.objects.count(),
    }


def _snapshot(employer):
    employer.refresh_from_db()
    return {
        f: getattr(employer, f)
        for f in ("name", "siret", "naf_code", "city", "status", "owner_id", "description")
    }


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_the_territorys_companies_with_their_columns(
    coach_client, coach, fournil, elsewhere
):
    JobOpeningFactory(employer=fournil)
    JobOpeningFactory(
        employer=fournil,
        status=OpeningStatus.FILLED,
        closed_on=timezone.localdate(),
    )
    fournil.last_contact_at = timezone.make_aware(datetime.datetime(2026, 11, 26, 10, 0))
    fournil.save()
    response = coach_client.get(_url("list"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [fournil]
    assert rows[0].open_openings == 1
    body = response.content.decode()
    assert "Boulangerie Le Fournil d&#x27;Erdre" in body
    assert "Hôtellerie, restauration" in body and "26/11/2026" in body
    assert "Claire Moreau" in body and "À prospecter" in body
    assert "Nouvelle entreprise" in body
    assert "Chantiers de l" not in body


@pytest.mark.parametrize("query", ["fournil", "FOURNÎL erdre", "erdre boul", "7328293"])
def test_the_list_searches_folded_names_and_sirets(coach_client, fournil, coach, query):
    EmployerFactory(name="Nettoyage Atlantique Services", created_by=coach)
    response = coach_client.get(_url("list"), {"q": query})
    assert list(response.context["page"].object_list) == [fournil]


def test_the_list_filters_by_sector_status_owner_city_and_contact(
    coach_client, coach, adelis_manager, fournil
):
    cleaning = EmployerFactory(
        name="Nettoyage Atlantique Services",
        sector=Sector.CLEANING,
        status=NetworkStatus.MET,
        city="Saint-Herblain",
        created_by=adelis_manager,
        last_contact_at=timezone.now() - datetime.timedelta(days=10),
    )

    def names(**params):
        response = coach_client.get(_url("list"), params)
        return [e.name for e in response.context["page"].object_list]

    assert names(sector="cleaning") == [cleaning.name]
    assert names(status="prospect") == [fournil.name]
    assert names(owner=adelis_manager.pk) == [cleaning.name]
    assert names(city="st herblain") == [] and names(city="saint-herb") == [cleaning.name]
    assert names(no_contact="on") == [fournil.name]
    # The owners offered: those who may follow a company on the territory.
    form = coach_client.get(_url("list")).context["filter"].form
    assert set(form.fields["owner"].queryset) == {coach, adelis_manager}


def test_the_list_never_fails_on_hostile_parameters(coach_client, fournil):
    for params in [
        {"q": "x" * 100_000},
        {"q": "fournil\x00"},
        {"status": "zzz", "sector": "../../etc", "owner": "abc"},
        {"owner": "99999999999999999999", "page": "-1"},
        {"page": "abc", "no_contact": "maybe", "city": "\x00"},
        {"page": "99999"},
    ]:
        assert coach_client.get(_url("list"), params).status_code == 200, params


def test_the_list_pages_by_50_and_answers_htmx_with_the_results_only(coach_client, coach):
    Employer.objects.bulk_create(
        Employer(
            name=f"Entreprise {i:03d}",
            name_key=f"entreprise {i:03d}",
            city="Nantes",
            city_key="nantes",
            territory=coach.territory,
            sector=Sector.OTHER,
            created_by=coach,
        )
        for i in range(55)
    )
    page = coach_client.get(_url("list")).context["page"]
    assert (page.paginator.count, len(page.object_list), page.has_next()) == (55, 50, True)
    response = coach_client.get(_url("list"), {"page": 2}, headers={"HX-Request": "true"})
    assert response.context["page"].object_list[0].name == "Entreprise 050"
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "<form" not in body


def _many_employers(coach, count):
    employers = Employer.objects.bulk_create(
        Employer(
            name=f"Entreprise {i}",
            name_key=f"entreprise {i}",
            city="Nantes",
            city_key="nantes",
            territory=coach.territory,
            sector=Sector.CLEANING,
            status=[NetworkStatus.PROSPECT, NetworkStatus.MET][i % 2],
            created_by=coach,
            owner=coach,
            siret=valid_siret(1000 + i),
        )
        for i in range(count)
    )
    for employer in employers[:3]:
        JobOpeningFactory(employer=employer)
    return employers


@pytest.mark.parametrize("count", [5, 60])
def test_the_list_runs_a_fixed_number_of_queries(
    coach_client, coach, count, django_assert_num_queries
):
    _many_employers(coach, count)
    # session, user, the user's residences (territories), the owners offered by the filter,
    # the count, the page (+ owners), the page's open openings
    with django_assert_num_queries(7):
        response = coach_client.get(_url("list"))
    assert len(response.context["page"].object_list) == min(count, 50)


def test_the_officer_reads_the_list_without_the_create_button(client, officer, fournil):
    client.force_login(officer)
    response = client.get(_url("list"))
    assert list(response.context["page"].object_list) == [fournil]
    assert "Nouvelle entreprise" not in response.content.decode()


def test_the_outsider_sees_none_of_nantes_companies(client, outsider, fournil, elsewhere):
    client.force_login(outsider)
    assert list(client.get(_url("list")).context["page"].object_list) == [elsewhere]


# --- The pipeline ---------------------------------------------------------------------------


def test_the_pipeline_shows_columns_capped_with_a_link_to_the_rest(coach_client, coach):
    _many_employers(coach, 70)  # 35 prospects, 35 met
    EmployerFactory(name="Fermée", status=NetworkStatus.INACTIVE, created_by=coach)
    response = coach_client.get(_url("pipeline"))
    columns = {c["status"]: c for c in response.context["columns"]}
    assert [len(columns[s]["cards"]) for s in ("prospect", "contacted", "met", "partner")] == [
        30,
        0,
        30,
        0,
    ]
    assert columns["met"]["more"] == 5 and columns["met"]["total"] == 35
    assert response.context["inactive"] == 1
    body = response.content.decode()
    assert "+ 5 autres" in body and f"{_url('list')}?status=met" in body
    assert "Inactives (1)" in body and "col-lg-3" in body


def test_the_pipeline_puts_the_most_recently_contacted_first(coach_client, coach):
    _old, recent = EmployerFactory.create_batch(2, status=NetworkStatus.CONTACTED, created_by=coach)
    Employer.objects.filter(pk=recent.pk).update(last_contact_at=timezone.now())
    response = coach_client.get(_url("pipeline"))
    cards = next(c for c in response.context["columns"] if c["status"] == "contacted")["cards"]
    assert cards[0] == recent


@pytest.mark.parametrize("count", [5, 60])
def test_the_pipeline_runs_a_fixed_number_of_queries(
    coach_client, coach, count, django_assert_num_queries
):
    _many_employers(coach, count)
    # session, user, the user's residences (territories), counts by status, the cards
    # (+ owners), their open openings
    with django_assert_num_queries(6):
        coach_client.get(_url("pipeline"))


# --- Creating a company ---------------------------------------------------------------------


def _employer_data(**data):
    return {
        "name": "Restaurant Le Lieu Unique",
        "siret": "732 829 320 00074",
        "naf_code": "56.10a",
        "naf_version": "naf_rev2",
        "sector": "hospitality",
        "size_band": "10-49",
        "address": "2 quai Ferdinand Favre",
        "postcode": "44000",
        "city": "Nantes",
        "territory": "Nantes Métropole",
        "description": "Restaurant et bar, une trentaine de couverts le midi.",
        "token": str(uuid.uuid4()),
        **data,
    }


def test_a_coach_creates_a_company(coach_client, coach):
    form = coach_client.get(_url("create")).context["form"]
    # One territory: preselected, hidden.
    assert form.fields["territory"].widget.is_hidden
    response = coach_client.post(_url("create"), _employer_data())
    employer = Employer.objects.get()
    assert response.status_code == 302 and response["Location"] == employer.get_absolute_url()
    assert (employer.siret, employer.naf_code, employer.status) == (
        "73282932000074",
        "5610A",
        NetworkStatus.PROSPECT,
    )
    assert (employer.owner, employer.created_by, employer.territory) == (
        coach,
        coach,
        "Nantes Métropole",
    )
    assert employer.status_changes.count() == 1
    page = coach_client.get(response["Location"])
    body = page.content.decode()
    assert "entre dans le réseau" in body
    assert "732 829 320 00074" in body and "56.10A" in body and "Entrée dans le réseau" in body


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("73282932000075", "la clé de contrôle ne correspond pas"),
        ("7328293200007", "Un SIRET a 14 chiffres ; vous en avez saisi 13."),
        ("7328293200007A", "Un SIRET ne contient que des chiffres (14)."),
    ],
)
def test_an_invalid_siret_is_refused_beside_the_field(coach_client, siret, message):
    data = _employer_data(siret=siret)
    response = coach_client.post(_url("create"), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors["siret"][0]
    assert not Employer.objects.exists()
    # Everything typed is kept.
    assert 'value="Restaurant Le Lieu Unique"' in response.content.decode()


@pytest.mark.parametrize("naf", ["5610", "56.10AA", "ABCDE"])
def test_an_invalid_naf_code_is_refused_beside_the_field(coach_client, naf):
    response = coach_client.post(_url("create"), _employer_data(naf_code=naf))
    assert response.status_code == 200
    assert response.context["form"].errors["naf_code"] == [
        "Un code NAF s'écrit avec 4 chiffres et une lettre, par exemple 56.10A."
    ]
    assert not Employer.objects.exists()


def test_a_siret_already_in_the_network_refuses_and_names_the_company(coach_client, fournil):
    response = coach_client.post(_url("create"), _employer_data(name="Autre nom"))
    assert response.status_code == 200
    assert response.context["form"].errors["siret"]
    body = response.content.decode()
    assert fournil.get_absolute_url() in body
    assert "créer quand même" not in body
    assert Employer.objects.count() == 1


def test_a_similar_name_in_the_same_city_asks_for_a_confirmation(coach_client, coach):
    known = EmployerFactory(name="Restaurant Le Lieu Unique", created_by=coach, siret="")
    data = _employer_data(name="SARL Restaurant le Lieu Unique", siret="")
    response = coach_client.post(_url("create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert known.get_absolute_url() in body
    assert "Ce n&#x27;est pas la même entreprise, créer quand même" in body
    assert 'value="2 quai Ferdinand Favre"' in body
    assert Employer.objects.count() == 1
    response = coach_client.post(_url("create"), {**data, "confirm_similar": "on"})
    assert response.status_code == 302
    assert Employer.objects.count() == 2


def test_a_double_submitted_company_is_one_row(coach_client):
    data = _employer_data()
    first = coach_client.post(_url("create"), data)
    second = coach_client.post(_url("create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Employer.objects.count() == 1
    assert EmployerStatusChange.objects.count() == 1


@pytest.mark.parametrize("member", ["officer", "adoma_manager", "staff", "outsider"])
def test_a_refused_creation_writes_nothing(client, cast, member):
    client.force_login(cast[member])
    assert client.get(_url("create")).status_code == 404
    assert client.post(_url("create"), _employer_data()).status_code == 404
    assert not Employer.objects.exists()


def test_each_field_of_the_forms_sorts_hostile_values(coach, fournil):
    """Each value alone in each field of the company, contact and step forms (the edit forms
    check the same fields): refused, or taken when it is harmless free text."""
    forms = [
        (EmployerCreateForm, _employer_data(), {"user": coach}, [*COMPANY_FIELDS, "token"]),
        (ContactAddForm, _contact_data(), {}, [*CONTACT_FIELDS, "token"]),
        (ProspectingForm, _step_data(), {"employer": fournil}, STEP_FIELDS),
    ]
    for value in HOSTILE:
        for form_class, data, kwargs, fields in forms:
            for field in fields:
                form = form_class(_posted({**data, field: value}), **kwargs)
                expected = _harmless(form_class, field, value)
                assert form.is_valid() is expected, (form_class, field, value, form.errors)


COMPANY_TEXT = ["name", "address", "city", "description"]
SECTOR_REFUSED = "Choisissez un secteur de la liste."


def test_hostile_company_values_are_refused_without_writing(coach_client):
    url = _url("create")
    nothing = _rows()
    for value in HOSTILE:
        data = _employer_data(**dict.fromkeys([*COMPANY_FIELDS, "token"], value))
        response = coach_client.post(url, data)
        assert response.status_code == 200, value
        assert response.context["form"].errors["sector"] == [SECTOR_REFUSED]
        assert SECTOR_REFUSED in response.content.decode()
        assert _rows() == nothing, value
        # The free texts, a number (checked by its key), the digits of a postcode, a choice.
        for fields in [COMPANY_TEXT, ["siret"], ["postcode"], ["sector"]]:
            response = coach_client.post(url, _employer_data(**dict.fromkeys(fields, value)))
            if all(_harmless(EmployerCreateForm, field, value) for field in fields):
                # Harmless text (an apostrophe, a short word): stored as typed.
                assert response.status_code == 302, (fields, value)
                employer = Employer.objects.get()
                for field in fields:
                    assert getattr(employer, field) == value, (field, value)
                # Out again, for the next value to meet an empty network.
                employer.delete()
            else:
                assert response.status_code == 200, (fields, value)
                assert response.context["form"].errors, (fields, value)
            assert _rows() == nothing, (fields, value)


def test_a_territory_not_hers_is_refused(coach_client):
    response = coach_client.post(_url("create"), _employer_data(territory="Saint-Nazaire Agglo"))
    assert response.context["form"].errors["territory"] == ["Choisissez un de vos territoires."]
    assert not Employer.objects.exists()


# --- The company's page ---------------------------------------------------------------------


def test_the_coach_sees_contacts_prospecting_openings_and_forms(coach_client, coach, fournil):
    contact = EmployerContactFactory(employer=fournil, first_name="Nathalie", last_name="Guérin")
    EmployerContactFactory(employer=fournil, last_name="Roux", active=False)
    ProspectingActionFactory(employer=fournil, by=coach, summary="Visite du fournil")
    opening = JobOpeningFactory(employer=fournil)
    closed = JobOpeningFactory(
        employer=fournil, status=OpeningStatus.FILLED, closed_on=timezone.localdate()
    )
    response = coach_client.get(_url("detail", fournil.pk))
    body = response.content.decode()
    assert 'id="interlocuteurs"' in body and "Guérin" in body and "02 40 00 00 00" in body
    assert "a quitté l'entreprise" in body
    assert _url("contact_edit", fournil.pk, contact.pk) in body
    assert "Visite sur place : Rencontre faite" in body and "Visite du fournil" in body
    assert _url("opening", opening.pk) in body and _url("opening", closed.pk) in body
    assert _url("opening_create", fournil.pk) in body
    for label in ("Noter une démarche", "Ajouter un interlocuteur", "Changer le statut"):
        assert label in body
    assert _url("edit", fournil.pk) in body
    # The step's contact select offers the company's contacts.
    form = response.context["prospecting_form"]
    assert [value for value, _ in form.fields["contact"].choices] == ["", contact.pk]


def test_the_officer_reads_the_company_without_contacts_prospecting_or_forms(
    client, officer, coach, fournil
):
    EmployerContactFactory(employer=fournil, last_name="Guérin")
    ProspectingActionFactory(employer=fournil, by=coach, summary="Visite du fournil")
    opening = JobOpeningFactory(employer=fournil)
    closed = JobOpeningFactory(
        employer=fournil, status=OpeningStatus.FILLED, closed_on=timezone.localdate()
    )
    client.force_login(officer)
    response = client.get(_url("detail", fournil.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Boulangerie Le Fournil" in body and "732 829 320 00074" in body
    assert 'id="interlocuteurs"' not in body and "Guérin" not in body
    assert "Visite du fournil" not in body and "Rencontre faite" not in body
    assert _url("opening", opening.pk) in body
    assert _url("opening", closed.pk) not in body
    for hidden in (
        "Noter une démarche",
        "Ajouter un interlocuteur",
        "Changer le statut",
        "Modifier la fiche",
        "Nouvelle offre",
        _url("edit", fournil.pk),
        _url("opening_create", fournil.pk),
    ):
        assert hidden not in body, hidden


def test_the_outsider_gets_404_on_the_company_and_its_forms(client, outsider, fournil):
    contact = EmployerContactFactory(employer=fournil)
    client.force_login(outsider)
    before = _rows()
    assert client.get(_url("detail", fournil.pk)).status_code == 404
    for name, args in [
        ("edit", [fournil.pk]),
        ("status", [fournil.pk]),
        ("contact_add", [fournil.pk]),
        ("contact_edit", [fournil.pk, contact.pk]),
        ("prospecting_add", [fournil.pk]),
    ]:
        assert client.get(_url(name, *args)).status_code == 404
        assert client.post(_url(name, *args), {"token": uuid.uuid4()}).status_code == 404
    assert _rows() == before


def test_a_company_of_another_territory_is_404_for_the_coach(coach_client, elsewhere):
    assert coach_client.get(_url("detail", elsewhere.pk)).status_code == 404


@pytest.mark.parametrize("count", [5, 60])
def test_the_company_page_runs_a_fixed_number_of_queries(
    coach_client, coach, fournil, count, django_assert_num_queries
):
    contacts = EmployerContactFactory.create_batch(min(count, 10), employer=fournil)
    ProspectingAction.objects.bulk_create(
        ProspectingAction(
            employer=fournil,
            kind="call",
            outcome="call_back",
            by=coach,
            contact=contacts[i % len(contacts)],
        )
        for i in range(count)
    )
    EmployerStatusChange.objects.bulk_create(
        EmployerStatusChange(employer=fournil, from_status="prospect", to_status="met", by=coach)
        for _ in range(count)
    )
    for _ in range(min(count, 8)):
        JobOpeningFactory(employer=fournil)
    # session, user, the user's residences (territories), the company (+ owner, author), its
    # contacts, its prospecting steps (+ authors), its status changes (+ authors), its openings
    # (+ authors)
    with django_assert_num_queries(8):
        response = coach_client.get(_url("detail", fournil.pk))
    assert len(response.context["timeline"]) == 2 * count + min(count, 8)


# --- Editing a company ----------------------------------------------------------------------


def test_a_coach_edits_the_company(coach_client, coach, adelis_manager, fournil):
    form = coach_client.get(_url("edit", fournil.pk)).context["form"]
    assert form.initial["naf_code"] == "10.71C"
    data = _employer_data(name="Le Fournil d'Erdre", owner=adelis_manager.pk)
    data.pop("token")
    response = coach_client.post(_url("edit", fournil.pk), data)
    assert response.status_code == 302
    fournil.refresh_from_db()
    assert (fournil.name, fournil.name_key, fournil.owner, fournil.naf_code) == (
        "Le Fournil d'Erdre",
        employer_name_key("Le Fournil d'Erdre"),
        adelis_manager,
        "5610A",
    )
    assert fournil.city_key == fold("Nantes")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"siret": "73282932000075"}, "siret"),
        ({"siret": "7328293200007"}, "siret"),
        ({"siret": "abcdefghijklmn"}, "siret"),
        ({"naf_code": "5610"}, "naf_code"),
        ({"naf_code": "56.10AA"}, "naf_code"),
        ({"name": ""}, "name"),
        ({"postcode": "-4400"}, "postcode"),
        ({"owner": "abc"}, "owner"),
        ({"owner": "99999999999999999999"}, "owner"),
    ],
)
def test_bad_edits_are_refused_beside_the_field(coach_client, fournil, data, field):
    before = _snapshot(fournil)
    response = coach_client.post(_url("edit", fournil.pk), _employer_data(**data))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert _snapshot(fournil) == before


def test_another_companys_siret_is_refused_on_edit(coach_client, coach, fournil):
    other = EmployerFactory(created_by=coach, name="Nettoyage Atlantique Services")
    response = coach_client.post(_url("edit", other.pk), _employer_data(siret=fournil.siret))
    assert response.context["form"].errors["siret"] == ["Une autre entreprise porte déjà ce SIRET."]


def test_hostile_edits_never_fail(coach_client, fournil):
    url = _url("edit", fournil.pk)

    def row():
        return Employer.objects.values().get(pk=fournil.pk)

    for value in HOSTILE:
        before = row()
        data = _employer_data(**dict.fromkeys([*COMPANY_FIELDS, "owner"], value))
        response = coach_client.post(url, data)
        assert response.status_code == 200, value
        assert response.context["form"].errors["sector"] == [SECTOR_REFUSED]
        assert SECTOR_REFUSED in response.content.decode()
        assert row() == before, value
        # The free texts, a number, a choice, and a person from a list (a lookup by id).
        for fields in [COMPANY_TEXT, ["siret"], ["sector"], ["owner"]]:
            before = row()
            response = coach_client.post(url, _employer_data(**dict.fromkeys(fields, value)))
            if all(_harmless(EmployerEditForm, field, value) for field in fields):
                assert response.status_code == 302, (fields, value)
                fournil.refresh_from_db()
                for field in fields:
                    assert getattr(fournil, field) == value, (field, value)
            else:
                assert response.status_code == 200, (fields, value)
                assert response.context["form"].errors, (fields, value)
                assert row() == before, (fields, value)


def test_the_officer_cannot_edit(client, officer, fournil):
    client.force_login(officer)
    before = _snapshot(fournil)
    assert client.get(_url("edit", fournil.pk)).status_code == 404
    assert client.post(_url("edit", fournil.pk), _employer_data(name="Pirate")).status_code == 404
    assert _snapshot(fournil) == before


# --- Changing the status --------------------------------------------------------------------


def test_a_coach_sets_the_company_inactive_with_a_reason(coach_client, fournil):
    response = coach_client.post(
        _url("status", fournil.pk), {"status": "inactive", "reason": "Fermeture du site"}
    )
    assert response.status_code == 302
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.INACTIVE
    change = fournil.status_changes.get()
    assert (change.from_status, change.to_status, change.reason) == (
        "prospect",
        "inactive",
        "Fermeture du site",
    )
    body = coach_client.get(response["Location"]).content.decode()
    assert "Statut : À prospecter → Inactive." in body
    assert "Fermeture du site" in body


def test_a_double_submitted_status_change_is_one_row(coach_client, fournil):
    data = {"status": "partner", "reason": "Convention signée"}
    for _ in range(2):
        assert coach_client.post(_url("status", fournil.pk), data).status_code == 302
    assert fournil.status_changes.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "met", "reason": ""}, "reason", "Dites pourquoi le statut change."),
        ({"status": "met", "reason": "   "}, "reason", "Dites pourquoi le statut change."),
        ({"status": "bankrupt", "reason": "x"}, "status", "Choisissez un statut de la liste."),
        ({"status": "met", "reason": "x" * 100_000}, "reason", "au plus 300 caractères"),
        ({"status": "met", "reason": "Fin\x00"}, "reason", "caractère nul"),
    ],
)
def test_bad_status_changes_are_refused_beside_the_field(
    coach_client, fournil, data, field, message
):
    response = coach_client.post(_url("status", fournil.pk), data)
    assert response.status_code == 200
    assert message in response.context["status_form"].errors[field][0]
    assert fournil.status_changes.count() == 0
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.PROSPECT


def test_the_officer_cannot_change_the_status(client, officer, fournil):
    client.force_login(officer)
    response = client.post(_url("status", fournil.pk), {"status": "inactive", "reason": "x"})
    assert response.status_code == 404
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.PROSPECT and not fournil.status_changes.exists()


# --- Contacts -------------------------------------------------------------------------------


def _contact_data(**data):
    return {
        "first_name": "Nathalie",
        "last_name": "Guérin",
        "role": "Gérante",
        "phone": "02 40 12 34 56",
        "email": "n.guerin@example.fr",
        "token": str(uuid.uuid4()),
        **data,
    }


def test_a_coach_adds_a_contact(coach_client, fournil):
    response = coach_client.post(_url("contact_add", fournil.pk), _contact_data())
    assert response.status_code == 302
    assert response["Location"] == f"{fournil.get_absolute_url()}#interlocuteurs"
    contact = fournil.contacts.get()
    assert (contact.phone, contact.phone_raw) == ("+33240123456", "02 40 12 34 56")
    assert "Interlocuteur ajouté" in coach_client.get(response["Location"]).content.decode()


def test_a_double_submitted_contact_is_one_row(coach_client, fournil):
    data = _contact_data()
    for _ in range(2):
        assert coach_client.post(_url("contact_add", fournil.pk), data).status_code == 302
    assert fournil.contacts.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"phone": "07 00 00 00 00"}, "phone"),
        ({"phone": "abc"}, "phone"),
        ({"email": "pas-un-mail"}, "email"),
        ({"token": "pas-un-jeton"}, "token"),
    ],
)
def test_bad_contacts_are_refused_beside_the_field(coach_client, fournil, data, field):
    response = coach_client.post(_url("contact_add", fournil.pk), _contact_data(**data))
    assert response.status_code == 200
    assert response.context["contact_form"].errors[field]
    assert not fournil.contacts.exists()


CONTACT_TEXT = ["first_name", "last_name", "role"]
EMAIL_REFUSED = "Saisissez une adresse e-mail valide (nom@exemple.fr)."


def test_hostile_contact_values_never_fail(coach_client, fournil):
    url = _url("contact_add", fournil.pk)
    for value in HOSTILE:
        before = _rows()
        data = _contact_data(**dict.fromkeys([*CONTACT_FIELDS, "token"], value))
        response = coach_client.post(url, data)
        assert response.status_code == 200, value
        assert EMAIL_REFUSED in response.context["contact_form"].errors["email"]
        assert EMAIL_REFUSED in response.content.decode()
        assert _rows() == before, value
        # The free texts, a phone number, an e-mail address.
        for fields in [CONTACT_TEXT, ["phone"], ["email"]]:
            before = _rows()
            response = coach_client.post(url, _contact_data(**dict.fromkeys(fields, value)))
            if all(_harmless(ContactAddForm, field, value) for field in fields):
                assert response.status_code == 302, (fields, value)
                contact = fournil.contacts.latest("pk")
                for field in fields:
                    assert getattr(contact, field) == value, (field, value)
            else:
                assert response.status_code == 200, (fields, value)
                assert response.context["contact_form"].errors, (fields, value)
                assert _rows() == before, (fields, value)


def test_the_officer_cannot_add_a_contact(client, officer, fournil):
    client.force_login(officer)
    assert client.post(_url("contact_add", fournil.pk), _contact_data()).status_code == 404
    assert not EmployerContact.objects.exists()


def test_a_coach_edits_a_contact_who_left(coach_client, fournil):
    contact = EmployerContactFactory(employer=fournil)
    data = _contact_data(role="Ancienne gérante")
    data.pop("token")
    response = coach_client.post(_url("contact_edit", fournil.pk, contact.pk), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.role, contact.active) == ("Ancienne gérante", False)


def test_a_contact_of_another_company_is_404(coach_client, coach, fournil):
    other = EmployerContactFactory(employer=EmployerFactory(created_by=coach))
    url = _url("contact_edit", fournil.pk, other.pk)
    assert coach_client.get(url).status_code == 404
    assert coach_client.post(url, _contact_data(last_name="Pirate")).status_code == 404
    other.refresh_from_db()
    assert other.last_name == "Guérin"


def test_hostile_contact_edits_never_fail(coach_client, fournil):
    contact = EmployerContactFactory(employer=fournil)
    url = _url("contact_edit", fournil.pk, contact.pk)
    before = EmployerContact.objects.values().get(pk=contact.pk)
    for value in HOSTILE:
        response = coach_client.post(url, dict.fromkeys([*CONTACT_FIELDS, "active"], value))
        assert response.status_code == 200, value
        assert EMAIL_REFUSED in response.context["contact_form"].errors["email"]
        assert EMAIL_REFUSED in response.content.decode()
        assert EmployerContact.objects.values().get(pk=contact.pk) == before, value
        # The free texts, and the box (any value ticks it).
        data = _contact_data(**dict.fromkeys([*CONTACT_TEXT, "active"], value))
        response = coach_client.post(url, data)
        if all(_harmless(ContactEditForm, field, value) for field in CONTACT_TEXT):
            assert response.status_code == 302, value
            contact.refresh_from_db()
            assert (contact.first_name, contact.last_name, contact.role) == (value,) * 3
            assert contact.active
            EmployerContact.objects.filter(pk=contact.pk).update(**before)
        else:
            assert response.status_code == 200, value
            assert response.context["contact_form"].errors["last_name"], value
            assert EmployerContact.objects.values().get(pk=contact.pk) == before, value


# --- Prospecting ----------------------------------------------------------------------------


def _step_data(**data):
    now = timezone.localtime() - datetime.timedelta(minutes=30)
    return {
        "kind": "visit",
        "on": now.date().isoformat(),
        "at_time": now.strftime("%H:%M"),
        "outcome": "met",
        "summary": "Rencontre avec la gérante",
        "token": str(uuid.uuid4()),
        **data,
    }


def test_a_visit_moves_the_company_forward_and_says_so(coach_client, coach, fournil):
    contact = EmployerContactFactory(employer=fournil)
    next_day = timezone.localdate() + datetime.timedelta(days=7)
    response = coach_client.post(
        _url("prospecting_add", fournil.pk),
        _step_data(
            contact=contact.pk, next_step_on=next_day.isoformat(), next_step="Envoyer la fiche"
        ),
    )
    assert response.status_code == 302
    action = ProspectingAction.objects.get()
    assert (action.by, action.contact, action.next_step) == (coach, contact, "Envoyer la fiche")
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.MET and fournil.last_contact_at == action.at
    assert Reminder.objects.filter(assignee=coach, employer=fournil).count() == 1
    body = coach_client.get(response["Location"]).content.decode()
    assert "Statut : À prospecter → Rencontrée." in body


def test_the_step_form_defaults_to_now(coach_client, fournil):
    form = coach_client.get(_url("prospecting_add", fournil.pk)).context["prospecting_form"]
    assert form.initial["on"] == timezone.localdate()


def test_a_step_with_an_inactive_company_keeps_it_inactive(coach_client, fournil):
    Employer.objects.filter(pk=fournil.pk).update(status=NetworkStatus.INACTIVE)
    response = coach_client.post(_url("prospecting_add", fournil.pk), _step_data())
    body = coach_client.get(response["Location"]).content.decode()
    assert "L&#x27;entreprise reste inactive" in body
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.INACTIVE


def test_a_step_that_does_not_move_the_status_says_only_it_is_noted(coach_client, fournil):
    response = coach_client.post(
        _url("prospecting_add", fournil.pk), _step_data(kind="call", outcome="no_answer")
    )
    body = coach_client.get(response["Location"]).content.decode()
    assert "Démarche enregistrée." in body and "Statut :" not in body


def test_a_double_submitted_step_is_one_row(coach_client, fournil):
    data = _step_data()
    for _ in range(2):
        assert coach_client.post(_url("prospecting_add", fournil.pk), data).status_code == 302
    assert ProspectingAction.objects.count() == 1
    assert fournil.status_changes.count() == 1


BAD_STEPS = [
    ({"on": "31/31/2026"}, "on"),
    ({"on": "1899-01-01"}, "on"),
    ({"on": "0001-01-01", "at_time": "00:00"}, "on"),
    ({"on": "9999-12-31"}, "on"),
    ({"at_time": "25:99"}, "at_time"),
    ({"kind": "pigeon"}, "kind"),
    ({"outcome": ""}, "outcome"),
    ({"outcome": "hired"}, "outcome"),
    ({"summary": "y" * 100_000}, "summary"),
    ({"summary": "Bonjour\x00"}, "summary"),
    ({"next_step_on": "2001-01-01"}, "next_step_on"),
    ({"next_step_on": "9999-12-31"}, "next_step_on"),
    ({"next_step_on": "demain"}, "next_step_on"),
    ({"contact": "abc"}, "contact"),
    ({"contact": "-1"}, "contact"),
    ({"contact": "99999999999999999999"}, "contact"),
    ({"token": "pas-un-jeton"}, "token"),
]


def test_bad_steps_are_refused_beside_the_field(coach_client, fournil):
    EmployerContactFactory(employer=fournil)
    before = _rows()
    for data, field in BAD_STEPS:
        response = coach_client.post(_url("prospecting_add", fournil.pk), _step_data(**data))
        assert response.status_code == 200, data
        assert response.context["prospecting_form"].errors[field], data
        assert _rows() == before, data
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.PROSPECT


def test_a_step_later_today_is_refused(coach_client, fournil, time_machine):
    # Mid-morning, so that two hours later is still today.
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 11, 26, 10, 0)), tick=False)
    later = timezone.localtime() + datetime.timedelta(hours=2)
    response = coach_client.post(
        _url("prospecting_add", fournil.pk), _step_data(at_time=later.strftime("%H:%M"))
    )
    assert response.context["prospecting_form"].errors["at_time"]
    assert not ProspectingAction.objects.exists()


def test_a_next_step_before_the_step_is_refused_beside_the_field(coach_client, fournil):
    day = timezone.localdate() - datetime.timedelta(days=3)
    response = coach_client.post(
        _url("prospecting_add", fournil.pk),
        _step_data(on=day.isoformat(), next_step_on=(day - datetime.timedelta(days=1))),
    )
    assert response.context["prospecting_form"].errors["next_step_on"] == [
        "La prochaine étape ne peut pas précéder la démarche."
    ]
    assert not ProspectingAction.objects.exists()


def test_a_contact_of_another_company_is_refused(coach_client, coach, fournil):
    other = EmployerContactFactory(employer=EmployerFactory(created_by=coach))
    response = coach_client.post(_url("prospecting_add", fournil.pk), _step_data(contact=other.pk))
    assert response.context["prospecting_form"].errors["contact"] == [
        "Choisissez un interlocuteur de cette entreprise."
    ]
    assert not ProspectingAction.objects.exists()


KIND_REFUSED = "Choisissez une démarche de la liste."


def test_hostile_step_values_never_fail(coach_client, fournil):
    EmployerContactFactory(employer=fournil)
    url = _url("prospecting_add", fournil.pk)
    for value in HOSTILE:
        before = _rows()
        response = coach_client.post(url, _step_data(**dict.fromkeys(STEP_FIELDS, value)))
        assert response.status_code == 200, value
        assert response.context["prospecting_form"].errors["kind"] == [KIND_REFUSED]
        assert KIND_REFUSED in response.content.decode()
        assert _rows() == before, value
        # The free texts, a number (the contact's id), a date and a choice.
        for fields in [["summary", "next_step"], ["contact"], ["on"], ["kind"]]:
            before = _rows()
            response = coach_client.post(url, _step_data(**dict.fromkeys(fields, value)))
            if all(_harmless(ProspectingForm, field, value) for field in fields):
                assert response.status_code == 302, (fields, value)
                step = ProspectingAction.objects.latest("pk")
                assert (step.summary, step.next_step) == (value, value)
            else:
                assert response.status_code == 200, (fields, value)
                assert response.context["prospecting_form"].errors, (fields, value)
                assert _rows() == before, (fields, value)


@pytest.mark.parametrize("member", ["officer", "adoma_manager", "outsider"])
def test_a_refused_step_writes_nothing(client, cast, fournil, member):
    client.force_login(cast[member])
    before = _rows()
    assert client.get(_url("prospecting_add", fournil.pk)).status_code == 404
    assert client.post(_url("prospecting_add", fournil.pk), _step_data()).status_code == 404
    assert _rows() == before
    fournil.refresh_from_db()
    assert fournil.status == NetworkStatus.PROSPECT and fournil.last_contact_at is None


def test_the_adelis_manager_logs_a_step(client, adelis_manager, fournil):
    client.force_login(adelis_manager)
    response = client.post(_url("prospecting_add", fournil.pk), _step_data(outcome="call_back"))
    assert response.status_code == 302
    assert ProspectingAction.objects.get().by == adelis_manager


def test_unknown_companies_are_404(coach_client):
    for name in ("detail", "edit", "status", "contact_add", "prospecting_add"):
        assert coach_client.get(_url(name, 99999999)).status_code == 404
    assert coach_client.get("/entreprises/99999999999999999999/").status_code == 404
    assert JobOpening.objects.count() == 0


@pytest.mark.parametrize("member", ["officer", "adoma_manager"])
def test_readers_of_a_company_see_nothing_of_the_prospecting(client, cast, member):
    """The status changes and the last contact are the coach's prospecting: who may read the
    company but not the prospecting sees its current status only."""
    from employers import services

    coach = cast["coach"]
    employer = services.employer_create(
        by=coach,
        data={"name": "Logistique de l'Erdre", "sector": "logistics", "city": "Nantes",
              "territory": "Nantes Métropole"},
    )  # fmt: skip
    services.prospecting_log(
        by=coach, employer=employer, kind="visit", outcome="met", summary="RESUMEVISITE"
    )
    services.employer_status_set(
        by=coach, employer=employer, status="contacted", reason="RAISONSECRETE"
    )
    client.force_login(cast[member])

    page = client.get(reverse("employers:detail", args=[employer.pk])).text
    for trace in ("RAISONSECRETE", "RESUMEVISITE", "→", "Dernier contact"):
        assert trace not in page, trace
    assert "Entrée dans le réseau" in page and "Contactée" in page

    listing = client.get(reverse("employers:list"), {"no_contact": "true"})
    assert "Dernier contact" not in listing.text
    assert "Sans contact depuis" not in listing.text
    assert employer.get_absolute_url() in listing.text  # the filter is not applied for her
    pipeline = client.get(reverse("employers:pipeline")).text
    assert "dernier contact" not in pipeline and "jamais contactée" not in pipeline


def test_the_coach_sees_the_prospecting_trace(coach_client, coach):
    from employers import services

    employer = services.employer_create(
        by=coach,
        data={"name": "Logistique de l'Erdre", "sector": "logistics", "city": "Nantes",
              "territory": "Nantes Métropole"},
    )  # fmt: skip
    services.prospecting_log(by=coach, employer=employer, kind="visit", outcome="met")
    page = coach_client.get(reverse("employers:detail", args=[employer.pk])).text
    assert "À prospecter → Rencontrée" in page and "Dernier contact" in page
