"""The job-opening screens through the test client: who reaches what (404 outside the access
table's scope), the job-analysis form with and without JavaScript, closing and reopening,
bad input on every form (never a 500, nothing written), the ROME type-ahead, and the query
budget of the list."""

import datetime
import uuid

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from employers.enums import ContractType, OpeningStatus, Sector
from employers.forms.openings import ROME_MISSING, OpeningCreateForm
from employers.models import JobOpening, RomeAppellation
from tests.employers.factories import EmployerFactory, JobOpeningFactory, rome_title

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def employer(coach):
    return EmployerFactory(
        name="Nettoyage Atlantique Services", city="Rezé", postcode="44400", created_by=coach
    )


@pytest.fixture
def opening(employer):
    return JobOpeningFactory(
        employer=employer,
        tasks="Entretien des bureaux, le matin avant l'arrivée des salariés.",
        requirements_kept="Être à l'heure.",
        requirements_dropped=["cv", "driving_licence"],
        requirements_dropped_notes="Formée sur place aux produits.",
        schedule=["early"],
        working_days=["mon", "tue", "wed", "thu", "fri"],
        transport="Tram 2, arrêt Trocardière, 15 minutes depuis Commerce.",
        onboarding="Deux semaines en binôme avec Mme Guérin.",
        french_level="a2",
        languages_useful=["ara", "tir"],
        positions=2,
    )


@pytest.fixture
def filled(employer):
    return JobOpeningFactory(
        employer=employer, status=OpeningStatus.FILLED, closed_on=TODAY() - datetime.timedelta(1)
    )


@pytest.fixture
def elsewhere(outsider):
    """An opening of Saint-Nazaire, the outsider's territory."""
    other = EmployerFactory(
        name="Chantiers de l'Atlantique", city="Saint-Nazaire", territory="Saint-Nazaire Agglo"
    )
    return JobOpeningFactory(employer=other)


