import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from employers import services
from employers.enums import (
    ContractType,
    NetworkStatus,
    OpeningStatus,
    ProspectingKind,
    ProspectingOutcome,
    Sector,
)
from employers.models import (
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
)
from employers.services import EmployerMayBeKnown
from o2r.accounts.enums import Role
from o2r.core.demo import TERRITORY
from o2r.reminders.models import Reminder
from tests.accounts.factories import UserFactory
from tests.employers.factories import (
    EmployerContactFactory,
    EmployerFactory,
    JobOpeningFactory,
    rome_title,
    valid_siret,
)

OTHER_TERRITORY = "Saint-Nazaire Agglo"
SIRET = "73282932000074"

Kind, Outcome = ProspectingKind, ProspectingOutcome


def _data(**overrides):
    return {
        "name": "Boulangerie Le Fournil d'Erdre",
        "siret": "732 829 320 00074",
        "naf_code": "10.71c",
        "sector": Sector.AGRI_FOOD,
        "address": "12 rue de la Bastille",
        "postcode": "44000",
        "city": "Nantes",
        "territory": TERRITORY,
        **overrides,
    }


def _errors(refused):
    """{field: [messages]} of a ValidationError raised by a service."""
    return refused.value.message_dict


def _nothing_written():
    return (
        Employer.objects.count(),
        EmployerStatusChange.objects.count(),
        EmployerContact.objects.count(),
        ProspectingAction.objects.count(),
        JobOpening.objects.count(),
        Reminder.objects.count(),
    )


@pytest.fixture
def company(coach):
    return EmployerFactory(name="Nettoyage Atlantique Services", created_by=coach)


@pytest.fixture
def coach_elsewhere(adelis):
    """A job coach with no territory on her account (and no residence)."""
    return UserFactory(organisation=adelis, role=Role.JOB_COACH, territory="")


def _log(company, by, outcome=Outcome.CALL_BACK, kind=Kind.CALL, **kwargs):
    return services.prospecting_log(by=by, employer=company, kind=kind, outcome=outcome, **kwargs)


def _opening_data(**overrides):
    return {
        "rome_appellation": rome_title(),
        "contract_type": ContractType.CDI,
        "weekly_hours": Decimal("35"),
        "city": "Nantes",
        "postcode": "44000",
        **overrides,
    }


# --- Names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("SARL Boulangerie Léon & Fils", "boulangerie leon fils"),
        ("Boulangerie Leon", "boulangerie leon"),
        ("ÉTS. MARTIN et CIE", "martin"),
        ("SAS", "sas"),  # a name made only of legal forms keeps them
    ],
)
def test_employer_name_key_folds_and_drops_legal_forms(name, key):
    assert services.employer_name_key(name) == key


# --- employer_create ------------------------------------------------------------------------


def test_a_coach_creates_a_prospect(coach):
    employer = services.employer_create(by=coach, data=_data())
    employer.refresh_from_db()
    assert employer.status == NetworkStatus.PROSPECT
    assert (employer.siret, employer.siren, employer.naf_code) == (SIRET, "732829320", "1071C")
    assert (employer.name_key, employer.city_key) == ("boulangerie le fournil d erdre", "nantes")
    assert (employer.created_by, employer.owner, employer.last_contact_at) == (coach, coach, None)
    change = EmployerStatusChange.objects.get(employer=employer)
    assert (change.from_status, change.to_status, change.by) == ("", "prospect", coach)


def test_an_employment_manager_creates_and_names_the_owner(adelis_manager, coach):
    employer = services.employer_create(by=adelis_manager, data=_data(owner=coach))
    assert (employer.created_by, employer.owner) == (adelis_manager, coach)


def test_a_company_without_siret_is_accepted(coach):
    employer = services.employer_create(by=coach, data=_data(siret="", naf_code=""))
    assert (employer.siret, employer.naf_code) == ("", "")
    # A second one without SIRET is no duplicate of the first.
    services.employer_create(by=coach, data=_data(name="Garage du Port", siret="", naf_code=""))
    assert Employer.objects.filter(siret="").count() == 2


def test_employer_create_refuses_bad_values_keyed_by_field(coach):
    before = _nothing_written()
    with pytest.raises(ValidationError) as refused:
        services.employer_create(
            by=coach,
            data=_data(name="  ", city="", siret="7328293200007", naf_code="56.10", postcode="440"),
        )
    errors = _errors(refused)
    assert errors["name"] == ["Indiquez le nom de l'entreprise."]
    assert errors["city"] == ["Indiquez la commune."]
    assert errors["siret"] == ["Un SIRET a 14 chiffres ; vous en avez saisi 13."]
    assert "4 chiffres et une lettre" in errors["naf_code"][0]
    assert errors["postcode"] == ["Un code postal a 5 chiffres."]
    assert _nothing_written() == before


def test_employer_create_refuses_a_bad_checksum_and_a_missing_sector(coach):
    with pytest.raises(ValidationError) as refused:
        services.employer_create(by=coach, data=_data(siret="73282932000075", sector=""))
    errors = _errors(refused)
    assert "clé de contrôle" in errors["siret"][0]
    assert errors["sector"] == ["Choisissez le secteur d'activité."]
    assert not Employer.objects.exists()


