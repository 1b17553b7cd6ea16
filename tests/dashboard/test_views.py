"""The dashboard's pages through the test client, on the known world of world.py (the year
2025, the clock frozen on 15 January 2026).

Proved here: only the two managers reach the dashboard, its exports and the lists behind its
figures (anybody else: 404; anonymous: the login page); each sees her scope's figures only;
hostile filters give a French message and no figure (never a 500, never another scope's
figures); the list behind a figure shows exactly the people the manager may list and says how
many others the figure holds; health information is never listed nor linked; the page and the
XLSX export issue the same number of queries whatever the data size.
"""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from residents.enums import Stage
from residents.models import StageChange
from tests.residents.factories import ResidenceFactory, ResidentFactory

from .world import NOW, at, populate

pytestmark = pytest.mark.django_db
YEAR = {"annee": "2025"}
HOME = reverse("dashboard:home")
URLS = [
    HOME,
    reverse("dashboard:export", args=["csv"]),
    reverse("dashboard:export", args=["xlsx"]),
    reverse("dashboard:people", args=["stage:engaged"]),
]
NO_FIGURES = "Corrigez les filtres signalés ci-dessus : aucun chiffre n'est affiché"


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


# The world and the cast are built once for the module, on NOW (conftest.py's `rows_on_now`).
@pytest.fixture
def world(rows_on_now):
    return rows_on_now["world"]


@pytest.fixture
def cast(rows_on_now):
    return rows_on_now["cast"]


def people(indicator):
    return reverse("dashboard:people", args=[indicator])


def get(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params or {})


def shown(response):
    """{table key: {row label: [values]}} of the page."""
    return {
        table.key: {row.label: row.values for row in table.rows}
        for section in response.context["sections"]
        for table in section["tables"]
    }


def links(response, key):
    """{row label: [the cells' URLs]} of one table of the page."""
    for section in response.context["sections"]:
        for table in section["tables"]:
            if table.key == key:
                return {
                    row["label"]: [cell["url"] for cell in row["cells"]]
                    for row in table.display_rows
                }
    raise KeyError(key)


# --- Who reaches it ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("member", ["officer", "coach", "staff", "administrator", "outsider"])
def test_nobody_but_the_managers_reaches_the_dashboard(client, cast, member):
    client.force_login(cast[member])

    for url in URLS:
        assert client.get(url, YEAR).status_code == 404, (member, url)


@pytest.mark.parametrize("fmt", ["pdf", "csv.exe"])
def test_an_unknown_export_format_is_not_found(client, world, fmt):
    response = get(client, world.housing_manager, reverse("dashboard:export", args=[fmt]))

    assert response.status_code == 404


def test_the_housing_manager_sees_her_residences_the_employment_manager_her_territorys(
    client, world
):
    """A Nantes residence the Adoma manager is no member of: in the Adelis manager's
    territory, not in the Adoma manager's scope. Saint-Nazaire's rows: in neither."""
    elsewhere = ResidenceFactory(name="Résidence Hors Périmètre", territory="Nantes Métropole")
    newcomer = ResidentFactory(residence=elsewhere, stage=Stage.IDENTIFIED)
    StageChange.objects.create(
        resident=newcomer,
        to_stage=Stage.IDENTIFIED,
        changed_by=world.officer,
        changed_at=at(2025, 5, 5),
        residence=elsewhere,
    )

    housing = get(client, world.housing_manager, HOME, YEAR)
    employment = get(client, world.employment_manager, HOME, YEAR)

    assert shown(housing)["parcours"]["Repérées"][0] == 7
    assert shown(employment)["parcours"]["Repérées"][0] == 8
    hers = {r.pk for r in housing.context["form"].fields["residence"].queryset}
    assert elsewhere.pk not in hers and world.salines.pk not in hers
    assert {world.in_qpv.pk, world.malakoff.pk} <= hers
    territory = {r.pk for r in employment.context["form"].fields["residence"].queryset}
    assert elsewhere.pk in territory and world.salines.pk not in territory
    assert escape("Résidence Les Salines") not in housing.content.decode()


