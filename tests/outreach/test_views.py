"""The outreach screens through the test client: the hall session path, bad input on every
form, scope (404 outside it), double submissions, and the query budgets of the session page,
the inbox and the residence history."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from outreach import services
from outreach.enums import Outcome, ReferralStatus
from outreach.models import Contact, OutreachAction, Referral
from residents.enums import ConsentScope, Stage
from residents.models import ResidenceMembership, Resident
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(nantes_residences):
    return nantes_residences[0]


@pytest.fixture
def fatoumata(hall):
    return ResidentFactory(first_name="Fatoumata", last_name="Diallo", residence=hall, stage=None)


@pytest.fixture
def session(officer, hall):
    return services.outreach_action_start(by=officer, residence=hall)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _url(name, *args):
    return reverse(f"outreach:{name}", args=args)


class CountingClient:
    """The test client, counting the requests the path makes."""

    def __init__(self, client):
        self.client, self.requests = client, 0

    def get(self, *args, **kwargs):
        self.requests += 1
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        self.requests += 1
        return self.client.post(*args, **kwargs)

    def follow(self, response):
        assert response.status_code == 302, response.content.decode()[:2000]
        return self.get(response["Location"])


# --- The path of the issue ------------------------------------------------------------------


def test_the_hall_session_path_takes_at_most_12_requests(officer_client, hall, fatoumata):
    browser = CountingClient(officer_client)
    home = browser.get(reverse("home"))
    assert "Démarrer une permanence" in home.content.decode()
    start = home.context["start_form"]
    page = browser.follow(
        browser.post(_url("action_start"), {"residence": hall.pk, "token": start.initial["token"]})
    )
    action = OutreachAction.objects.get()
    assert page.context["action"] == action and action.residence == hall

    # One found by the type-ahead (accents and case folded), interested, with the consent.
    found = browser.get(_url("typeahead", action.pk), {"q": "DIÂLLO fâtou"})
    assert f'value="{fatoumata.pk}"' in found.content.decode()
    token = page.context["contact_form"].initial["token"]
    page = browser.follow(
        browser.post(
            _url("contact_add", action.pk),
            {
                "resident": fatoumata.pk,
                "outcome": "interested",
                "summary": "Veut travailler en cuisine",
                "accompaniment_consent": "on",
                "token": token,
            },
        )
    )
    # One new, one without a name.
    token = page.context["new_form"].initial["token"]
    page = browser.follow(
        browser.post(
            _url("meet_new", action.pk),
            {"first_name": "Awa", "housing_unit": "B12", "outcome": "not_now", "token": token},
        )
    )
    page = browser.follow(browser.post(_url("count_unnamed", action.pk)))
    assert page.context["people_met"] == {"named": 2, "unnamed": 1}
    summary = browser.follow(browser.post(_url("action_close", action.pk)))

    assert browser.requests <= 12, browser.requests
    body = summary.content.decode()
    assert "Bilan de la permanence" in body and "Clore la permanence" not in body
    assert summary.context["people_met"] == {"named": 2, "unnamed": 1}
    assert dict(summary.context["by_outcome"]) == {"Intéressé·e": 1, "Pas maintenant": 1}
    action.refresh_from_db()
    assert action.ended_at is not None
    fatoumata.refresh_from_db()
    assert fatoumata.stage == Stage.ENGAGED
    assert fatoumata.consents.filter(scope=ConsentScope.ACCOMPANIMENT).count() == 1
    assert fatoumata.last_interaction_at is not None
    awa = Resident.objects.get(first_name="Awa")
    assert (awa.residence, awa.housing_unit, awa.stage) == (hall, "B12", Stage.IDENTIFIED)
    # The file's timeline shows the contact.
    detail = officer_client.get(fatoumata.get_absolute_url()).content.decode()
    assert "Contact (dans le hall) : Intéressé·e" in detail
    assert "Veut travailler en cuisine" in detail


def test_the_home_page_preselects_the_only_residence(client, staff, officer, hall):
    # An officer of one residence: no select, the residence goes as a hidden field.
    ResidenceMembership.objects.filter(user=officer).exclude(residence=hall).delete()
    client.force_login(officer)
    body = client.get(reverse("home")).content.decode()
    assert f'type="hidden" name="residence" value="{hall.pk}"' in body
    assert "<select" not in body


def test_the_home_page_shows_a_running_session(officer_client, session):
    body = officer_client.get(reverse("home")).content.decode()
    assert session.get_absolute_url() in body and "Reprendre" in body


# --- Type-ahead -----------------------------------------------------------------------------


def test_typeahead_answers_only_residents_of_the_sessions_residence(
    officer_client, session, fatoumata, nantes_residences, other_territory_residence
):
    ResidentFactory(first_name="Fatou", last_name="Diallo", residence=nantes_residences[1])
    ResidentFactory(first_name="Fatou", last_name="Diallo", residence=other_territory_residence)
    response = officer_client.get(_url("typeahead", session.pk), {"q": "diallo"})
    assert response.status_code == 200
    assert [r.pk for r in response.context["results"]] == [fatoumata.pk]
    # Fewer than two characters: nothing searched.
    response = officer_client.get(_url("typeahead", session.pk), {"q": "d"})
    assert response.context["results"] is None
    assert "Tapez au moins 2 lettres" in response.content.decode()


def test_typeahead_gives_at_most_8_and_says_when_nobody_matches(officer_client, session, hall):
    ResidentFactory.create_batch(10, last_name="Traoré", residence=hall)
    response = officer_client.get(_url("typeahead", session.pk), {"q": "traore"})
    assert len(response.context["results"]) == 8
    response = officer_client.get(_url("typeahead", session.pk), {"q": "zzzz"})
    assert "Personne de cette résidence ne correspond" in response.content.decode()


def test_the_session_page_searches_without_javascript(officer_client, session, fatoumata):
    response = officer_client.get(_url("action", session.pk), {"q": "fatoumata"})
    assert f'value="{fatoumata.pk}"' in response.content.decode()


# --- Bad input, never a 500 -----------------------------------------------------------------


def _contact(client, session, **data):
    payload = {"outcome": "interested", "token": uuid.uuid4(), **data}
    return client.post(_url("contact_add", session.pk), payload)


@pytest.mark.parametrize("resident", ["99999999", "abc", "99999999999999999999", "", "-1"])
def test_an_unknown_resident_id_is_refused_beside_the_field(
    officer_client, session, fatoumata, resident
):
    services.contact_log(
        by=session.created_by, resident=fatoumata, action=session, outcome="not_now"
    )
    response = _contact(officer_client, session, resident=resident)
    assert response.status_code == 200
    errors = response.context["contact_form"].errors["resident"]
    assert errors[0] in (
        "Choisissez une personne de cette résidence dans la liste.",
        "Cherchez puis choisissez la personne rencontrée.",
    )
    assert Contact.objects.count() == 1  # the session's other contact is intact


@pytest.mark.parametrize("where", ["other_nantes", "other_territory"])
def test_a_resident_of_another_residence_is_refused(
    officer_client, session, nantes_residences, other_territory_residence, where
):
    residence = nantes_residences[1] if where == "other_nantes" else other_territory_residence
    other = ResidentFactory(residence=residence)
    response = _contact(officer_client, session, resident=other.pk)
    assert response.status_code == 200
    assert response.context["contact_form"].errors["resident"] == [
        "Choisissez une personne de cette résidence dans la liste."
    ]
    assert not Contact.objects.exists()


def test_an_action_of_another_residence_is_404(client, outsider, officer, fatoumata):
    elsewhere = services.outreach_action_start(
        by=outsider, residence=ResidenceMembership.objects.get(user=outsider).residence
    )
    client.force_login(officer)
    for name in ("action", "typeahead"):
        assert client.get(_url(name, elsewhere.pk)).status_code == 404
    response = _contact(client, elsewhere, resident=fatoumata.pk)
    assert response.status_code == 404
    assert client.post(_url("count_unnamed", elsewhere.pk)).status_code == 404
    assert client.post(_url("action_close", elsewhere.pk)).status_code == 404
    elsewhere.refresh_from_db()
    assert (elsewhere.unnamed_count, elsewhere.ended_at, elsewhere.contacts.count()) == (0, None, 0)


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("x" * 100_000, "au plus 300 caractères"),
        ("Bonjour\x00", "caractère nul"),
    ],
)
def test_a_summary_too_long_or_with_a_nul_byte_is_refused(
    officer_client, session, fatoumata, summary, message
):
    response = _contact(officer_client, session, resident=fatoumata.pk, summary=summary)
    assert response.status_code == 200
    assert message in response.context["contact_form"].errors["summary"][0]
    assert not Contact.objects.exists()
    # The person chosen stays chosen beside the refused field.
    assert f'value="{fatoumata.pk}"\n                 checked' in response.content.decode()


def test_the_consent_with_a_declining_outcome_is_refused_beside_the_box(
    officer_client, session, fatoumata
):
    response = _contact(
        officer_client,
        session,
        resident=fatoumata.pk,
        outcome="declined",
        accompaniment_consent="on",
    )
    assert response.status_code == 200
    assert response.context["contact_form"].errors["accompaniment_consent"] == [
        "L'accord se recueille auprès d'une personne intéressée."
    ]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": ""}, "outcome"),
        ({"next_step_on": "31/31/2026"}, "next_step_on"),
        ({"next_step_on": "2001-01-01"}, "next_step_on"),
        ({"token": "pas-un-jeton"}, "token"),
    ],
)
def test_other_bad_contact_fields_are_refused(officer_client, session, fatoumata, data, field):
    response = _contact(officer_client, session, resident=fatoumata.pk, **data)
    assert response.status_code == 200
    assert response.context["contact_form"].errors[field]
    assert not Contact.objects.exists()


def test_a_double_submitted_contact_is_one_row(officer_client, session, fatoumata):
    token = uuid.uuid4()
    for _ in range(2):
        response = _contact(officer_client, session, resident=fatoumata.pk, token=token)
        assert response.status_code == 302
    assert Contact.objects.count() == 1


def test_a_next_step_date_reminds_the_officer(officer_client, officer, session, fatoumata):
    day = timezone.localdate() + datetime.timedelta(days=3)
    _contact(officer_client, session, resident=fatoumata.pk, next_step_on=day.isoformat())
    assert officer.reminders.filter(resident=fatoumata).count() == 1


def test_a_double_submitted_new_person_is_one_file(officer_client, session):
    data = {"first_name": "Awa", "outcome": "not_now", "token": uuid.uuid4()}
    for _ in range(2):
        assert officer_client.post(_url("meet_new", session.pk), data).status_code == 302
    assert Resident.objects.filter(first_name="Awa").count() == 1
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Indiquez au moins le prénom."),
        ({"first_name": "   "}, "first_name", "Indiquez au moins le prénom."),
        ({"first_name": "A\x00wa"}, "first_name", "caractère nul"),
        ({"first_name": "Awa", "housing_unit": "1" * 31}, "housing_unit", "au plus 30"),
        ({"first_name": "Awa", "summary": "y" * 100_000}, "summary", "au plus 300"),
    ],
)
def test_bad_new_person_input_is_refused_beside_the_field(
    officer_client, session, data, field, message
):
    payload = {"outcome": "not_now", "token": uuid.uuid4(), **data}
    response = officer_client.post(_url("meet_new", session.pk), payload)
    assert response.status_code == 200
    assert message in response.context["new_form"].errors[field][0]
    assert not Resident.objects.exists()


def test_a_double_started_session_is_one_action(officer_client, hall):
    data = {"residence": hall.pk, "token": uuid.uuid4()}
    first = officer_client.post(_url("action_start"), data)
    second = officer_client.post(_url("action_start"), data)
    assert first["Location"] == second["Location"]
    assert OutreachAction.objects.count() == 1


@pytest.mark.parametrize("residence", ["abc", "99999999999999999999", ""])
def test_a_bad_residence_to_start_is_refused_in_french(officer_client, residence):
    response = officer_client.post(
        _url("action_start"), {"residence": residence, "token": uuid.uuid4()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["residence"]
    assert not OutreachAction.objects.exists()


def test_correcting_a_line_changes_only_that_line(officer_client, officer, session, fatoumata):
    other = ResidentFactory(residence=session.residence)
    first = services.contact_log(by=officer, resident=fatoumata, action=session, outcome="not_now")
    second = services.contact_log(by=officer, resident=other, action=session, outcome="declined")
    response = officer_client.post(
        _url("contact_correct", session.pk, first.pk), {"outcome": "interested", "summary": "Ok"}
    )
    assert response.status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.outcome, first.summary) == ("interested", "Ok")
    assert second.outcome == "declined"
    # A bad correction: the message beside the line, nothing changed.
    response = officer_client.post(
        _url("contact_correct", session.pk, first.pk), {"outcome": "", "summary": "z" * 400}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choisissez la suite donnée." in body and "au plus 300" in body
    first.refresh_from_db()
    assert first.outcome == "interested"


def test_a_contact_of_another_action_is_404(officer_client, officer, session, fatoumata, hall):
    other_action = services.outreach_action_start(by=officer, residence=hall)
    contact = services.contact_log(
        by=officer, resident=fatoumata, action=other_action, outcome="not_now"
    )
    response = officer_client.post(
        _url("contact_correct", session.pk, contact.pk), {"outcome": "declined"}
    )
    assert response.status_code == 404
    contact.refresh_from_db()
    assert contact.outcome == "not_now"


def test_a_closed_session_takes_no_more_contacts(officer_client, officer, session, fatoumata):
    services.outreach_action_close(action=session, by=officer)
    response = _contact(officer_client, session, resident=fatoumata.pk)
    assert response.status_code == 302
    assert not Contact.objects.exists()
    assert officer_client.post(_url("count_unnamed", session.pk)).status_code == 302
    session.refresh_from_db()
    assert session.unnamed_count == 0


def test_the_housing_manager_reads_the_session_without_its_forms(
    client, adoma_manager, officer, session, fatoumata
):
    services.contact_log(by=officer, resident=fatoumata, action=session, outcome="not_now")
    client.force_login(adoma_manager)
    response = client.get(_url("action", session.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "DIALLO Fatoumata" in body
    assert "Clore la permanence" not in body and "Corriger" not in body


# --- Referrals ------------------------------------------------------------------------------


def _referral(client, hall, **data):
    payload = {
        "residence": hall.pk,
        "first_name": "Binta",
        "housing_unit": "7",
        "reason": "Cherche un emploi",
        "how_to_reach": "Le matin",
        "source": "residence_manager",
        "token": uuid.uuid4(),
        **data,
    }
    return client.post(_url("referral_new"), payload)


def test_staff_files_a_referral_and_follows_its_status_only(client, staff, officer, hall):
    client.force_login(staff)
    form = client.get(_url("referral_new"))
    body = form.content.decode()
    # Her one residence goes preselected, hidden; the source is preselected.
    assert f'type="hidden" name="residence" value="{hall.pk}"' in body
    assert '<option value="residence_manager" selected>' in body
    response = _referral(client, hall)
    assert response["Location"] == _url("referrals_mine")
    referral = Referral.objects.get()
    assert (referral.filed_by, referral.status, referral.source_name) == (
        staff,
        ReferralStatus.NEW,
        "Marc Le Goff",
    )
    services.referral_take(referral=referral, by=officer)
    services.contact_log(
        by=officer,
        resident=Referral.objects.get().resident,
        outcome="declined",
        summary="Ne souhaite pas travailler",
    )
    body = client.get(_url("referrals_mine")).content.decode()
    assert "Binta" in body and "Pris en charge" in body
    # Nothing about the person beyond what she typed.
    assert "Ne souhaite pas travailler" not in body and "/residents/" not in body


def test_staff_home_leads_to_the_referral_screens(client, staff):
    client.force_login(staff)
    body = client.get(reverse("home")).content.decode()
    assert _url("referral_new") in body and _url("referrals_mine") in body
    assert f'href="{_url("referrals")}"' not in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": ""}, "reason", "Dites en quelques mots pourquoi."),
        ({"reason": "r" * 100_000}, "reason", "au plus 500"),
        ({"reason": "Emploi\x00"}, "reason", "caractère nul"),
        ({"first_name": ""}, "first_name", "Indiquez au moins le prénom de la personne."),
        ({"source": "cousin"}, "source", "Sélectionnez un choix valide"),
        ({"residence": "99999999999999999999"}, "residence", "Choisissez une de vos résidences."),
    ],
)
def test_bad_referral_input_is_refused_beside_the_field(client, staff, hall, data, field, message):
    client.force_login(staff)
    response = _referral(client, hall, **data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Referral.objects.exists()


def test_staff_cannot_file_for_a_residence_not_hers(client, staff, nantes_residences):
    client.force_login(staff)
    response = _referral(client, nantes_residences[1])
    assert response.status_code == 200
    assert response.context["form"].errors["residence"] == ["Choisissez une de vos résidences."]
    assert not Referral.objects.exists()


def test_a_double_submitted_referral_is_one_row(client, staff, hall):
    client.force_login(staff)
    token = uuid.uuid4()
    assert _referral(client, hall, token=token).status_code == 302
    assert _referral(client, hall, token=token).status_code == 302
    assert Referral.objects.count() == 1


def _file_referral(staff, hall, **kwargs):
    data = {"first_name": "Moussa", "reason": "Cherche du travail", "source": "neighbour"}
    return services.referral_file(by=staff, residence=hall, **{**data, **kwargs})


def test_the_inbox_shows_new_first_with_their_age(officer_client, officer, staff, hall):
    old = _file_referral(staff, hall, first_name="Ancien")
    Referral.objects.filter(pk=old.pk).update(filed_at=timezone.now() - datetime.timedelta(days=3))
    taken = _file_referral(staff, hall, first_name="Pris")
    services.referral_take(referral=taken, by=officer)
    fresh = _file_referral(staff, hall, first_name="Récent")
    response = officer_client.get(_url("referrals"))
    assert [r.pk for r in response.context["open_referrals"]] == [old.pk, fresh.pk, taken.pk]
    body = response.content.decode()
    assert "il y a 3 jours" in body and "aujourd&#x27;hui" in body


def test_taking_a_referral_opens_a_new_file(officer_client, staff, hall):
    referral = _file_referral(staff, hall, housing_unit="214")
    response = officer_client.post(_url("referral_take", referral.pk))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS
    assert response["Location"] == referral.resident.get_absolute_url()
    assert (referral.resident.first_name, referral.resident.housing_unit) == ("Moussa", "214")


def test_closing_a_referral_takes_one_of_the_outcomes(officer_client, staff, hall):
    referral = _file_referral(staff, hall)
    response = officer_client.post(_url("referral_close", referral.pk), {"outcome": "nope"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW
    officer_client.post(_url("referral_close", referral.pk), {"outcome": "not_reachable"})
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (ReferralStatus.CLOSED, "not_reachable")
    # A closed referral is not taken again: a French message, no 500.
    response = officer_client.post(_url("referral_take", referral.pk), follow=True)
    assert "Ce signalement est déjà clos." in response.content.decode()


def test_the_outsider_sees_none_of_nantes_referrals(client, outsider, staff, hall):
    referral = _file_referral(staff, hall)
    client.force_login(outsider)
    assert client.get(_url("referrals")).context["open_referrals"] == []
    assert client.post(_url("referral_take", referral.pk)).status_code == 404
    assert (
        client.post(_url("referral_close", referral.pk), {"outcome": "contacted"}).status_code
        == 404
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


# --- Residence history ----------------------------------------------------------------------


def test_the_history_counts_the_period(officer_client, officer, staff, session, fatoumata, hall):
    services.contact_log(by=officer, resident=fatoumata, action=session, outcome="interested")
    services.contact_log(by=officer, resident=fatoumata, action=session, outcome="no_answer")
    services.outreach_action_count_unnamed(action=session, by=officer)
    _file_referral(staff, hall)
    old = services.outreach_action_start(
        by=officer, residence=hall, started_at=timezone.now() - datetime.timedelta(days=200)
    )
    services.outreach_action_count_unnamed(action=old, by=officer)
    response = officer_client.get(_url("residence_history", hall.pk))
    context = response.context
    assert context["people_met"] == {"named": 1, "unnamed": 1}
    assert context["reached"] == 1
    assert dict(context["by_outcome"]) == {"Intéressé·e": 1, "Pas de réponse": 1}
    assert dict(context["by_kind"]) == {"Permanence dans le hall": 1}
    assert dict(context["by_source"]) == {"Voisin·e": 1}
    # A chosen period that holds the old action only.
    day = timezone.localdate(old.started_at)
    response = officer_client.get(
        _url("residence_history", hall.pk), {"du": day.isoformat(), "au": day.isoformat()}
    )
    assert response.context["people_met"] == {"named": 0, "unnamed": 1}
    assert [a.pk for a in response.context["actions"]] == [old.pk]


@pytest.mark.parametrize("query", [{"du": "hier"}, {"au": "2026-13-45"}, {"du": "\x00"}])
def test_a_bad_period_falls_back_to_the_default(officer_client, hall, query):
    response = officer_client.get(_url("residence_history", hall.pk), query)
    assert response.status_code == 200
    assert response.context["last"] == timezone.localdate()


def test_the_home_page_links_the_history_for_those_who_read_it(client, cast, hall):
    url = _url("residence_history", hall.pk)
    for member, shown in (("officer", True), ("adoma_manager", True), ("staff", False)):
        client.force_login(cast[member])
        assert (url in client.get(reverse("home")).content.decode()) is shown, member


# --- The residents list: no contact for 30 days ---------------------------------------------


def test_the_list_filters_residents_without_contact_for_30_days(officer_client, hall):
    recent = ResidentFactory(last_name="Récent", residence=hall)
    old = ResidentFactory(last_name="Ancien", residence=hall)
    never = ResidentFactory(last_name="Jamais", residence=hall)
    now = timezone.now()
    Resident.objects.filter(pk=recent.pk).update(last_interaction_at=now)
    Resident.objects.filter(pk=old.pk).update(last_interaction_at=now - datetime.timedelta(31))
    response = officer_client.get(reverse("residents:list"), {"no_contact_30": "on"})
    shown = {r.pk for r in response.context["page"].object_list}
    assert shown == {old.pk, never.pk}
    assert "Sans contact depuis 30 jours" in response.content.decode()


# --- Query budgets --------------------------------------------------------------------------


def _residents(hall, count):
    return ResidentFactory.create_batch(min(count, 5), residence=hall)


@pytest.mark.parametrize("rows", [5, 200])
def test_the_session_page_runs_a_fixed_number_of_queries(
    officer_client, officer, session, hall, rows, django_assert_num_queries
):
    people = _residents(hall, rows)
    Contact.objects.bulk_create(
        Contact(
            resident=people[i % len(people)],
            action=session,
            residence=hall,
            channel="hall",
            by=officer,
            outcome=Outcome.values[i % len(Outcome.values)],
        )
        for i in range(rows)
    )
    # session, user, the action (+ residence, author), its contacts (+ residents), named
    # people met, unnamed people met, contacts by outcome
    with django_assert_num_queries(7):
        response = officer_client.get(_url("action", session.pk))
    assert len(response.context["contacts"]) == rows


@pytest.mark.parametrize("rows", [5, 200])
def test_the_inbox_runs_a_fixed_number_of_queries(
    officer_client, staff, hall, rows, django_assert_num_queries
):
    now = timezone.now()
    Referral.objects.bulk_create(
        Referral(
            residence=hall,
            first_name=f"P{i}",
            reason="Emploi",
            source="neighbour",
            filed_by=staff,
            filed_at=now,
            token=uuid.uuid4(),
            status=ReferralStatus.CLOSED if i % 2 else ReferralStatus.NEW,
            outcome="contacted" if i % 2 else "",
            closed_at=now if i % 2 else None,
        )
        for i in range(rows)
    )
    # session, user, the open referrals (+ residence, resident), the last closed ones
    with django_assert_num_queries(4):
        response = officer_client.get(_url("referrals"))
    assert len(response.context["open_referrals"]) == rows - rows // 2


@pytest.mark.parametrize("rows", [5, 200])
def test_the_residence_history_runs_a_fixed_number_of_queries(
    officer_client, officer, staff, hall, rows, django_assert_num_queries
):
    people = _residents(hall, rows)
    now = timezone.now()
    actions = OutreachAction.objects.bulk_create(
        OutreachAction(kind="hall_session", residence=hall, created_by=officer, unnamed_count=1)
        for _ in range(rows)
    )
    Contact.objects.bulk_create(
        Contact(
            resident=people[i % len(people)],
            action=actions[i],
            residence=hall,
            channel="hall",
            by=officer,
            outcome="interested",
            at=now,
        )
        for i in range(rows)
    )
    Referral.objects.bulk_create(
        Referral(
            residence=hall,
            first_name="P",
            reason="Emploi",
            source="neighbour",
            filed_by=staff,
            token=uuid.uuid4(),
        )
        for _ in range(rows)
    )
    # session, user, the residence, actions by kind, named people met, unnamed people met, the
    # last actions, contacts by outcome, residents reached, referrals by source
    with django_assert_num_queries(10):
        response = officer_client.get(_url("residence_history", hall.pk))
    assert response.context["people_met"] == {"named": rows, "unnamed": rows}
    assert response.context["reached"] == len(people)


@pytest.mark.parametrize(
    ("member", "shown", "hidden"),
    [
        ("officer", ["Signalements", "Signaler"], []),
        ("staff", ["Signaler"], ["Signalements", "Résidents"]),
        ("coach", [], ["Signalements", "Signaler"]),
        ("adoma_manager", [], ["Signalements", "Signaler"]),
    ],
)
def test_the_navigation_offers_the_referral_screens_by_right(client, cast, member, shown, hidden):
    client.force_login(cast[member])
    labels = [entry["label"] for entry in client.get(reverse("home")).context["nav_entries"]]
    assert all(label in labels for label in shown), labels
    assert not any(label in labels for label in hidden), labels