def test_a_siret_already_in_the_network_blocks_and_names_the_company(coach, company):
    company.siret = SIRET
    company.save()
    with pytest.raises(EmployerMayBeKnown) as refused:
        services.employer_create(by=coach, data=_data(), confirm_similar=True)
    assert refused.value.blocking
    assert refused.value.candidates == [company]
    assert "Nettoyage Atlantique Services" in refused.value.messages[0]
    assert Employer.objects.count() == 1


def test_a_siret_taken_in_another_territory_blocks_without_naming_it(coach):
    secret = EmployerFactory(name="Chantiers Secrets", siret=SIRET, territory=OTHER_TERRITORY)
    with pytest.raises(EmployerMayBeKnown) as refused:
        services.employer_create(by=coach, data=_data(), confirm_similar=True)
    assert refused.value.blocking
    assert refused.value.candidates == []
    message = " ".join(refused.value.messages)
    assert "SIRET" in message
    assert secret.name not in message and "Secrets" not in message
    assert Employer.objects.count() == 1


def test_a_near_identical_name_in_the_same_city_asks_for_a_confirmation(coach):
    known = services.employer_create(
        by=coach, data=_data(name="SARL Boulangerie Léon", siret="", naf_code="")
    )
    with pytest.raises(EmployerMayBeKnown) as warned:
        services.employer_create(
            by=coach, data=_data(name="Boulangerie Leon", siret="", city="NANTES")
        )
    assert not warned.value.blocking
    assert warned.value.candidates == [known]
    assert "nom très proche" in warned.value.messages[0]
    assert Employer.objects.count() == 1

    confirmed = services.employer_create(
        by=coach, data=_data(name="Boulangerie Leon", siret="", city="NANTES"), confirm_similar=True
    )
    assert confirmed.pk != known.pk
    assert Employer.objects.count() == 2


def test_a_slightly_different_spelling_warns_too(coach):
    services.employer_create(by=coach, data=_data(name="Boulangerie Léon", siret=""))
    with pytest.raises(EmployerMayBeKnown):
        services.employer_create(by=coach, data=_data(name="Boulangeries Leon", siret=""))


def test_the_same_name_in_another_city_does_not_warn(coach):
    services.employer_create(by=coach, data=_data(name="SARL Boulangerie Léon", siret=""))
    other = services.employer_create(
        by=coach, data=_data(name="Boulangerie Leon", siret="", city="Rezé", postcode="44400")
    )
    assert other.city_key == "reze"
    assert Employer.objects.count() == 2


def test_a_different_company_in_the_same_city_does_not_warn(coach):
    services.employer_create(by=coach, data=_data(name="SARL Boulangerie Léon", siret=""))
    services.employer_create(by=coach, data=_data(name="Garage du Port", siret=""))
    assert Employer.objects.count() == 2


def test_a_similar_company_of_another_territory_is_not_shown(coach):
    EmployerFactory(name="Boulangerie Léon", city="Nantes", siret="", territory=OTHER_TERRITORY)
    created = services.employer_create(by=coach, data=_data(name="Boulangerie Leon", siret=""))
    assert created.territory == TERRITORY


def test_employer_duplicates_lists_visible_candidates_and_excludes_self(coach, company):
    same_siret, similar = services.employer_duplicates(
        by=coach, name="SAS Nettoyage Atlantique", city="nantes", siret=company.siret
    )
    assert (same_siret, similar) == ([company], [company])
    assert services.employer_duplicates(
        by=coach, name=company.name, city="Nantes", siret=company.siret, exclude=company
    ) == ([], [])


def test_employer_create_twice_with_one_token_writes_one_row(coach):
    token = uuid.uuid4()
    first = services.employer_create(by=coach, data=_data(), token=token)
    # The double submission finds the first row: no "SIRET already taken".
    second = services.employer_create(by=coach, data=_data(), token=token)
    assert first.pk == second.pk
    assert Employer.objects.count() == 1
    assert EmployerStatusChange.objects.count() == 1


@pytest.mark.parametrize("who", ["officer", "adoma_manager", "staff", "administrator", "outsider"])
def test_only_the_employment_team_creates_companies(cast, who):
    before = _nothing_written()
    with pytest.raises(ValidationError) as refused:
        services.employer_create(by=cast[who], data=_data())
    assert _errors(refused) == {"territory": ["Vous ne travaillez pas sur ce territoire."]}
    assert _nothing_written() == before


def test_a_coach_creates_nothing_outside_her_territory(coach, coach_elsewhere):
    with pytest.raises(ValidationError) as refused:
        services.employer_create(by=coach, data=_data(territory=OTHER_TERRITORY))
    assert "territory" in _errors(refused)
    with pytest.raises(ValidationError):
        services.employer_create(by=coach_elsewhere, data=_data())
    assert not Employer.objects.exists()


# --- employer_update ------------------------------------------------------------------------


def test_employer_update_recomputes_the_keys_and_keeps_the_rest(coach, company):
    updated = services.employer_update(
        by=coach,
        employer=company,
        data={"name": "SAS Propreté de l'Ouest", "city": "Saint-Herblain"},
    )
    updated.refresh_from_db()
    assert (updated.name_key, updated.city_key) == ("proprete de l ouest", "saint herblain")
    assert (updated.siret, updated.sector, updated.territory) == (
        company.siret,
        company.sector,
        TERRITORY,
    )