@pytest.fixture
def coach_client(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _url(name, *args):
    return reverse(f"employers:{name}", args=args)


def _valid(**data):
    """A complete job analysis, as the form posts it."""
    title = rome_title()
    return {
        "token": str(uuid.uuid4()),
        "rome_q": title.label,
        "rome_appellation": title.code,
        "title": "",
        "contract_type": "cdd",
        "duration_months": "6",
        "weekly_hours": "24,5",
        "positions": "2",
        "opened_on": TODAY().isoformat(),
        "tasks": "Nettoyage des bureaux.",
        "requirements_kept": "Être ponctuel.",
        "requirements_dropped": ["cv", "experience"],
        "requirements_dropped_notes": "Formation sur place.",
        "french_level": "a2",
        "languages_useful": ["ara", "prs"],
        "schedule": ["early", "split"],
        "working_days": ["mon", "tue", "wed"],
        "postcode": "44400",
        "city": "Rezé",
        "transport": "Tram 3",
        "onboarding": "Une semaine en binôme.",
        "hidden_market": "on",
        **data,
    }


def _closing(**data):
    return {"status": "filled", "closed_on": TODAY().isoformat(), "reason": "", **data}


# --- Who reaches what -----------------------------------------------------------------------

READERS = {"officer", "adoma_manager", "coach", "adelis_manager"}
EDITORS = {"coach", "adelis_manager"}


def _requests(opening, filled, employer):
    """(label, method, url, data) of every opening URL."""
    return [
        ("list", "get", _url("openings"), None),
        ("detail_open", "get", _url("opening", opening.pk), None),
        ("detail_closed", "get", _url("opening", filled.pk), None),
        ("create", "get", _url("opening_create", employer.pk), None),
        ("create_post", "post", _url("opening_create", employer.pk), _valid()),
        ("edit", "get", _url("opening_edit", opening.pk), None),
        ("edit_post", "post", _url("opening_edit", opening.pk), _valid()),
        ("close", "post", _url("opening_close", opening.pk), _closing()),
        ("reopen", "post", _url("opening_reopen", filled.pk), None),
        ("typeahead", "get", _url("rome_typeahead"), {"q": "agent"}),
    ]


def _expected(member, label):
    if label == "list":
        return 200 if member in READERS or member == "outsider" else 404
    if label == "detail_open":
        return 200 if member in READERS else 404
    if label == "detail_closed":
        return 200 if member in EDITORS else 404
    if label in ("create_post", "edit_post", "close", "reopen"):
        return 302 if member in EDITORS else 404
    return 200 if member in EDITORS else 404


@pytest.mark.parametrize(
    "member",
    ["officer", "staff", "coach", "adoma_manager", "adelis_manager", "administrator", "outsider"],
)
def test_each_member_of_the_cast_reaches_what_the_table_gives(
    client, cast, member, employer, opening, filled
):
    client.force_login(cast[member])
    before = sorted(JobOpening.objects.values_list("pk", "status", "title", "weekly_hours"))
    for label, method, url, data in _requests(opening, filled, employer):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == _expected(member, label), (member, label)
    if member not in EDITORS:
        # Refused: nothing changed.
        after = sorted(JobOpening.objects.values_list("pk", "status", "title", "weekly_hours"))
        assert after == before


def test_an_anonymous_visitor_is_sent_to_sign_in(client, opening):
    response = client.get(_url("opening", opening.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_outsider_sees_no_opening_of_nantes(client, outsider, opening, elsewhere):
    client.force_login(outsider)
    response = client.get(_url("openings"))
    assert list(response.context["page"].object_list) == [elsewhere]
    assert client.get(_url("opening", opening.pk)).status_code == 404


def test_the_coach_cannot_reach_another_territory(coach_client, elsewhere):
    assert coach_client.get(_url("opening", elsewhere.pk)).status_code == 404
    assert coach_client.get(_url("opening_edit", elsewhere.pk)).status_code == 404
    url = _url("opening_create", elsewhere.employer_id)
    assert coach_client.post(url, _valid()).status_code == 404
    response = coach_client.post(_url("opening_close", elsewhere.pk), _closing())
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == OpeningStatus.OPEN
    assert JobOpening.objects.count() == 1


@pytest.mark.parametrize("pk", [999999, 2**31, 2**63, 10**30])
def test_ids_that_do_not_exist_are_404(coach_client, pk):
    assert coach_client.get(_url("opening", pk)).status_code == 404
    assert coach_client.get(_url("opening_edit", pk)).status_code == 404
    assert coach_client.post(_url("opening_close", pk), _closing()).status_code == 404
    assert coach_client.post(_url("opening_reopen", pk)).status_code == 404
    assert coach_client.get(_url("opening_create", pk)).status_code == 404


# --- The list -------------------------------------------------------------------------------


def test_the_officer_sees_only_open_openings_and_no_status_filter(officer_client, opening, filled):
    response = officer_client.get(_url("openings"), {"status": "filled"})
    assert list(response.context["page"].object_list) == [opening]
    assert "status" not in response.context["filter"].form.fields
    body = response.content.decode()
    assert "Nouvelle offre" not in body


def test_the_coach_sees_open_ones_by_default_and_the_closed_on_demand(
    coach_client, opening, filled
):
    response = coach_client.get(_url("openings"))
    assert list(response.context["page"].object_list) == [opening]
    response = coach_client.get(_url("openings"), {"status": "filled"})
    assert list(response.context["page"].object_list) == [filled]
    response = coach_client.get(_url("openings"), {"status": "all"})
    assert set(response.context["page"].object_list) == {opening, filled}
    # An unknown status is the default.
    response = coach_client.get(_url("openings"), {"status": "'; DROP"})
    assert list(response.context["page"].object_list) == [opening]


def test_the_list_shows_each_column(coach_client, opening, employer):
    JobOpeningFactory(
        employer=employer,
        contract_type=ContractType.CDD,
        duration_months=6,
        weekly_hours="17.5",
        full_time=False,
        hidden_market=False,
        city="Saint-Herblain",
    )
    body = coach_client.get(_url("openings")).content.decode()
    assert opening.title in body and opening.rome.label in body and opening.rome_id in body
    assert _url("detail", employer.pk) in body and employer.name in body
    assert "CDD" in body and "6 mois" in body and "17,5 h" in body and "temps plein" in body
    assert "Saint-Herblain" in body and "Marché caché" in body
    assert opening.opened_on.strftime("%d/%m/%Y") in body and "Ouverte" in body
    assert "2 offres" in body


def _titles(response):
    return {o.title for o in response.context["page"].object_list}


def test_the_filters(coach_client, coach):
    cleaning = EmployerFactory(sector=Sector.CLEANING, created_by=coach)
    kitchen = EmployerFactory(sector=Sector.HOSPITALITY, city="Saint-Herblain", created_by=coach)
    cook = rome_title("Cuisinier / Cuisinière")
    JobOpeningFactory(employer=cleaning, title="Agent CDI Nantes")
    JobOpeningFactory(
        employer=cleaning, title="Agent CDD partiel", contract_type="cdd", duration_months=3,
        weekly_hours=20, full_time=False, hidden_market=False, city="Rezé", postcode="44400",
    )  # fmt: skip
    JobOpeningFactory(
        employer=kitchen, title="Cuisinier", rome_appellation=cook, rome=cook.rome,
        city="Saint-Herblain", postcode="44800",
    )  # fmt: skip
    everything = {"Agent CDI Nantes", "Agent CDD partiel", "Cuisinier"}

    def titles(**query):
        response = coach_client.get(_url("openings"), query)
        assert response.status_code == 200
        return _titles(response)

    assert titles() == everything
    assert titles(contract_type="cdd") == {"Agent CDD partiel"}
    assert titles(sector="hospitality") == {"Cuisinier"}
    assert titles(metier=cook.rome_id) == {"Cuisinier"}
    assert titles(metier=cook.rome_id.lower()) == {"Cuisinier"}
    assert titles(metier="CUISINIÈRE") == {"Cuisinier"}
    assert titles(metier="agent propre") == {"Agent CDI Nantes", "Agent CDD partiel"}
    assert titles(full_time="on") == {"Agent CDI Nantes", "Cuisinier"}
    assert titles(hidden_market="on") == {"Agent CDI Nantes", "Cuisinier"}
    assert titles(city="reze") == {"Agent CDD partiel"}
    assert titles(city="saint herblain") == {"Cuisinier"}
    assert titles(city="44800") == {"Cuisinier"}
    assert titles(city="44") == everything
    # Unknown values: the filter is refused, the page still answers.
    assert titles(sector="nope", contract_type="<script>") == everything
    assert titles(metier="\x00") == everything
    assert titles(city="x" * 10_000) == everything
    assert titles(page="abc") == everything
    assert titles(page="999999999999999999999") == everything


@pytest.mark.parametrize("rows", [3, 60])
def test_the_list_runs_a_fixed_number_of_queries(
    coach_client, coach, rows, django_assert_num_queries
):
    employers = [EmployerFactory(created_by=coach) for _ in range(3)]
    title = rome_title()
    JobOpening.objects.bulk_create(
        JobOpening(
            employer=employers[i % 3],
            title=f"Poste {i}",
            rome=title.rome,
            rome_appellation=title,
            contract_type=ContractType.CDI,
            weekly_hours=35,
            city="Nantes",
            created_by=coach,
            opened_on=TODAY() - datetime.timedelta(days=i),
        )
        for i in range(rows)
    )
    # session, user (+ organisation), the coach's territories, the ROME sheets of the titles
    # matching "agent", the count, the page's openings (+ employer, ROME sheet)
    with django_assert_num_queries(6):
        response = coach_client.get(_url("openings"), {"sector": "cleaning", "metier": "agent"})
    assert len(response.context["page"].object_list) == min(rows, 50)
    assert response.context["page"].paginator.count == rows


def test_the_list_answers_htmx_with_its_results_only(coach_client, opening):
    response = coach_client.get(_url("openings"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and opening.title in body
    assert "<form" not in body


# --- One opening ----------------------------------------------------------------------------


def test_the_detail_shows_the_whole_job_analysis(officer_client, opening):
    body = officer_client.get(_url("opening", opening.pk)).content.decode()
    for text in [
        opening.title,
        opening.rome.label,
        "Entretien des bureaux, le matin",
        "Être à l&#x27;heure.",
        "CV",
        "Permis de conduire",
        "Formée sur place aux produits.",
        "Tôt le matin (avant 7 h)",
        "Lundi, Mardi, Mercredi, Jeudi, Vendredi",
        "44000",
        "Tram 2, arrêt Trocardière",
        "A2 — survie",
        "Arabe, Tigrinya",
        "Deux semaines en binôme",
        "Marché caché",
        "2 postes",
        "Ouverte",
        opening.opened_on.strftime("%d/%m/%Y"),
        "CDI",
        "35 h par semaine",
    ]:
        assert text in body, text
    # The officer reads; she does not change.
    assert "Modifier" not in body and "Clore l" not in body


def test_the_detail_offers_the_coach_to_edit_close_or_reopen(coach_client, opening, filled):
    body = coach_client.get(_url("opening", opening.pk)).content.decode()
    assert _url("opening_edit", opening.pk) in body and _url("opening_close", opening.pk) in body
    body = coach_client.get(_url("opening", filled.pk)).content.decode()
    assert _url("opening_reopen", filled.pk) in body
    assert _url("opening_edit", filled.pk) not in body


def test_the_detail_runs_a_fixed_number_of_queries(
    coach_client, opening, django_assert_num_queries
):
    # session, user (+ organisation), the coach's territories, the opening (+ employer, ROME)
    with django_assert_num_queries(4):
        coach_client.get(_url("opening", opening.pk))


# --- Creating an opening --------------------------------------------------------------------


def test_the_coach_records_an_opening(coach_client, coach, employer):
    page = coach_client.get(_url("opening_create", employer.pk))
    form = page.context["form"]
    # The employer's town, the hidden market and today by default.
    assert form["city"].value() == "Rezé" and form["postcode"].value() == "44400"
    assert form["hidden_market"].value() is True
    assert form["opened_on"].value() == TODAY()
    response = coach_client.post(_url("opening_create", employer.pk), _valid())
    opening = JobOpening.objects.get()
    assert response.status_code == 302 and response["Location"] == opening.get_absolute_url()
    title = rome_title()
    assert (opening.rome_appellation, opening.rome, opening.title) == (
        title,
        title.rome,
        title.label,  # the ROME title, the title being left empty
    )
    assert opening.contract_type == "cdd" and opening.duration_months == 6
    assert str(opening.weekly_hours) == "24.5" and opening.positions == 2
    assert opening.requirements_dropped == ["cv", "experience"]
    assert opening.schedule == ["early", "split"] and opening.working_days == ["mon", "tue", "wed"]
    assert opening.languages_useful == ["ara", "prs"] and opening.french_level == "a2"
    assert opening.hidden_market and opening.created_by == coach
    assert "Offre enregistrée." in coach_client.get(response["Location"]).content.decode()


def test_a_double_submission_writes_one_opening(coach_client, employer):
    data = _valid()
    first = coach_client.post(_url("opening_create", employer.pk), data)
    second = coach_client.post(_url("opening_create", employer.pk), data)
    assert JobOpening.objects.count() == 1
    assert first["Location"] == second["Location"] == JobOpening.objects.get().get_absolute_url()


def test_a_title_typed_without_choosing_lists_the_rome_titles_to_tick(coach_client, employer):
    """Without JavaScript: the typed words come back with the matching titles as radio
    buttons, everything else kept; ticking one saves."""
    data = _valid(rome_q="agent propreté", rome_appellation="", title="Agent d'entretien")
    response = coach_client.post(_url("opening_create", employer.pk), data)
    assert response.status_code == 200 and not JobOpening.objects.exists()
    form = response.context["form"]
    assert form.errors["rome_appellation"] == ["Choisissez le métier dans la liste ROME."]
    body = response.content.decode()
    results = response.context["rome_results"]
    assert 0 < len(results) <= 10 and all("propret" in r.label.lower() for r in results)
    assert 'name="rome_appellation_pick"' in body and f'value="{results[0].code}"' in body
    # All the input is kept.
    assert 'value="Agent d&#x27;entretien"' in body and "Nettoyage des bureaux." in body
    assert 'value="24,5"' in body and 'value="split"' in body
    data["rome_appellation_pick"] = results[0].code
    response = coach_client.post(_url("opening_create", employer.pk), data)
    assert response.status_code == 302
    opening = JobOpening.objects.get()
    assert opening.rome_appellation == results[0] and opening.title == "Agent d'entretien"


def test_a_title_typed_over_the_chosen_one_is_searched_again(coach_client, employer):
    data = _valid(rome_q="cuisinier")
    response = coach_client.post(_url("opening_create", employer.pk), data)
    assert response.context["form"].errors["rome_appellation"]
    assert any("Cuisinier" in r.label for r in response.context["rome_results"])
    assert not JobOpening.objects.exists()


BAD_VALUES = [
    ("weekly_hours", "49", "48 heures par semaine au plus"),
    ("weekly_hours", "-3", "Le nombre d'heures ne peut pas être négatif."),
    ("weekly_hours", "1e9", "48 heures par semaine au plus"),
    ("weekly_hours", "abc", "Indiquez un nombre d'heures"),
    ("weekly_hours", "0", "Indiquez au moins une heure par semaine."),
    ("weekly_hours", "NaN", "Indiquez un nombre d'heures"),
    ("duration_months", "", "Indiquez la durée du contrat, en mois"),
    ("opened_on", "31/02/2026", "Saisissez une date réelle"),
    ("opened_on", "2999-01-01", "au plus tard aujourd'hui"),
    ("rome_appellation", "'; DROP", "Choisissez le métier dans la liste ROME."),
    ("rome_appellation", "999999", "Choisissez le métier dans la liste ROME."),
    ("contract_type", "permanent", "Choisissez un contrat de la liste."),
    ("postcode", "4400A", "Un code postal a 5 chiffres."),
    ("city", "", "Indiquez la commune du lieu de travail."),
]


def test_bad_values_are_refused_beside_their_field(coach_client, employer):
    for field, value, message in BAD_VALUES:
        data = _valid(**{field: value})
        if field == "rome_appellation":
            data["rome_q"] = ""
        response = coach_client.post(_url("opening_create", employer.pk), data)
        assert response.status_code == 200, (field, value)
        errors = " ".join(response.context["form"].errors[field])
        assert message in errors, (field, value, errors)
        assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
        assert not JobOpening.objects.exists(), (field, value)


def test_a_cdi_has_no_duration(coach_client, employer):
    data = _valid(contract_type="cdi", duration_months="12")
    response = coach_client.post(_url("opening_create", employer.pk), data)
    assert response.context["form"].errors["duration_months"] == [
        "Un CDI n'a pas de durée : laissez ce champ vide."
    ]
    data["duration_months"] = ""
    assert coach_client.post(_url("opening_create", employer.pk), data).status_code == 302


HOSTILE = [
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "'; DROP TABLE employers_jobopening; --",
    "<script>alert(1)</script>",
    "-3",
    "1e9",
    "31/02/2026",
    "99999999999999999999999",
    "🙂",
]
# Free text: stored as typed (and shown escaped), unless it holds a NUL or is too long.
TEXT_FIELDS = {
    "title", "tasks", "requirements_kept", "requirements_dropped_notes", "city", "transport",
    "onboarding",
}  # fmt: skip
# Checkboxes: any value sent means "ticked".
FLAGS = {"full_time", "car_needed", "hidden_market"}
# Everything else is a number, a date, a code or a choice: every hostile value is refused.
STRICT = {
    "rome_q", "rome_appellation", "rome_appellation_pick", "contract_type", "duration_months",
    "weekly_hours", "positions", "opened_on", "requirements_dropped", "french_level",
    "languages_useful", "schedule", "working_days", "postcode", "token",
}  # fmt: skip


def _refused(field, value):
    if field == "full_time":
        return True  # ticked with the valid data's 24,5 h: a full time has 35 h at least
    if field in FLAGS:
        return False
    if field in TEXT_FIELDS:
        return "\x00" in value or len(value) > 200
    return True


FIELDS = sorted(TEXT_FIELDS | FLAGS | STRICT)
# Through the whole view (form, service, database, page), each value goes to every field at
# once, then to the free texts (stored as typed and shown escaped when harmless), then alone to
# a number, a date and a choice. Alone in each of the other fields (the ROME title's lookup in
# the reference among them), it meets the form only:
# test_each_field_of_the_job_analysis_sorts_hostile_values.
SAMPLED = [sorted(TEXT_FIELDS), ["weekly_hours"], ["opened_on"], ["contract_type"]]


def _posted(data):
    """`data` as a view reads it from a POST: a QueryDict, a list as repeated keys."""
    posted = QueryDict(mutable=True)
    for name, value in data.items():
        posted.setlist(name, value if isinstance(value, list) else [value])
    return posted


def _refused_everywhere_in_french(response):
    """Every field hostile: refused, with the French messages beside the contract and the
    ROME title (no hostile value is one of theirs)."""
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["contract_type"] == ["Choisissez un contrat de la liste."], errors
    assert errors["rome_appellation"] == [ROME_MISSING], errors
    body = response.content.decode()
    assert "Choisissez un contrat de la liste." in body and ROME_MISSING in body


def test_each_field_of_the_job_analysis_sorts_hostile_values(employer):
    """Each value alone in each field, in the form (the edit form checks the same fields, but
    the token): refused, or accepted where _refused says it is harmless."""
    valid_data = _valid()
    for value in HOSTILE:
        for field in FIELDS:
            form = OpeningCreateForm(_posted({**valid_data, field: value}), employer=employer)
            # A full time under 35 hours is the service's refusal, not the form's.
            accepted = field == "full_time" or not _refused(field, value)
            assert form.is_valid() is accepted, (field, value, form.errors)


def test_hostile_input_on_the_create_form_is_never_a_500(coach_client, employer):
    url = _url("opening_create", employer.pk)
    for value in HOSTILE:
        count = JobOpening.objects.count()
        response = coach_client.post(url, _valid(**dict.fromkeys(FIELDS, value)))
        _refused_everywhere_in_french(response)
        assert JobOpening.objects.count() == count, value
        for fields in SAMPLED:
            count = JobOpening.objects.count()
            response = coach_client.post(url, _valid(**dict.fromkeys(fields, value)))
            if any(_refused(field, value) for field in fields):
                assert response.status_code == 200, (fields, value)
                assert response.context["form"].errors, (fields, value)
                assert JobOpening.objects.count() == count, (fields, value)
            else:
                assert response.status_code == 302, (fields, value)
                assert JobOpening.objects.count() == count + 1
                if fields[0] in TEXT_FIELDS:
                    opening = JobOpening.objects.latest("pk")
                    for field in fields:
                        assert getattr(opening, field) == value.strip(), (field, value)
                    detail = coach_client.get(response["Location"]).content.decode()
                    assert "<script>alert" not in detail


def test_hostile_input_on_the_edit_form_is_never_a_500(coach_client, opening):
    url = _url("opening_edit", opening.pk)
    before = JobOpening.objects.values().get(pk=opening.pk)
    for value in HOSTILE:
        response = coach_client.post(url, _valid(**dict.fromkeys(set(FIELDS) - {"token"}, value)))
        _refused_everywhere_in_french(response)
        assert JobOpening.objects.values().get(pk=opening.pk) == before, value
        for fields in SAMPLED:
            response = coach_client.post(url, _valid(**dict.fromkeys(fields, value)))
            if any(_refused(field, value) for field in fields):
                assert response.status_code == 200, (fields, value)
                assert response.context["form"].errors, (fields, value)
                after = JobOpening.objects.values().get(pk=opening.pk)
                assert after == before, (fields, value)
            else:
                assert response.status_code == 302, (fields, value)
                edited = JobOpening.objects.get(pk=opening.pk)
                for field in set(fields) & TEXT_FIELDS:
                    assert getattr(edited, field) == value.strip(), (field, value)
                # Put the opening back as it was for the next value.
                JobOpening.objects.filter(pk=opening.pk).update(**before)


@pytest.mark.parametrize("field", ["status", "closed_on", "reason"])
def test_hostile_input_on_the_close_form_is_never_a_500(coach_client, opening, field):
    for value in HOSTILE:
        response = coach_client.post(_url("opening_close", opening.pk), _closing(**{field: value}))
        opening.refresh_from_db()
        if field == "reason" and "\x00" not in value and len(value) <= 300:
            assert response.status_code == 302, value
            assert opening.close_reason == value
            coach_client.post(_url("opening_reopen", opening.pk))
        else:
            assert response.status_code == 200, (field, value)
            assert response.context["close_form"].errors
            assert opening.status == "open", (field, value)


def test_an_empty_post_shows_the_form(coach_client, employer):
    response = coach_client.post(_url("opening_create", employer.pk))
    assert response.status_code == 200 and not JobOpening.objects.exists()


# --- Editing --------------------------------------------------------------------------------


def test_the_coach_edits_an_open_opening(coach_client, opening):
    page = coach_client.get(_url("opening_edit", opening.pk))
    form = page.context["form"]
    assert form["rome_appellation"].value() == opening.rome_appellation_id
    assert form["rome_q"].value() == opening.rome_appellation.label
    assert page.context["chosen"] == opening.rome_appellation
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data.update(weekly_hours="30", full_time="", title="Agent de propreté (matin)")
    data.pop("full_time")
    response = coach_client.post(_url("opening_edit", opening.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    opening.refresh_from_db()
    assert opening.weekly_hours == 30 and not opening.full_time
    assert opening.title == "Agent de propreté (matin)"
    assert opening.tasks.startswith("Entretien des bureaux")  # untouched fields kept


def test_a_closed_opening_is_not_edited(coach_client, filled):
    response = coach_client.get(_url("opening_edit", filled.pk))
    assert response.status_code == 302 and response["Location"] == filled.get_absolute_url()
    response = coach_client.post(
        _url("opening_edit", filled.pk), _valid(title="Changé"), follow=True
    )
    assert "rouvrez-la pour la modifier" in response.content.decode()
    filled.refresh_from_db()
    assert filled.title != "Changé"


def test_an_edit_with_hours_over_48_keeps_the_input(coach_client, opening):
    data = _valid(weekly_hours="50", tasks="Nouvelles tâches")
    response = coach_client.post(_url("opening_edit", opening.pk), data)
    assert response.status_code == 200
    assert "48 heures par semaine au plus" in response.content.decode()
    assert "Nouvelles tâches" in response.content.decode()
    opening.refresh_from_db()
    assert opening.weekly_hours == 35


# --- Closing and reopening ------------------------------------------------------------------


def test_the_coach_closes_then_reopens_an_opening(coach_client, opening):
    yesterday = TODAY() - datetime.timedelta(days=1)
    response = coach_client.post(
        _url("opening_close", opening.pk),
        _closing(closed_on=yesterday.isoformat(), reason="Pourvue par Awa"),
    )
    assert response.status_code == 302 and response["Location"] == opening.get_absolute_url()
    opening.refresh_from_db()
    assert (opening.status, opening.closed_on, opening.close_reason) == (
        "filled",
        yesterday,
        "Pourvue par Awa",
    )
    body = coach_client.get(opening.get_absolute_url()).content.decode()
    assert "Pourvue le" in body and yesterday.strftime("%d/%m/%Y") in body
    assert "Pourvue par Awa" in body
    response = coach_client.post(_url("opening_reopen", opening.pk))
    assert response.status_code == 302
    opening.refresh_from_db()
    assert opening.status == "open" and opening.closed_on is None


def test_a_closing_date_before_the_opening_is_refused_beside_the_date(coach_client, opening):
    before = opening.opened_on - datetime.timedelta(days=1)
    response = coach_client.post(
        _url("opening_close", opening.pk),
        _closing(status="cancelled", closed_on=before.isoformat(), reason="Erreur"),
    )
    assert response.status_code == 200
    errors = response.context["close_form"].errors["closed_on"]
    assert errors == [
        f"La clôture ne peut pas précéder l'ouverture ({opening.opened_on:%d/%m/%Y})."
    ]
    body = response.content.decode()
    assert "La clôture ne peut pas précéder" in body and 'id="clore" open' in body
    opening.refresh_from_db()
    assert opening.status == "open"


def test_closing_twice_keeps_the_first_decision(coach_client, opening):
    coach_client.post(_url("opening_close", opening.pk), _closing())
    response = coach_client.post(
        _url("opening_close", opening.pk), _closing(status="cancelled"), follow=True
    )
    assert "déjà close" in response.content.decode()
    opening.refresh_from_db()
    assert opening.status == "filled"


def test_the_get_method_does_not_close(coach_client, opening):
    assert coach_client.get(_url("opening_close", opening.pk)).status_code == 405
    assert coach_client.get(_url("opening_reopen", opening.pk)).status_code == 405


# --- The ROME type-ahead --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prepa comm", "Préparateur / Préparatrice de commandes"),
        ("AGENT PROPRETE", "Agent / Agente de propreté de locaux"),
        ("cuisinière", "Cuisinier / Cuisinière"),
        ("  Cuisinier  ", "Cuisinier / Cuisinière"),
    ],
)
def test_the_typeahead_folds_accents_and_case(coach_client, query, expected):
    response = coach_client.get(_url("rome_typeahead"), {"q": query})
    labels = [title.label for title in response.context["rome_results"]]
    assert expected in labels and len(labels) <= 10
    body = response.content.decode()
    title = RomeAppellation.objects.get(label=expected)
    assert f'value="{title.code}"' in body and title.rome_id in body


def test_the_typeahead_reads_the_forms_own_field(coach_client):
    # htmx sends the search box under its name in the form.
    response = coach_client.get(_url("rome_typeahead"), {"rome_q": "cariste"})
    assert any("Cariste" in title.label for title in response.context["rome_results"])


def test_the_typeahead_lists_a_rome_sheets_titles(coach_client):
    response = coach_client.get(_url("rome_typeahead"), {"q": "n1103"})
    results = response.context["rome_results"]
    assert results and {title.rome_id for title in results} == {"N1103"}


def test_the_typeahead_gives_at_most_10_and_says_when_nothing_matches(coach_client):
    assert (
        len(coach_client.get(_url("rome_typeahead"), {"q": "agent"}).context["rome_results"]) == 10
    )
    body = coach_client.get(_url("rome_typeahead"), {"q": "zzzzqq"}).content.decode()
    assert "Aucun métier ROME ne correspond à « zzzzqq »" in body
    body = coach_client.get(_url("rome_typeahead"), {"q": "a"}).content.decode()
    assert "Tapez au moins 2 lettres" in body


def test_the_typeahead_takes_any_input(coach_client):
    for query in [*HOSTILE, "%", "_", "\\", "' OR 1=1 --"]:
        assert coach_client.get(_url("rome_typeahead"), {"q": query}).status_code == 200, query


def test_the_typeahead_runs_one_query(coach_client, django_assert_num_queries):
    coach_client.get(_url("rome_typeahead"), {"q": "agent"})  # warm the session
    # session, user (+ organisation), the titles
    with django_assert_num_queries(3):
        coach_client.get(_url("rome_typeahead"), {"q": "agent propre"})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prepa comm", "Préparateur / Préparatrice de commandes"),
        ("AGENT PROPRETE", "Agent / Agente de propreté de locaux"),
        ("cuisinière", "Cuisinier / Cuisinière"),
        ("n1103", "Agent / Agente de magasinage"),
    ],
)
def test_the_typeahead_search_folds_accents_and_case(query, expected):
    # Its speed is measured by make bench (rome_typeahead), not here.
    labels = [title.label for title in RomeAppellation.objects.search(query, 10)]
    assert expected in labels


def test_a_full_time_of_less_than_35_hours_is_refused_beside_the_box(coach_client, employer):
    response = coach_client.post(
        _url("opening_create", employer.pk), _valid(full_time="on", weekly_hours="20")
    )
    assert "au moins 35 heures" in " ".join(response.context["form"].errors["full_time"])
    assert not JobOpening.objects.exists()
    response = coach_client.post(
        _url("opening_create", employer.pk), _valid(full_time="on", weekly_hours="35")
    )
    assert response.status_code == 302 and JobOpening.objects.get().full_time


def test_hours_with_an_underscore_are_refused(coach_client, employer):
    response = coach_client.post(_url("opening_create", employer.pk), _valid(weekly_hours="1_0"))
    assert response.context["form"].errors["weekly_hours"]
    assert not JobOpening.objects.exists()