def test_another_employment_organisations_hires_never_count_for_the_employment_manager(
    client, world
):
    # Dmitri's CDI with Insertion Plus counts for the Adoma manager only.
    housing = shown(get(client, world.housing_manager, HOME, YEAR))
    hers = shown(get(client, world.employment_manager, HOME, YEAR))

    assert housing["emploi"]["Embauches"][0] == 5
    assert hers["emploi"]["Embauches"][0] == 4
    assert housing["contrats_par_sexe"]["CDI"] == [2, 1, 0, 3]
    assert hers["contrats_par_sexe"]["CDI"] == [2, 0, 0, 2]
    assert hers["maintien_6_mois"]["Confirmé en poste"] == [1]  # Amina, not Dmitri
    assert "Paul Durand" not in hers["portefeuilles"]

    form = get(client, world.employment_manager, HOME).context["form"]
    assert list(form.fields["organisation"].queryset) == [world.adelis]
    coaches = set(form.fields["coach"].queryset)
    assert world.coaches["coach_a"] in coaches and world.coaches["coach_x"] not in coaches


# --- Hostile filters ----------------------------------------------------------------------------


def _invalid_choice(value):
    with translation.override("fr"):
        return str(forms.ChoiceField.default_error_messages["invalid_choice"]) % {"value": value}


HOSTILE = {
    "dates in the wrong order": (
        {"periode": "dates", "du": "2025-06-30", "au": "2025-01-01"},
        ["La date de fin est avant la date de début."],
    ),
    "an unknown period": ({"periode": "decennie"}, [_invalid_choice("decennie")]),
    "year 0": ({"annee": "0"}, ["Choisissez une année entre 2000 et 2100."]),
    "year abc": ({"annee": "abc"}, ["Indiquez une année en chiffres, par exemple 2026."]),
    "month 13": ({"periode": "mois", "annee": "2025", "mois": "13"}, [_invalid_choice("13")]),
    "quarter 5": (
        {"periode": "trimestre", "annee": "2025", "trimestre": "5"},
        [_invalid_choice("5")],
    ),
    "dates without dates": (
        {"periode": "dates"},
        ["Indiquez la date de début.", "Indiquez la date de fin."],
    ),
    "ten years": (
        {"periode": "dates", "du": "2015-01-01", "au": "2024-12-31"},
        ["Choisissez une période de cinq ans au plus."],
    ),
    "a date that is no date": (
        {"periode": "dates", "du": "2025-02-30", "au": "2025-03-01"},
        ["Saisissez une date valide."],
    ),
    "the year 9999": (
        {"periode": "dates", "du": "9999-01-01", "au": "9999-12-31"},
        ["Choisissez des dates entre 2000 et 2100."],
    ),
    "an unknown residence": (
        {"annee": "2025", "residence": "999999"},
        ["Cette résidence n'est pas dans votre périmètre."],
    ),
    "a residence id that is no number": (
        {"annee": "2025", "residence": "abc"},
        ["Cette résidence n'existe pas."],
    ),
}


def _assert_refused(response, messages):
    body = response.content.decode()
    for message in messages:
        assert escape(message) in body, message
    assert NO_FIGURES in body  # template text, not escaped
    assert response.context["selection"] is None
    assert response.context["sections"] == []
    assert "data-table=" not in body  # not one table of figures


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_filter_gets_a_french_message_and_no_figure(client, world, case):
    params, messages = HOSTILE[case]

    response = get(client, world.housing_manager, HOME, params)

    assert response.status_code == 200
    _assert_refused(response, messages)


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_filter_gets_no_export(client, world, case):
    params, messages = HOSTILE[case]

    for fmt in ("csv", "xlsx"):
        response = get(
            client, world.housing_manager, reverse("dashboard:export", args=[fmt]), params
        )
        assert response.status_code == 400
        _assert_refused(response, messages)


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_filter_gets_no_list(client, world, case):
    params, _ = HOSTILE[case]

    response = get(client, world.housing_manager, people("hires"), params)

    assert response.status_code == 404


def test_a_residence_outside_her_scope(client, world):
    # Saint-Nazaire: not hers, even alongside one of hers.
    for chosen in ([world.salines.pk], [world.in_qpv.pk, world.salines.pk]):
        response = get(client, world.housing_manager, HOME, {"annee": "2025", "residence": chosen})
        assert response.status_code == 200
        _assert_refused(response, ["Cette résidence n'est pas dans votre périmètre."])


def test_a_coach_of_another_organisation_for_the_employment_manager(client, world):
    response = get(
        client,
        world.employment_manager,
        HOME,
        {"annee": "2025", "coach": world.coaches["coach_x"].pk},
    )

    assert response.status_code == 200
    _assert_refused(response, ["Cette personne n'est pas dans votre périmètre."])