def test_employer_update_refuses_a_siret_of_another_company(coach, company):
    other = EmployerFactory(created_by=coach)
    with pytest.raises(ValidationError) as refused:
        services.employer_update(by=coach, employer=company, data={"siret": other.siret})
    assert _errors(refused) == {"siret": ["Une autre entreprise porte déjà ce SIRET."]}
    company.refresh_from_db()
    assert company.siret != other.siret
    # Its own SIRET is no duplicate.
    services.employer_update(by=coach, employer=company, data={"siret": company.siret})


def test_employer_update_refuses_bad_values(coach, company):
    with pytest.raises(ValidationError) as refused:
        services.employer_update(by=coach, employer=company, data={"naf_code": "ABCDE"})
    assert "naf_code" in _errors(refused)


def test_employer_update_refuses_the_read_only_and_other_territories(coach, officer, company):
    with pytest.raises(ValidationError) as refused:
        services.employer_update(by=officer, employer=company, data={"name": "Renamed"})
    assert "territory" in _errors(refused)
    with pytest.raises(ValidationError):
        services.employer_update(by=coach, employer=company, data={"territory": OTHER_TERRITORY})
    company.refresh_from_db()
    assert (company.name, company.territory) == ("Nettoyage Atlantique Services", TERRITORY)


# --- employer_status_set --------------------------------------------------------------------


def test_an_explicit_change_can_go_back_with_a_reason(coach, company):
    _log(company, coach, Outcome.MET, Kind.VISIT)
    assert company.status == NetworkStatus.MET
    employer = services.employer_status_set(
        by=coach, employer=company, status=NetworkStatus.CONTACTED, reason="Gérant parti"
    )
    assert employer.status == NetworkStatus.CONTACTED
    company.refresh_from_db()
    assert company.status == NetworkStatus.CONTACTED
    change = EmployerStatusChange.objects.filter(employer=company).last()
    assert (change.from_status, change.to_status, change.reason, change.by) == (
        "met",
        "contacted",
        "Gérant parti",
        coach,
    )
    assert change.prospecting_action is None


def test_an_explicit_change_needs_a_reason_and_a_status(coach, company):
    with pytest.raises(ValidationError) as refused:
        services.employer_status_set(
            by=coach, employer=company, status=NetworkStatus.INACTIVE, reason="   "
        )
    assert _errors(refused) == {"reason": ["Dites pourquoi le statut change."]}
    with pytest.raises(ValidationError) as refused:
        services.employer_status_set(by=coach, employer=company, status="closed", reason="x")
    assert _errors(refused) == {"status": ["Choisissez un statut."]}
    company.refresh_from_db()
    assert company.status == NetworkStatus.PROSPECT
    assert not EmployerStatusChange.objects.filter(employer=company).exists()


def test_setting_the_same_status_writes_no_row(coach, company):
    services.employer_status_set(
        by=coach, employer=company, status=NetworkStatus.PROSPECT, reason="Rien"
    )
    assert not EmployerStatusChange.objects.filter(employer=company).exists()


def test_an_officer_does_not_change_a_status(officer, company):
    with pytest.raises(ValidationError):
        services.employer_status_set(
            by=officer, employer=company, status=NetworkStatus.INACTIVE, reason="Fermée"
        )
    company.refresh_from_db()
    assert company.status == NetworkStatus.PROSPECT
    assert not EmployerStatusChange.objects.exists()


# --- Contacts -------------------------------------------------------------------------------


def test_a_contact_is_added_with_its_phone_in_e164(coach, company):
    contact = services.employer_contact_add(
        by=coach,
        employer=company,
        data={
            "first_name": "Nathalie",
            "last_name": "Guérin",
            "role": "Gérante",
            "phone": "02 40 12 34 56",
            "email": "n.guerin@example.fr",
        },
    )
    contact.refresh_from_db()
    assert (contact.phone, contact.phone_raw) == ("+33240123456", "02 40 12 34 56")
    assert (contact.employer, contact.active, str(contact)) == (
        company,
        True,
        "Nathalie Guérin (Gérante)",
    )


def test_a_contact_needs_a_name_a_real_phone_and_email(coach, company):
    with pytest.raises(ValidationError) as refused:
        services.employer_contact_add(
            by=coach, employer=company, data={"first_name": "Nathalie", "phone": "12"}
        )
    errors = _errors(refused)
    assert errors["last_name"] == ["Indiquez au moins le nom."]
    assert "Numéro de téléphone invalide" in errors["phone"][0]
    with pytest.raises(ValidationError) as refused:
        services.employer_contact_add(
            by=coach, employer=company, data={"last_name": "Guérin", "email": "pas-un-mail"}
        )
    assert "email" in _errors(refused)
    assert not EmployerContact.objects.exists()


def test_a_contact_twice_with_one_token_is_one_row(coach, company):
    token = uuid.uuid4()
    first = services.employer_contact_add(
        by=coach, employer=company, data={"last_name": "Guérin"}, token=token
    )
    second = services.employer_contact_add(
        by=coach, employer=company, data={"last_name": "Guérin"}, token=token
    )
    assert first.pk == second.pk
    assert EmployerContact.objects.count() == 1


def test_an_officer_adds_no_contact(officer, company):
    with pytest.raises(ValidationError):
        services.employer_contact_add(by=officer, employer=company, data={"last_name": "Guérin"})
    assert not EmployerContact.objects.exists()


