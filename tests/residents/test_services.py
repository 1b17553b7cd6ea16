import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from o2r.reminders.models import Reminder
from residents import services
from residents.enums import ConsentScope, Stage
from residents.models import Resident, StageChange
from residents.normalise import search_terms, search_text
from residents.validators import normalise_france_travail_id, parse_phone
from tests.residents.factories import ResidentFactory
from tests.utils import history_edits

TODAY = datetime.date(2026, 11, 26)


def _consent(resident, scope, by, organisation=None, given_on=None):
    return services.consent_record(
        resident=resident,
        scope=scope,
        given_on=given_on or timezone.localdate(),
        method="oral",
        by=by,
        recipient_organisation=organisation,
    )


@pytest.fixture
def newcomer(officer, nantes_residences):
    return services.resident_create(
        by=officer,
        data={
            "first_name": "Ahmad",
            "last_name": "Rahimi",
            "birth_date": datetime.date(1990, 4, 2),
            "phone": "06 12 34 56 78",
            "residence": nantes_residences[0],
            "preferred_language": "prs",
        },
    )


def test_entering_the_programme_writes_a_stage_change(newcomer, officer):
    assert newcomer.stage == Stage.IDENTIFIED
    change = StageChange.objects.get(resident=newcomer)
    assert (change.from_stage, change.to_stage, change.changed_by) == (None, "identified", officer)
    assert newcomer.insertion_officer == officer
    assert newcomer.phone.as_e164 == "+33612345678"
    assert newcomer.phone_is_mobile
    assert newcomer.phone_raw == "06 12 34 56 78"


def test_a_roster_resident_has_no_stage(officer, nantes_residences):
    resident = services.resident_create(
        by=officer,
        enter_programme=False,
        data={"first_name": "Oksana", "last_name": "Kovalenko", "residence": nantes_residences[1]},
    )
    assert resident.stage is None
    assert not StageChange.objects.filter(resident=resident).exists()


def test_the_path_refuses_what_the_table_does_not_allow(newcomer, officer):
    for to in (Stage.ACCOMPANIED, Stage.EMPLOYED, Stage.IDENTIFIED):
        with pytest.raises(ValidationError) as refused:
            services.resident_change_stage(resident=newcomer, to=to, by=officer)
        assert "Passage impossible" in str(refused.value)
    assert StageChange.objects.filter(resident=newcomer).count() == 1


def test_engaged_requires_the_accompaniment_consent(newcomer, officer):
    with pytest.raises(ValidationError, match="accord de la personne pour l'accompagnement"):
        services.resident_change_stage(resident=newcomer, to=Stage.ENGAGED, by=officer)
    _consent(newcomer, ConsentScope.ACCOMPANIMENT, officer)
    change = services.resident_change_stage(
        resident=newcomer, to=Stage.ENGAGED, by=officer, reason="Premier rendez-vous"
    )
    assert (change.from_stage, change.to_stage) == ("identified", "engaged")


def _assign(resident, coach):
    """The coach an accepted orientation assigns (employment.services.orientation_accept
    does it; these tests are about the file's own rules)."""
    Resident.objects.filter(pk=resident.pk).update(job_coach=coach)
    resident.refresh_from_db()


@pytest.mark.parametrize(
    ("frm", "to", "says"),
    [
        (Stage.ENGAGED, Stage.ACCOMPANIED, "accepte l'orientation"),
        (Stage.ACCOMPANIED, Stage.EMPLOYED, "déclarant l'embauche"),
        (Stage.EMPLOYED, Stage.ACCOMPANIED, "fin anticipée du contrat"),
    ],
)
def test_work_stages_move_only_through_the_employment_service(newcomer, officer, frm, to, says):
    Resident.objects.filter(pk=newcomer.pk).update(stage=frm)
    assert to not in services.next_stages(frm)
    with pytest.raises(ValidationError, match=says):
        services.resident_change_stage(resident=newcomer, to=to, by=officer)
    newcomer.refresh_from_db()
    assert newcomer.stage == frm
    assert not newcomer.stage_changes.filter(to_stage=to).exists()