def test_another_organisation_for_the_employment_manager(client, world):
    response = get(
        client,
        world.employment_manager,
        HOME,
        {"annee": "2025", "organisation": world.insertion_plus.pk},
    )

    assert response.status_code == 200
    _assert_refused(response, ["Cette structure n'est pas dans votre périmètre."])


# --- The list behind a figure ------------------------------------------------------------------


def _names(response):
    return [f"{r.first_name} {r.last_name}" for r in response.context["page"].object_list]


def test_the_list_behind_a_figure_follows_the_link_of_the_page(client, world):
    page = get(client, world.housing_manager, HOME, YEAR)
    url = links(page, "parcours")["Remobilisées (accord d'accompagnement)"][0]
    assert url == f"{people('stage:engaged')}?annee=2025"

    response = client.get(url)

    assert response.status_code == 200
    # The figure's 5: Amina, Bakary, Chloé, Dmitri, Farid. Chloé lives in Saint-Nazaire now:
    # counted in Malakoff's figure, not listed to the Adoma manager.
    assert _names(response) == [  # by last name
        "Farid Benali",
        "Amina Diallo",
        "Dmitri Kovalenko",
        "Bakary Traoré",
    ]
    assert (response.context["total"], response.context["hidden"]) == (5, 1)
    assert "1 personne de ce chiffre ne figure" in response.content.decode()


def test_the_employment_manager_lists_her_organisations_people_only(client, world):
    response = get(client, world.employment_manager, people("stage:engaged"), YEAR)

    assert response.status_code == 200
    # Dmitri is Insertion Plus's, Chloé nobody's: counted, not listed.
    assert _names(response) == ["Farid Benali", "Amina Diallo", "Bakary Traoré"]
    assert (response.context["total"], response.context["hidden"]) == (5, 2)
    assert "2 personnes de ce chiffre ne figurent" in response.content.decode()


@pytest.mark.parametrize(
    ("indicator", "names"),
    [
        ("stage:exited", ["Emma Le Guen", "Inès Rahimi", "Bakary Traoré"]),  # Chloé hidden
        ("exit:handover", ["Emma Le Guen"]),
        (
            "hires",
            ["Amina Diallo", "Bakary Traoré", "Farid Benali", "Dmitri Kovalenko", "Gloria Mendes"],
        ),
        ("retained", ["Amina Diallo", "Dmitri Kovalenko"]),
        ("durable", ["Amina Diallo", "Farid Benali", "Dmitri Kovalenko", "Gloria Mendes"]),
    ],
)
def test_more_lists_behind_figures(client, world, indicator, names):
    response = get(client, world.housing_manager, people(indicator), YEAR)

    assert response.status_code == 200
    assert set(_names(response)) == set(names)


def test_the_actions_behind_a_figure(client, world):
    response = get(client, world.housing_manager, people("actions:hall_session"), YEAR)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 6
    assert response.context["hidden"] == 0
    # The Adelis manager does not read outreach actions: no list, no link.
    assert (
        get(client, world.employment_manager, people("actions:hall_session"), YEAR).status_code
        == 404
    )
    page = get(client, world.employment_manager, HOME, YEAR)
    assert links(page, "actions")["Permanence dans le hall"] == [None, None, None]


@pytest.mark.parametrize(
    "indicator",
    [
        "stage:flying",
        "stage:",
        "exit:unknown",
        "actions:teleport",
        "people",
        "cat:engaged:nothing",
        "contacts:hall:shouting",
        "contract:cdi:robot",
        # Health information is never listed: the health exit, the health barrier, the RQTH.
        "exit:health",
        "cat:exited:exit_health",
        "cat:identified:public_2",
        "cat:employed:public_3",
    ],
)
def test_an_unknown_indicator_or_a_health_one_is_not_found(client, world, indicator):
    response = get(client, world.housing_manager, people(indicator), YEAR)

    assert response.status_code == 404


@pytest.mark.parametrize("manager", ["housing_manager", "employment_manager"])
def test_every_link_of_the_page_leads_to_its_list(client, world, manager):
    user = getattr(world, manager)
    page = get(client, user, HOME, YEAR)
    urls = {
        cell["url"]
        for section in page.context["sections"]
        for table in section["tables"]
        for row in table.display_rows
        for cell in row["cells"]
        if cell["url"]
    }
    assert urls

    refused = {url: client.get(url).status_code for url in sorted(urls)}

    assert {url: status for url, status in refused.items() if status != 200} == {}