def test_a_contact_update_changes_what_is_given_and_keeps_the_rest(coach, company):
    contact = EmployerContactFactory(
        employer=company, phone="+33240000000", phone_raw="02 40 00 00 00"
    )
    services.employer_contact_update(
        by=coach, contact=contact, data={"role": "Directrice", "phone": "06 12 34 56 78"}
    )
    contact.refresh_from_db()
    assert (contact.role, contact.phone, contact.phone_raw) == (
        "Directrice",
        "+33612345678",
        "06 12 34 56 78",
    )
    assert (contact.last_name, contact.email, contact.active) == (
        "Guérin",
        "n.guerin@example.fr",
        True,
    )
    # She left the company: only "active" changes.
    services.employer_contact_update(by=coach, contact=contact, data={"active": False})
    contact.refresh_from_db()
    assert (contact.active, contact.last_name, contact.phone) == (False, "Guérin", "+33612345678")


def test_a_contact_update_refuses_an_empty_name_and_the_read_only(coach, officer, company):
    contact = EmployerContactFactory(employer=company)
    with pytest.raises(ValidationError) as refused:
        services.employer_contact_update(by=coach, contact=contact, data={"last_name": ""})
    assert "last_name" in _errors(refused)
    with pytest.raises(ValidationError):
        services.employer_contact_update(by=officer, contact=contact, data={"role": "PDG"})
    contact.refresh_from_db()
    assert (contact.last_name, contact.role) == ("Guérin", "Gérante")


# --- prospecting_log ------------------------------------------------------------------------


def test_an_answered_call_moves_a_prospect_to_contacted(coach, company):
    at = timezone.now() - datetime.timedelta(hours=2)
    action = _log(company, coach, Outcome.CALL_BACK, at=at, summary="Rappeler lundi")
    assert (action.by, action.kind, action.summary) == (coach, "call", "Rappeler lundi")
    # The instance passed in is refreshed.
    assert (company.status, company.last_contact_at) == (NetworkStatus.CONTACTED, at)
    change = EmployerStatusChange.objects.get(employer=company)
    assert (change.from_status, change.to_status, change.at) == ("prospect", "contacted", at)
    assert (change.by, change.prospecting_action) == (coach, action)


def test_no_answer_moves_nothing_and_is_no_contact(coach, company):
    action = _log(company, coach, Outcome.NO_ANSWER)
    company.refresh_from_db()
    assert (company.status, company.last_contact_at) == (NetworkStatus.PROSPECT, None)
    assert not action.is_contact
    assert not EmployerStatusChange.objects.exists()


def test_a_visit_can_skip_a_step(coach, company):
    _log(company, coach, Outcome.MET, Kind.VISIT)
    assert company.status == NetworkStatus.MET
    assert list(EmployerStatusChange.objects.values_list("from_status", "to_status")) == [
        ("prospect", "met")
    ]


def test_prospecting_never_moves_the_status_back(coach, company):
    _log(company, coach, Outcome.MET, Kind.VISIT)
    _log(company, coach, Outcome.CALL_BACK)
    _log(company, coach, Outcome.NO_ANSWER)
    _log(company, coach, Outcome.DECLINED)
    company.refresh_from_db()
    assert company.status == NetworkStatus.MET
    assert EmployerStatusChange.objects.count() == 1
    _log(company, coach, Outcome.PARTNERSHIP, Kind.VISIT)
    assert company.status == NetworkStatus.PARTNER
    assert list(EmployerStatusChange.objects.values_list("to_status", flat=True)) == [
        "met",
        "partner",
    ]


def test_an_inactive_company_stays_inactive(coach, company):
    services.employer_status_set(
        by=coach, employer=company, status=NetworkStatus.INACTIVE, reason="Plus d'activité"
    )
    at = timezone.now() - datetime.timedelta(minutes=1)
    _log(company, coach, Outcome.PARTNERSHIP, Kind.VISIT, at=at)
    company.refresh_from_db()
    assert company.status == NetworkStatus.INACTIVE
    # They did talk: the contact counts.
    assert company.last_contact_at == at
    assert EmployerStatusChange.objects.count() == 1
    # Reactivating is an explicit change, then prospecting moves it again.
    services.employer_status_set(
        by=coach, employer=company, status=NetworkStatus.CONTACTED, reason="Reprise"
    )
    _log(company, coach, Outcome.MET, Kind.VISIT)
    company.refresh_from_db()
    assert company.status == NetworkStatus.MET


def test_an_older_step_does_not_move_the_last_contact_back(coach, company):
    recent = timezone.now() - datetime.timedelta(days=1)
    _log(company, coach, Outcome.CALL_BACK, at=recent)
    _log(company, coach, Outcome.MET, Kind.VISIT, at=recent - datetime.timedelta(days=5))
    company.refresh_from_db()
    assert company.last_contact_at == recent
    # A later unanswered call leaves it too.
    _log(company, coach, Outcome.NO_ANSWER)
    company.refresh_from_db()
    assert company.last_contact_at == recent
    # The older visit still said "met".
    assert company.status == NetworkStatus.MET