def test_exit_needs_a_coded_reason_and_a_new_start_a_reason(newcomer, officer):
    with pytest.raises(ValidationError, match="motif de sortie"):
        services.resident_change_stage(resident=newcomer, to=Stage.EXITED, by=officer)
    services.resident_change_stage(
        resident=newcomer, to=Stage.EXITED, by=officer, exit_reason="moved_out"
    )
    with pytest.raises(ValidationError, match="motif"):
        services.resident_change_stage(resident=newcomer, to=Stage.IDENTIFIED, by=officer)
    services.resident_change_stage(
        resident=newcomer, to=Stage.IDENTIFIED, by=officer, reason="Revient vers nous"
    )
    assert list(
        StageChange.objects.filter(resident=newcomer)
        .order_by("changed_at", "pk")
        .values_list("to_stage", flat=True)
    ) == ["identified", "exited", "identified"]


def test_employed_back_to_accompanied_when_the_job_ends_early(officer, coach, adelis):
    resident = ResidentFactory(stage=Stage.ACCOMPANIED, job_coach=coach)
    # Hiring and the end of a job are the employment app's moves, never a bare stage move.
    with pytest.raises(ValidationError, match="embauche"):
        services.resident_change_stage(resident=resident, to=Stage.EMPLOYED, by=coach)
    services.resident_change_stage(resident=resident, to=Stage.EMPLOYED, by=coach, via="employment")
    with pytest.raises(ValidationError):
        services.resident_change_stage(
            resident=resident, to=Stage.ACCOMPANIED, by=coach, via="employment"
        )
    services.resident_change_stage(
        resident=resident, to=Stage.ACCOMPANIED, by=coach, reason="Fin de période d'essai",
        via="employment",
    )  # fmt: skip
    assert resident.stage_changes.count() == 2
    assert Stage.EMPLOYED not in services.next_stages(Stage.ACCOMPANIED)
    assert Stage.EMPLOYED in services.next_stages(Stage.ACCOMPANIED, via="employment")


def test_update_keeps_who_before_and_after_in_one_entry(newcomer, officer):
    services.resident_update(
        resident=newcomer,
        by=officer,
        data={"phone": "07 55 12 34 56", "housing_unit": "B12", "rqth": True},
        benefits={"rsa": datetime.date(2024, 1, 1)},
    )
    # One save of the form: one entry, however many tables it touched.
    [(who, items)] = history_edits(newcomer)
    assert who == officer
    items = dict(items)
    changes = {
        label: (before, after)
        for label, before, after in items["Identité et situation (modification)"]
    }
    assert changes["téléphone"] == ("06 12 34 56 78", "07 55 12 34 56")
    assert changes["logement"] == ("", "B12")
    assert changes["RQTH"] == ("non", "oui")
    assert ("depuis le", "", "01/01/2024") in items["Minimum social perçu : RSA (ajout)"]


def test_an_update_that_changes_nothing_writes_no_history(newcomer, officer):
    services.resident_update(resident=newcomer, by=officer, data={"first_name": "Ahmad"})
    assert history_edits(newcomer) == []


def test_future_birth_date_refused(officer, nantes_residences):
    with pytest.raises(ValidationError, match="future"):
        services.resident_create(
            by=officer,
            data={
                "first_name": "A",
                "last_name": "B",
                "residence": nantes_residences[0],
                "birth_date": timezone.localdate() + datetime.timedelta(days=1),
            },
        )
    assert not Resident.objects.exists()