def test_health_figures_never_carry_a_link(client, world):
    response = get(client, world.housing_manager, HOME, YEAR)

    public = links(response, "par_public")
    assert public["Frein santé"] == [None] * 5
    assert public["RQTH"] == [None] * 5
    exits = links(response, "sorties_par_motif")
    assert exits["Raisons de santé"] == [None]
    assert exits["Perdu de vue"] == [f"{people('exit:lost_contact')}?annee=2025"]
    body = response.content.decode()
    for health in ("exit:health", "exit_health", ":public_2/", ":public_3/"):
        assert health not in body


# --- Query budgets ------------------------------------------------------------------------------

# Whatever the data size (measured on the known world, then on five times its rows):
# - 2: the session and the user;
# - 2: the form's residences and employment organisations (validation);
# - 29: the figures (figures.py), aggregates all: the path (conversions, median delays, hires,
#   durable hires, six-month outcomes, the categories, the months: 7), outreach (actions by
#   kind with the people met, by residence, the residences' names, people reached, contacts by
#   channel and outcome, referrals, SMS by status, opt-outs: 8), employment
#   (openings, hires, CDI, full time, companies, steps, meetings, introductions proposed and
#   held, follow-ups, caseloads, the coaches' names: 12), the funder's (situation six months
#   after the exit, contracts by sex: 2);
# - 3 for the page only: the residences, organisations and coaches of the filters' menus.
DASHBOARD_QUERIES = 36
XLSX_QUERIES = 33


def _count(client, url, params):
    client.get(url, params)  # caches warmed (content types, the session's first read)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_and_the_export_issue_a_fixed_number_of_queries(client, world):
    client.force_login(world.housing_manager)
    xlsx = reverse("dashboard:export", args=["xlsx"])
    small = (_count(client, HOME, YEAR), _count(client, xlsx, YEAR))

    for copy in range(1, 5):  # five times the rows
        populate(world, copy=copy)
    large = (_count(client, HOME, YEAR), _count(client, xlsx, YEAR))

    assert small == large == (DASHBOARD_QUERIES, XLSX_QUERIES)


# --- Health information and the lists' own rights ----------------------------------------------


def test_an_exit_for_health_reasons_is_never_listed_even_in_scope(client, world):
    """Chloé's exit for health reasons, brought back into the Adoma manager's scope: the list
    of all exits leaves her out (else it minus the lists of each other reason would name
    her), though she is counted."""
    chloe = StageChange.objects.get(exit_reason="health").resident
    chloe.residence = StageChange.objects.get(exit_reason="handover").residence
    chloe.save(update_fields=["residence"])

    response = get(client, world.housing_manager, people("stage:exited"), YEAR)

    assert response.status_code == 200
    assert "Chloé Martin" not in _names(response)
    assert response.context["total"] == len(_names(response))


def test_a_list_needs_the_right_on_its_rows(client, world):
    """The Adelis manager lists residents of her organisation, but reads no outreach contact:
    no list of the people reached or of contacts for her, and no such link on her page."""
    for indicator in ("reached", "contacts:hall:interested"):
        response = get(client, world.employment_manager, people(indicator), YEAR)
        assert response.status_code == 404, indicator

    page = get(client, world.employment_manager, HOME, YEAR)
    assert links(page, "personnes")["Personnes jointes"] == [None]
    assert all(url is None for urls in links(page, "contacts").values() for url in urls)
    assert get(client, world.housing_manager, people("reached"), YEAR).status_code == 200


def test_a_small_health_count_or_its_complement_is_hidden_on_the_page(client, world):
    """One day, one residence: a health count of 1 among a few people would name her."""
    response = get(
        client,
        world.housing_manager,
        HOME,
        {"periode": "dates", "du": "2025-02-05", "au": "2025-02-05"},
    )
    rows = {
        row["label"]: row["cells"]
        for section in response.context["sections"]
        for table in section["tables"]
        if table.key == "par_public"
        for row in table.display_rows
    }

    for label in ("Frein santé", "RQTH"):
        assert any(cell["value"] for cell in rows[label]), label  # Chloé, that day
        assert all(cell["hidden"] for cell in rows[label] if cell["value"]), label
    body = response.content.decode()
    assert "masqué" in body