def test_prospecting_refuses_bad_input_keyed_by_field(coach, company):
    other_contact = EmployerContactFactory(employer=EmployerFactory(created_by=coach))
    at = timezone.now() - datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        _log(
            company,
            coach,
            at=timezone.now() + datetime.timedelta(hours=1),
            contact=other_contact,
        )
    errors = _errors(refused)
    assert errors["at"] == ["Une démarche se note une fois faite : la date est dans le futur."]
    assert errors["contact"] == ["Cet interlocuteur n'est pas de cette entreprise."]
    with pytest.raises(ValidationError) as refused:
        _log(company, coach, at=at, next_step_on=timezone.localdate(at) - datetime.timedelta(1))
    assert _errors(refused) == {
        "next_step_on": ["La prochaine étape ne peut pas précéder la démarche."]
    }
    with pytest.raises(ValidationError) as refused:
        _log(company, coach, kind="pigeon")
    assert "kind" in _errors(refused)
    with pytest.raises(ValidationError) as refused:
        _log(company, coach, outcome="maybe")
    assert "outcome" in _errors(refused)
    company.refresh_from_db()
    assert (company.status, company.last_contact_at) == (NetworkStatus.PROSPECT, None)
    assert not ProspectingAction.objects.exists()


def test_a_step_with_its_contact(coach, company):
    contact = EmployerContactFactory(employer=company)
    action = _log(company, coach, contact=contact)
    assert action.contact == contact


def test_a_next_step_becomes_a_reminder_for_the_author(coach, adelis_manager, company):
    day = timezone.localdate() + datetime.timedelta(days=7)
    action = _log(
        company, adelis_manager, Outcome.MEETING_SET, next_step_on=day, next_step="Visite"
    )
    reminder = Reminder.objects.get()
    assert reminder.dedup_key == f"prospecting:{action.pk}"
    assert (reminder.assignee, reminder.employer, reminder.resident) == (
        adelis_manager,
        company,
        None,
    )
    assert reminder.title == "Nettoyage Atlantique Services : Visite"
    local_due = timezone.localtime(reminder.due_at)
    assert (local_due.date(), local_due.hour, local_due.minute) == (day, 9, 0)
    assert reminder.done_at is None


def test_a_next_step_without_words_says_relancer(coach, company):
    _log(company, coach, next_step_on=timezone.localdate())
    assert Reminder.objects.get().title == "Nettoyage Atlantique Services : relancer"


def test_no_next_step_no_reminder(coach, company):
    _log(company, coach, next_step="Rappeler un jour")
    assert not Reminder.objects.exists()


def test_prospecting_twice_with_one_token_is_one_step(coach, company):
    token = uuid.uuid4()
    day = timezone.localdate() + datetime.timedelta(days=3)
    first = _log(company, coach, Outcome.CALL_BACK, next_step_on=day, token=token)
    second = _log(company, coach, Outcome.CALL_BACK, next_step_on=day, token=token)
    assert first.pk == second.pk
    assert ProspectingAction.objects.count() == 1
    assert Reminder.objects.count() == 1
    assert EmployerStatusChange.objects.count() == 1


def test_clearing_the_next_step_deletes_its_open_reminder(coach, company):
    action = _log(company, coach, next_step_on=timezone.localdate())
    services.prospecting_next_step_clear(action=action)
    assert not Reminder.objects.exists()


@pytest.mark.parametrize("who", ["officer", "adoma_manager", "staff", "administrator", "outsider"])
def test_only_the_employment_team_logs_prospecting(cast, who, company):
    before = _nothing_written()
    with pytest.raises(ValidationError) as refused:
        _log(company, cast[who], Outcome.MET, next_step_on=timezone.localdate())
    assert "territory" in _errors(refused)
    assert _nothing_written() == before
    company.refresh_from_db()
    assert (company.status, company.last_contact_at) == (NetworkStatus.PROSPECT, None)


def test_a_coach_logs_nothing_outside_her_territory(coach, coach_elsewhere):
    elsewhere = EmployerFactory(territory=OTHER_TERRITORY, created_by=coach)
    with pytest.raises(ValidationError):
        _log(elsewhere, coach, Outcome.MET)
    with pytest.raises(ValidationError):
        _log(EmployerFactory(created_by=coach), coach_elsewhere, Outcome.MET)
    assert not ProspectingAction.objects.exists()
    assert not EmployerStatusChange.objects.exists()


# --- Job openings ---------------------------------------------------------------------------


def test_a_coach_opens_an_opening(coach, company):
    opening = services.job_opening_open(by=coach, employer=company, data=_opening_data())
    opening.refresh_from_db()
    title = rome_title()
    assert (opening.rome_appellation, opening.rome, opening.title) == (
        title,
        title.rome,
        "Agent / Agente de propreté de locaux",
    )
    assert (opening.status, opening.opened_on, opening.closed_on) == (
        OpeningStatus.OPEN,
        timezone.localdate(),
        None,
    )
    assert (opening.created_by, opening.positions, opening.hidden_market) == (coach, 1, True)


def test_an_opening_keeps_its_own_title_and_date(coach, company):
    day = timezone.localdate() - datetime.timedelta(days=3)
    opening = services.job_opening_open(
        by=coach,
        employer=company,
        data=_opening_data(title="Agent d'entretien (bureaux)", opened_on=day, positions=3),
    )
    assert (opening.title, opening.opened_on, opening.positions) == (
        "Agent d'entretien (bureaux)",
        day,
        3,
    )


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("48.5"), Decimal("-1"), None])
def test_weekly_hours_are_between_0_and_48(coach, company, hours):
    with pytest.raises(ValidationError) as refused:
        services.job_opening_open(
            by=coach, employer=company, data=_opening_data(weekly_hours=hours)
        )
    assert list(_errors(refused)) == ["weekly_hours"]
    assert not JobOpening.objects.exists()


