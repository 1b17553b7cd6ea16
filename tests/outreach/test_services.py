"""Outreach's rules: what a contact does to the file, tokens against double submission,
referrals, and the counting rules the dashboards will reuse."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from o2r.reminders.models import Reminder
from outreach import services
from outreach.enums import Channel, Outcome, ReferralOutcome, ReferralSource, ReferralStatus
from outreach.models import Contact, OutreachAction, Referral
from residents.enums import ConsentScope, Stage
from residents.models import Resident
from tests.residents.factories import ResidentFactory


@pytest.fixture
def hall(officer, nantes_residences):
    return services.outreach_action_start(by=officer, residence=nantes_residences[0])


@pytest.fixture
def newcomer(nantes_residences):
    return ResidentFactory(first_name="Tesfay", last_name="Gebremedhin",
                           residence=nantes_residences[0], stage=None)  # fmt: skip


def test_a_contact_identifies_engages_reminds_and_counts_as_an_interaction(officer, hall, newcomer):
    next_week = timezone.localdate() + datetime.timedelta(days=7)
    contact = services.contact_log(
        by=officer, resident=newcomer, action=hall, outcome=Outcome.INTERESTED,
        summary="Cherche un travail le matin.", next_step_on=next_week,
        accompaniment_consent=True,
    )  # fmt: skip
    newcomer.refresh_from_db()
    assert newcomer.stage == Stage.ENGAGED
    assert [c.to_stage for c in newcomer.stage_changes.order_by("changed_at")] == [
        Stage.IDENTIFIED,
        Stage.ENGAGED,
    ]
    assert newcomer.consents.filter(scope=ConsentScope.ACCOMPANIMENT).count() == 1
    assert newcomer.last_interaction_at >= contact.at
    reminder = Reminder.objects.get(dedup_key=f"contact:{contact.pk}")
    assert (reminder.assignee, reminder.due_at.date()) == (officer, next_week)
    assert contact.residence == newcomer.residence


def test_no_answer_is_no_interaction_and_consent_needs_interest(officer, hall, newcomer):
    services.contact_log(by=officer, resident=newcomer, action=hall, outcome=Outcome.NO_ANSWER)
    newcomer.refresh_from_db()
    assert newcomer.last_interaction_at is None
    assert newcomer.stage == Stage.IDENTIFIED  # known to the programme all the same
    with pytest.raises(ValidationError) as refused:
        services.contact_log(
            by=officer, resident=newcomer, action=hall, outcome=Outcome.DECLINED,
            accompaniment_consent=True,
        )  # fmt: skip
    assert "accompaniment_consent" in refused.value.message_dict


def test_the_same_token_never_writes_twice(officer, hall, newcomer):
    token = uuid.uuid4()
    first = services.contact_log(
        by=officer, resident=newcomer, action=hall, outcome=Outcome.NOT_NOW, token=token
    )
    again = services.contact_log(
        by=officer, resident=newcomer, action=hall, outcome=Outcome.NOT_NOW, token=token
    )
    assert first.pk == again.pk and Contact.objects.count() == 1
    start = uuid.uuid4()
    a = services.outreach_action_start(by=officer, residence=hall.residence, token=start)
    b = services.outreach_action_start(by=officer, residence=hall.residence, token=start)
    assert a.pk == b.pk
    assert OutreachAction.objects.filter(token=start).count() == 1


def test_a_resident_of_another_residence_or_territory_is_refused(
    officer, outsider, hall, nantes_residences, other_territory_residence
):
    elsewhere = ResidentFactory(residence=nantes_residences[1])
    with pytest.raises(ValidationError, match="résidence"):
        services.contact_log(by=officer, resident=elsewhere, action=hall, outcome="interested")
    stranger = ResidentFactory(residence=other_territory_residence)
    with pytest.raises(ValidationError):
        services.contact_log(by=officer, resident=stranger, outcome="interested")
    with pytest.raises(ValidationError):
        services.outreach_action_start(by=outsider, residence=nantes_residences[0])
    assert not Contact.objects.exists()


def test_a_new_person_met_gets_a_file_of_the_residence(officer, hall):
    contact = services.resident_meet_new(
        by=officer, action=hall, first_name="Awa\x00", housing_unit="B 12",
        outcome=Outcome.APPOINTMENT_SET, summary="x" * 100_000,
    )  # fmt: skip
    resident = Resident.objects.get(pk=contact.resident_id)
    assert (resident.first_name, resident.housing_unit, resident.residence) == (
        "Awa", "B 12", hall.residence,
    )  # fmt: skip
    assert resident.stage == Stage.IDENTIFIED
    assert len(contact.summary) == 300


def test_closing_an_action_and_its_dates(officer, hall):
    with pytest.raises(ValidationError):
        services.outreach_action_close(
            action=hall, by=officer, ended_at=hall.started_at - datetime.timedelta(hours=1)
        )
    closed = services.outreach_action_close(action=hall, by=officer)
    assert closed.ended_at >= closed.started_at and not closed.is_open


def test_referral_filed_by_staff_taken_and_closed_by_the_officer(staff, officer, nantes_residences):
    residence = nantes_residences[0]
    referral = services.referral_file(
        by=staff, residence=residence, first_name="Mariam", housing_unit="A3",
        how_to_reach="Le soir, après 18 h", reason="Cherche du travail",
        source=ReferralSource.RESIDENCE_MANAGER,
    )  # fmt: skip
    assert referral.status == ReferralStatus.NEW
    assert list(Referral.objects.filed_by(staff)) == [referral]
    assert not Referral.objects.handled_by(staff).exists()
    with pytest.raises(ValidationError):
        services.referral_take(referral=referral, by=staff)
    taken = services.referral_take(referral=referral, by=officer)
    assert taken.status == ReferralStatus.IN_PROGRESS and taken.taken_by == officer
    assert (taken.resident.first_name, taken.resident.stage) == ("Mariam", Stage.IDENTIFIED)
    closed = services.referral_close(referral=taken, by=officer, outcome=ReferralOutcome.CONTACTED)
    assert closed.status == ReferralStatus.CLOSED and closed.closed_at is not None


def test_staff_file_only_in_their_residence_and_with_a_reason(staff, nantes_residences):
    with pytest.raises(ValidationError) as refused:
        services.referral_file(
            by=staff, residence=nantes_residences[0], first_name="Mariam", reason=" ",
            source=ReferralSource.NEIGHBOUR,
        )  # fmt: skip
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.referral_file(
            by=staff, residence=nantes_residences[1], first_name="Mariam", reason="Travail",
            source=ReferralSource.NEIGHBOUR,
        )  # fmt: skip
    assert not Referral.objects.exists()


# --- Counting --------------------------------------------------------------------------------


def test_counting_rules(officer, hall, nantes_residences):
    samia = ResidentFactory(residence=nantes_residences[0])
    karim = ResidentFactory(residence=nantes_residences[0])
    # Samia met twice in the same action counts once; Karim did not answer.
    services.contact_log(by=officer, resident=samia, action=hall, outcome=Outcome.INTERESTED)
    services.contact_log(by=officer, resident=samia, action=hall, outcome=Outcome.NOT_NOW)
    services.contact_log(by=officer, resident=karim, action=hall, outcome=Outcome.NO_ANSWER)
    services.outreach_action_count_unnamed(action=hall, by=officer)
    services.outreach_action_count_unnamed(action=hall, by=officer)
    # A relay's word is not a two-way contact.
    services.contact_log(
        by=officer, resident=karim, channel=Channel.RELAY, outcome=Outcome.INTERESTED
    )
    actions = OutreachAction.objects.filter(pk=hall.pk)
    # Karim did not answer: nobody met (a closed door at a door-to-door round).
    assert actions.people_met() == {"named": 1, "unnamed": 2}
    poster = services.outreach_action_start(by=officer, residence=hall.residence, kind="poster")
    assert list(OutreachAction.objects.touches()) == [poster]
    contacts = Contact.objects.filter(residence=nantes_residences[0])
    assert list(contacts.reached()) == [samia]
    assert contacts.by_outcome() == {"interested": 2, "not_now": 1, "no_answer": 1}
    # The contact keeps its residence when the person moves.
    Resident.objects.filter(pk=samia.pk).update(residence=nantes_residences[1])
    assert Contact.objects.filter(residence=nantes_residences[0]).count() == 4


def test_the_unnamed_counter_never_goes_below_zero(officer, hall):
    assert services.outreach_action_count_unnamed(action=hall, by=officer, delta=-1) == 0


def test_contacts_are_visible_to_the_table_only(officer, coach, adelis, staff, outsider, hall):
    resident = ResidentFactory(residence=hall.residence, job_coach=coach)
    services.contact_log(by=officer, resident=resident, action=hall, outcome="interested")
    assert Contact.objects.visible_to(officer).count() == 1
    assert Contact.objects.visible_to(coach).count() == 0  # no sharing consent yet
    from residents import services as residents

    residents.consent_record(
        resident=resident, scope=ConsentScope.SHARING, given_on=timezone.localdate(),
        method="oral", by=officer, recipient_organisation=adelis,
    )  # fmt: skip
    assert Contact.objects.visible_to(coach).count() == 1
    for user in (staff, outsider):
        assert Contact.objects.visible_to(user).count() == 0
        assert OutreachAction.objects.visible_to(user).count() == 0


def test_the_timeline_shows_contacts_to_those_who_may_read_them(
    client, officer, adelis_manager, hall, newcomer
):
    services.contact_log(
        by=officer, resident=newcomer, action=hall, outcome=Outcome.INTERESTED,
        summary="Vue au hall",
    )  # fmt: skip
    client.force_login(officer)
    body = client.get(newcomer.get_absolute_url()).content.decode()
    assert "Contact (dans le hall) : Intéressé·e" in body and "Vue au hall" in body


def test_taking_a_referral_checks_for_a_file_already_there(staff, officer, nantes_residences):
    residence = nantes_residences[0]
    known = ResidentFactory(first_name="Mariàm", housing_unit="a3", residence=residence)
    referral = services.referral_file(
        by=staff, residence=residence, first_name="Mariam", housing_unit="A3",
        reason="Cherche du travail", source=ReferralSource.NEIGHBOUR,
    )  # fmt: skip
    with pytest.raises(services.ReferralMayBeKnown) as maybe:
        services.referral_take(referral=referral, by=officer)
    assert maybe.value.candidates == [known]
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.NEW
    taken = services.referral_take(referral=referral, by=officer, resident=known)
    assert taken.resident == known
    other = services.referral_file(
        by=staff, residence=residence, first_name="Mariam", housing_unit="A3",
        reason="Une autre Mariam", source=ReferralSource.NEIGHBOUR,
    )  # fmt: skip
    new = services.referral_take(referral=other, by=officer, new_person=True)
    assert new.resident != known and new.resident.first_name == "Mariam"


def test_the_inbox_asks_which_file_when_the_person_may_be_known(
    client, staff, officer, nantes_residences
):
    from django.urls import reverse

    residence = nantes_residences[0]
    known = ResidentFactory(first_name="Mariam", housing_unit="A3", residence=residence)
    referral = services.referral_file(
        by=staff, residence=residence, first_name="Mariam", housing_unit="A3",
        reason="Cherche du travail", source=ReferralSource.NEIGHBOUR,
    )  # fmt: skip
    client.force_login(officer)
    url = reverse("outreach:referral_take", args=[referral.pk])
    page = client.post(url)
    assert page.status_code == 200
    assert "a peut-être déjà un dossier" in page.content.decode()
    response = client.post(url, {"resident": known.pk})
    assert response.status_code == 302 and response["Location"] == known.get_absolute_url()
    assert Referral.objects.get(pk=referral.pk).resident == known


def test_a_closed_session_takes_no_correction_and_odd_input_is_no_500(
    client, officer, hall, newcomer
):
    from django.urls import reverse

    contact = services.contact_log(by=officer, resident=newcomer, action=hall, outcome="not_now")
    services.outreach_action_close(action=hall, by=officer)
    client.force_login(officer)
    url = reverse("outreach:contact_correct", args=[hall.pk, contact.pk])
    client.post(url, {"outcome": "declined", "summary": "changé"})
    contact.refresh_from_db()
    assert contact.outcome == "not_now"
    history = reverse("outreach:residence_history", args=[hall.residence_id])
    for query in ("?au=9999-12-31", "?du=0001-01-02&au=0001-01-02", "?du=x"):
        assert client.get(history + query).status_code == 200
    referral = services.referral_file(
        by=officer, residence=hall.residence, first_name="Zoé", reason="Travail",
        source="neighbour",
    )  # fmt: skip
    take = reverse("outreach:referral_take", args=[referral.pk])
    assert client.post(take, {"resident": "²"}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.NEW