def test_consent_withdrawal_cannot_precede_the_consent(newcomer, officer):
    consent = _consent(newcomer, ConsentScope.SMS, officer, given_on=datetime.date(2026, 1, 10))
    with pytest.raises(ValidationError):
        services.consent_withdraw(
            consent=consent, by=officer, withdrawn_on=datetime.date(2026, 1, 9)
        )
    services.consent_withdraw(consent=consent, by=officer)
    with pytest.raises(ValidationError, match="déjà retiré"):
        services.consent_withdraw(consent=consent, by=officer)


def test_one_standing_consent_per_scope_and_recipient(newcomer, officer, adelis):
    _consent(newcomer, ConsentScope.SHARING, officer, organisation=adelis)
    with pytest.raises(ValidationError, match="déjà enregistré"):
        _consent(newcomer, ConsentScope.SHARING, officer, organisation=adelis)


def test_withdrawing_the_sharing_consent_hides_the_file_from_the_coach_at_once(
    newcomer, officer, coach, adelis
):
    sharing = _consent(newcomer, ConsentScope.SHARING, officer, organisation=adelis)
    _assign(newcomer, coach)
    assert Resident.objects.visible_to(coach).filter(pk=newcomer.pk).exists()
    services.consent_withdraw(consent=sharing, by=officer)
    assert not Resident.objects.visible_to(coach).filter(pk=newcomer.pk).exists()
    assert Resident.objects.visible_to(officer).filter(pk=newcomer.pk).exists()


def test_action_step_with_a_due_date_reminds_its_owner(newcomer, officer, coach, adelis):
    step = services.action_step_add(
        resident=newcomer,
        by=officer,
        objective="Mobilité",
        step="Carte Tan solidaire",
        owner="person",
        due_on=datetime.date(2026, 12, 3),
    )
    reminder = Reminder.objects.get(dedup_key=f"action_step:{step.pk}")
    assert reminder.assignee == officer  # the person's step: the officer who wrote it follows
    assert timezone.localtime(reminder.due_at).hour == 9
    _consent(newcomer, ConsentScope.SHARING, officer, organisation=adelis)
    _assign(newcomer, coach)
    coach_step = services.action_step_add(
        resident=newcomer,
        by=officer,
        objective="Emploi",
        step="Visite d'entreprise",
        owner="coach",
        due_on=datetime.date(2026, 12, 5),
    )
    assert Reminder.objects.get(dedup_key=f"action_step:{coach_step.pk}").assignee == coach
    services.action_step_done(step=step, by=officer)
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    no_date = services.action_step_add(
        resident=newcomer, by=officer, objective="Langue", step="Atelier", owner="partner"
    )
    assert not Reminder.objects.filter(dedup_key=f"action_step:{no_date.pk}").exists()


def test_barrier_status_and_lifting(newcomer, officer):
    barrier = services.barrier_set(
        resident=newcomer, code="mobility", status="identified", by=officer
    )
    assert barrier.lifted_on is None
    barrier = services.barrier_set(resident=newcomer, code="mobility", status="lifted", by=officer)
    assert barrier.lifted_on == timezone.localdate()
    assert newcomer.barriers.count() == 1


@time_machine.travel(datetime.datetime(2026, 11, 26, 10, tzinfo=datetime.UTC), tick=False)
def test_invisible_is_derived_from_registration_and_last_referent_contact(db):
    registered = {"france_travail_status": "registered"}
    recent = ResidentFactory(**registered, last_referent_contact_on=datetime.date(2026, 8, 1))
    old = ResidentFactory(**registered, last_referent_contact_on=datetime.date(2026, 6, 1))
    never = ResidentFactory(**registered, last_referent_contact_on=None)
    unregistered = ResidentFactory(
        france_travail_status="not_registered", last_referent_contact_on=datetime.date(2026, 11, 1)
    )
    invisible = set(Resident.objects.invisible())
    assert invisible == {old, never, unregistered}
    assert [r.is_invisible for r in (recent, old, never, unregistered)] == [
        False,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("raw", "expected", "mobile"),
    [
        ("06 12 34 56 78", "+33612345678", True),
        ("0033612345678", "+33612345678", True),
        ("06.12.34.56.78", "+33612345678", True),
        ("0755123456", "+33755123456", True),
        ("0123456789", "+33123456789", False),
        ("0690123456", "+590690123456", True),
        ("0692123456", "+262692123456", True),
        ("0694123456", "+594694123456", True),
        ("0696123456", "+596696123456", True),
    ],
)
def test_phone_numbers(raw, expected, mobile):
    assert parse_phone(raw) == (expected, mobile)