def test_48_hours_is_the_maximum_allowed(coach, company):
    opening = services.job_opening_open(
        by=coach, employer=company, data=_opening_data(weekly_hours=Decimal("48"))
    )
    opening.refresh_from_db()
    assert opening.weekly_hours == Decimal("48.0")


def test_a_fixed_term_contract_needs_its_duration(coach, company):
    for contract in (ContractType.CDD, ContractType.CDDI, ContractType.APPRENTICESHIP):
        with pytest.raises(ValidationError) as refused:
            services.job_opening_open(
                by=coach, employer=company, data=_opening_data(contract_type=contract)
            )
        assert _errors(refused) == {"duration_months": ["Indiquez la durée du contrat, en mois."]}
    opening = services.job_opening_open(
        by=coach,
        employer=company,
        data=_opening_data(contract_type=ContractType.CDD, duration_months=6),
    )
    assert opening.duration_months == 6
    assert opening.is_fixed_term


def test_a_cdi_has_no_duration(coach, company):
    with pytest.raises(ValidationError) as refused:
        services.job_opening_open(by=coach, employer=company, data=_opening_data(duration_months=6))
    assert _errors(refused) == {
        "duration_months": ["Un CDI n'a pas de durée : laissez ce champ vide."]
    }
    assert not JobOpening.objects.exists()


def test_temp_work_may_go_without_duration(coach, company):
    opening = services.job_opening_open(
        by=coach, employer=company, data=_opening_data(contract_type=ContractType.TEMP)
    )
    assert opening.duration_months is None


def test_an_opening_refuses_bad_values_keyed_by_field(coach, company):
    with pytest.raises(ValidationError) as refused:
        services.job_opening_open(
            by=coach,
            employer=company,
            data=_opening_data(
                rome_appellation=None,
                city="",
                postcode="44",
                positions=0,
                duration_months=99,
                contract_type=ContractType.CDD,
                opened_on=timezone.localdate() + datetime.timedelta(days=1),
            ),
        )
    errors = _errors(refused)
    assert errors["rome_appellation"] == ["Choisissez le métier dans la liste ROME."]
    assert errors["city"] == ["Indiquez la commune du lieu de travail."]
    assert errors["postcode"] == ["Un code postal a 5 chiffres."]
    assert errors["positions"] == ["Le nombre de postes est compris entre 1 et 500."]
    assert errors["duration_months"] == ["La durée est comprise entre 1 et 60 mois."]
    assert errors["opened_on"] == ["Une offre s'ouvre au plus tard aujourd'hui."]
    assert not JobOpening.objects.exists()


def test_an_opening_without_positions_or_date_takes_the_defaults(coach, company):
    opening = services.job_opening_open(
        by=coach, employer=company, data=_opening_data(positions=None, opened_on=None)
    )
    assert (opening.positions, opening.opened_on) == (1, timezone.localdate())


def test_an_opening_twice_with_one_token_is_one_row(coach, company):
    token = uuid.uuid4()
    first = services.job_opening_open(by=coach, employer=company, data=_opening_data(), token=token)
    second = services.job_opening_open(
        by=coach, employer=company, data=_opening_data(), token=token
    )
    assert first.pk == second.pk
    assert JobOpening.objects.count() == 1


@pytest.mark.parametrize("who", ["officer", "adoma_manager", "staff", "administrator", "outsider"])
def test_only_the_employment_team_opens_openings(cast, who, company):
    with pytest.raises(ValidationError) as refused:
        services.job_opening_open(by=cast[who], employer=company, data=_opening_data())
    assert "territory" in _errors(refused)
    assert not JobOpening.objects.exists()


def test_a_coach_opens_nothing_outside_her_territory(coach, coach_elsewhere):
    elsewhere = EmployerFactory(territory=OTHER_TERRITORY, created_by=coach)
    with pytest.raises(ValidationError):
        services.job_opening_open(by=coach, employer=elsewhere, data=_opening_data())
    with pytest.raises(ValidationError):
        services.job_opening_open(
            by=coach_elsewhere, employer=EmployerFactory(created_by=coach), data=_opening_data()
        )
    assert not JobOpening.objects.exists()


def test_an_open_opening_is_updated(coach, company):
    opening = JobOpeningFactory(employer=company)
    services.job_opening_update(
        by=coach,
        opening=opening,
        data={"contract_type": ContractType.CDD, "duration_months": 12, "positions": 2},
    )
    opening.refresh_from_db()
    assert (opening.contract_type, opening.duration_months, opening.positions) == ("cdd", 12, 2)
    assert opening.opened_on == timezone.localdate() - datetime.timedelta(days=10)


def test_an_update_follows_the_rules(coach, company):
    opening = JobOpeningFactory(employer=company)
    with pytest.raises(ValidationError) as refused:
        services.job_opening_update(by=coach, opening=opening, data={"weekly_hours": Decimal(50)})
    assert "weekly_hours" in _errors(refused)
    with pytest.raises(ValidationError) as refused:
        services.job_opening_update(by=coach, opening=opening, data={"duration_months": 3})
    assert "duration_months" in _errors(refused)
    opening.refresh_from_db()
    assert (opening.weekly_hours, opening.duration_months) == (35, None)


def test_a_closed_opening_is_not_updated(coach, company):
    opening = JobOpeningFactory(employer=company)
    services.job_opening_close(by=coach, opening=opening, status=OpeningStatus.FILLED)
    with pytest.raises(ValidationError, match="close"):
        services.job_opening_update(by=coach, opening=opening, data={"positions": 4})
    opening.refresh_from_db()
    assert opening.positions == 1


def test_an_officer_does_not_update_an_opening(officer, company):
    opening = JobOpeningFactory(employer=company)
    with pytest.raises(ValidationError):
        services.job_opening_update(by=officer, opening=opening, data={"positions": 4})
    opening.refresh_from_db()
    assert opening.positions == 1


def test_an_opening_is_filled(coach, company):
    opening = JobOpeningFactory(employer=company)
    day = timezone.localdate() - datetime.timedelta(days=2)
    closed = services.job_opening_close(
        by=coach, opening=opening, status=OpeningStatus.FILLED, closed_on=day, reason="Embauche"
    )
    closed.refresh_from_db()
    assert (closed.status, closed.closed_on, closed.close_reason) == ("filled", day, "Embauche")
    assert not closed.is_open


def test_closing_on_the_opening_day_is_allowed_before_is_not(coach, company):
    opening = JobOpeningFactory(employer=company)
    with pytest.raises(ValidationError) as refused:
        services.job_opening_close(
            by=coach,
            opening=opening,
            status=OpeningStatus.CANCELLED,
            closed_on=opening.opened_on - datetime.timedelta(days=1),
        )
    assert list(_errors(refused)) == ["closed_on"]
    assert "ne peut pas précéder l'ouverture" in _errors(refused)["closed_on"][0]
    with pytest.raises(ValidationError) as refused:
        services.job_opening_close(
            by=coach,
            opening=opening,
            status=OpeningStatus.CANCELLED,
            closed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert _errors(refused) == {"closed_on": ["La date de clôture est au plus tard aujourd'hui."]}
    with pytest.raises(ValidationError) as refused:
        services.job_opening_close(by=coach, opening=opening, status=OpeningStatus.OPEN)
    assert list(_errors(refused)) == ["status"]
    opening.refresh_from_db()
    assert (opening.status, opening.closed_on) == ("open", None)
    services.job_opening_close(
        by=coach, opening=opening, status=OpeningStatus.CANCELLED, closed_on=opening.opened_on
    )
    opening.refresh_from_db()
    assert (opening.status, opening.closed_on) == ("cancelled", opening.opened_on)


def test_closing_twice_keeps_the_first(coach, company):
    opening = JobOpeningFactory(employer=company)
    first_day = timezone.localdate() - datetime.timedelta(days=3)
    services.job_opening_close(
        by=coach, opening=opening, status=OpeningStatus.FILLED, closed_on=first_day, reason="A"
    )
    again = services.job_opening_close(
        by=coach, opening=opening, status=OpeningStatus.CANCELLED, reason="B"
    )
    again.refresh_from_db()
    assert (again.status, again.closed_on, again.close_reason) == ("filled", first_day, "A")


def test_a_closed_opening_is_reopened(coach, company):
    opening = JobOpeningFactory(employer=company)
    services.job_opening_close(by=coach, opening=opening, status=OpeningStatus.FILLED, reason="A")
    reopened = services.job_opening_reopen(by=coach, opening=opening)
    reopened.refresh_from_db()
    assert (reopened.status, reopened.closed_on, reopened.close_reason) == ("open", None, "")


def test_an_officer_neither_closes_nor_reopens(coach, officer, company):
    opening = JobOpeningFactory(employer=company)
    with pytest.raises(ValidationError):
        services.job_opening_close(by=officer, opening=opening, status=OpeningStatus.FILLED)
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.OPEN
    services.job_opening_close(by=coach, opening=opening, status=OpeningStatus.FILLED)
    with pytest.raises(ValidationError):
        services.job_opening_reopen(by=officer, opening=opening)
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.FILLED


# --- Database constraints, services bypassed ------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"siret": "7328293200007"},
        {"siret": "7328293200007A"},
        {"naf_code": "56.1A"},
        {"naf_code": "5610a"},
    ],
)
def test_the_database_refuses_a_bad_employer(coach, values):
    with transaction.atomic(), pytest.raises(IntegrityError):
        EmployerFactory(created_by=coach, **values)
    assert not Employer.objects.exists()


def test_the_database_refuses_a_second_siret_but_many_blanks(coach):
    EmployerFactory(created_by=coach, siret=SIRET)
    with transaction.atomic(), pytest.raises(IntegrityError):
        EmployerFactory(created_by=coach, siret=SIRET)
    EmployerFactory(created_by=coach, siret="")
    EmployerFactory(created_by=coach, siret="")
    assert Employer.objects.count() == 3