@pytest.mark.parametrize("raw", ["0712345678", "0639123456", "12", "+33 1", "abc", "0" * 41])
def test_invalid_phone_numbers(raw):
    with pytest.raises(ValidationError, match="invalide"):
        parse_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1234567a", "1234567A"), (" 123 456 789 01 ", "12345678901"), ("", "")]
)
def test_france_travail_ids(raw, expected):
    assert normalise_france_travail_id(raw) == expected


@pytest.mark.parametrize("raw", ["ABC", "1234567", "123456789012", "12345678901X", "A234567B"])
def test_invalid_france_travail_ids(raw):
    with pytest.raises(ValidationError, match="France Travail"):
        normalise_france_travail_id(raw)


def test_search_is_accent_and_case_insensitive_and_finds_phones():
    text = search_text(first_name="Élodie", last_name="N'Diaye-Kéita", phone="+33612345678")
    for query in ("elodie", "ÉLODIE ndiaye", "diaye keita", "0612 345", "06 12 34 56 78"):
        assert all(term in text for term in search_terms(query)), query


def test_letters_without_decomposition_fold_too():
    from residents.normalise import fold

    assert fold("Yılmaz Łukasz Søren Œdipe Straße") == "yilmaz lukasz soren oedipe strasse"  # noqa: RUF001


def test_each_benefit_keeps_its_own_date_and_its_history(newcomer, officer):
    services.benefit_set(
        resident=newcomer, benefit="rsa", since=datetime.date(2019, 5, 1), by=officer
    )
    services.benefit_set(
        resident=newcomer, benefit="prime_activite", since=datetime.date(2024, 2, 1), by=officer
    )
    services.benefit_set(
        resident=newcomer, benefit="rsa", since=datetime.date(2019, 5, 1), by=officer
    )
    assert {b.benefit: b.since for b in newcomer.benefits.all()} == {
        "rsa": datetime.date(2019, 5, 1),
        "prime_activite": datetime.date(2024, 2, 1),
    }
    assert len(history_edits(newcomer)) == 2  # the repeat changed nothing
    services.benefit_remove(benefit=newcomer.benefits.get(benefit="rsa"), by=officer)
    who, [(title, changes)] = history_edits(newcomer)[0]
    assert (who, title) == (officer, "Minimum social perçu : RSA (suppression)")
    assert ("depuis le", "01/05/2019", "") in changes


def test_the_edit_form_keeps_the_dates_of_benefits_already_recorded(client, officer, newcomer):
    from django.urls import reverse

    services.benefit_set(
        resident=newcomer, benefit="rsa", since=datetime.date(2019, 5, 1), by=officer
    )
    client.force_login(officer)
    data = {
        "last_name": "Rahimi", "first_name": "Ahmad", "sex": "male", "phone": "",
        "residence": newcomer.residence_id, "preferred_language": "prs",
        "international_protection": "none", "right_to_work_document": "none",
        "france_travail_status": "unknown", "benefits": ["rsa", "ass"],
        "benefits_since": "2025-09-01",
    }  # fmt: skip
    response = client.post(reverse("residents:edit", args=[newcomer.pk]), data)
    assert response.status_code == 302
    assert {b.benefit: b.since for b in newcomer.benefits.all()} == {
        "rsa": datetime.date(2019, 5, 1),
        "ass": datetime.date(2025, 9, 1),
    }