# A CHECK lets a row through when its condition is NULL: the conditions say "not null" where
# a NULL column must be refused (a CDD without duration, a closed opening without a date).
@pytest.mark.parametrize(
    "values",
    [
        {"weekly_hours": 0},
        {"weekly_hours": Decimal("48.5")},
        {"weekly_hours": -1},
        {"positions": 0},
        {"contract_type": ContractType.CDD},
        {"contract_type": ContractType.APPRENTICESHIP, "duration_months": 0},
        {"contract_type": ContractType.CDI, "duration_months": 12},
        {"status": OpeningStatus.FILLED},
        {"status": OpeningStatus.OPEN, "closed_on": datetime.date(2026, 1, 1)},
        {
            "status": OpeningStatus.CANCELLED,
            "opened_on": datetime.date(2026, 1, 10),
            "closed_on": datetime.date(2026, 1, 9),
        },
    ],
)
def test_the_database_refuses_a_bad_opening(company, values):
    with transaction.atomic(), pytest.raises(IntegrityError):
        JobOpeningFactory(employer=company, **values)
    assert not JobOpening.objects.exists()


def test_the_database_takes_a_good_closed_opening(company):
    opening = JobOpeningFactory(
        employer=company,
        contract_type=ContractType.CDD,
        duration_months=6,
        weekly_hours=Decimal("48"),
        status=OpeningStatus.FILLED,
        opened_on=datetime.date(2026, 1, 10),
        closed_on=datetime.date(2026, 1, 10),
    )
    assert JobOpening.objects.filter(pk=opening.pk, status="filled").exists()


def test_the_constraints_speak_french_in_full_clean(coach, company):
    employer = EmployerFactory.build(created_by=coach, siret=company.siret, naf_code="56.10A")
    with pytest.raises(ValidationError) as refused:
        employer.validate_constraints()
    messages = refused.value.messages
    assert "Une entreprise porte déjà ce SIRET." in messages
    assert "Le code NAF s'écrit avec 4 chiffres et une lettre." in messages
    opening = JobOpeningFactory.build(employer=company, weekly_hours=49, positions=0)
    with pytest.raises(ValidationError) as refused:
        opening.validate_constraints()
    assert "La durée hebdomadaire est comprise entre 0 et 48 heures." in refused.value.messages
    assert "Une offre a au moins un poste." in refused.value.messages


def test_valid_siret_of_the_factories_are_valid():
    from employers.validators import normalise_siret

    assert {normalise_siret(valid_siret(n)) for n in range(20)} == {
        valid_siret(n) for n in range(20)
    }


# --- Timeline -------------------------------------------------------------------------------


def test_the_timeline_tells_the_story_newest_first(coach):
    from employers.timeline import employer_timeline

    company = services.employer_create(by=coach, data=_data())
    day = timezone.localdate() + datetime.timedelta(days=2)
    _log(company, coach, Outcome.MET, Kind.VISIT, summary="Accueil chaleureux", next_step_on=day)
    opening = services.job_opening_open(by=coach, employer=company, data=_opening_data())
    services.job_opening_close(by=coach, opening=opening, status=OpeningStatus.FILLED, reason="Ok")
    entries = employer_timeline(
        company,
        prospecting=ProspectingAction.objects.filter(employer=company),
        openings=JobOpening.objects.filter(employer=company),
        status_changes=EmployerStatusChange.objects.filter(employer=company),
    )
    kinds = [entry.kind for entry in entries]
    assert sorted(kinds) == sorted(
        ["created", "status", "prospecting", "opening_opened", "opening_closed"]
    )
    assert kinds.index("status") < kinds.index("created")
    assert [entry.at for entry in entries] == sorted((e.at for e in entries), reverse=True)
    by_kind = {entry.kind: entry for entry in entries}
    assert by_kind["status"].title == "À prospecter → Rencontrée"
    assert by_kind["prospecting"].title == "Visite sur place : Rencontre faite"
    assert by_kind["prospecting"].detail == (
        f"Accueil chaleureux — prochaine étape le {day:%d/%m/%Y}"
    )
    assert by_kind["opening_opened"].detail == "marché caché"
    assert by_kind["opening_closed"].title.startswith("Offre pourvue : ")
    assert by_kind["opening_closed"].url == opening.get_absolute_url()


def test_a_closing_day_is_checked_against_the_locked_row(coach):
    """The form saw an older opening day: the service compares with the row it locked."""
    from employers.services import job_opening_close

    opening = JobOpeningFactory(
        employer=EmployerFactory(created_by=coach), opened_on=datetime.date(2026, 11, 1)
    )
    stale = JobOpening.objects.get(pk=opening.pk)
    JobOpening.objects.filter(pk=opening.pk).update(opened_on=datetime.date(2026, 11, 20))
    with pytest.raises(ValidationError) as refused:
        job_opening_close(
            by=coach, opening=stale, status="filled", closed_on=datetime.date(2026, 11, 10)
        )
    assert "20/11/2026" in refused.value.message_dict["closed_on"][0]
    assert JobOpening.objects.get(pk=opening.pk).is_open


def test_a_name_that_folds_to_nothing_is_not_near_every_company(coach):
    from employers.services import employer_duplicates

    EmployerFactory(created_by=coach, name="Boulangerie Léon", city="Nantes")
    _, similar = employer_duplicates(by=coach, name="ШАУРМА", city="Nantes")
    assert similar == []
    EmployerFactory(created_by=coach, name="Шаурма", city="Nantes")
    _, similar = employer_duplicates(by=coach, name="ШАУРМА", city="Nantes")
    assert [e.name for e in similar] == ["Шаурма"]
