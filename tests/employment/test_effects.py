"""What the resident's path does to the accompaniment, through residents' registries: a
withdrawn sharing consent suspends it (derived, nothing deleted), an officer's exit closes it;
and the coach's own exit, with the situation six months later."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from employment import services
from employment.enums import IntroductionStatus, OrientationStatus
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    Orientation,
    Placement,
)
from o2r.reminders.models import Reminder, ReminderKind
from o2r.reminders.services import reminder_key
from residents import services as resident_services
from residents.enums import ConsentMethod, ConsentScope, Stage
from residents.models import Consent, Resident, StageChange
from tests.accounts.factories import OrganisationFactory
from tests.employment.conftest import hire

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _sharing(resident, adelis):
    return Consent.objects.get(
        resident=resident,
        scope=ConsentScope.SHARING,
        recipient_organisation=adelis,
        withdrawn_on__isnull=True,
    )


def _withdraw(resident, adelis, by):
    resident_services.consent_withdraw(consent=_sharing(resident, adelis), by=by)


def _schedule(accompaniment, coach, opening):
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    services.introduction_move(introduction=introduction, to=IntroductionStatus.ACCEPTED, by=coach)
    services.introduction_move(
        introduction=introduction,
        to=IntroductionStatus.INTERVIEW_SCHEDULED,
        by=coach,
        interview_at=timezone.now() + datetime.timedelta(days=3),
        interview_place="Sur place",
    )
    return introduction


# --- Consent withdrawal -----------------------------------------------------------------------


def test_withdrawing_the_sharing_consent_suspends_the_accompaniment(
    accompaniment, coach, officer, adelis, opening, employer, engaged, django_assert_num_queries
):
    introduction = _schedule(accompaniment, coach, opening)
    services.coach_contact_add(
        accompaniment=accompaniment, by=coach, with_whom="person", channel="phone"
    )
    sms_key = reminder_key("introduction", introduction.pk, "sms_eve")
    assert Reminder.objects.filter(dedup_key=sms_key, kind=ReminderKind.RESIDENT_MESSAGE).exists()
    assert Accompaniment.objects.visible_to(coach).get() == accompaniment
    counts = [m.objects.count() for m in (Accompaniment, Introduction, CoachContact)]

    _withdraw(engaged, adelis, officer)

    accompaniment = Accompaniment.objects.get(pk=accompaniment.pk)
    assert accompaniment.is_open and accompaniment.is_suspended
    assert accompaniment.status_label == "Suspendu — accord de partage retiré"
    annotated = Accompaniment.objects.with_suspension().get(pk=accompaniment.pk)
    with django_assert_num_queries(0):  # the annotation answers, row by row
        assert annotated.is_suspended and annotated.sharing_stands() is False
    assert not Resident.objects.visible_to(coach).exists()
    assert not Accompaniment.objects.visible_to(coach).exists()
    assert Accompaniment.objects.visible_to(officer).get() == accompaniment  # she follows it
    assert [m.objects.count() for m in (Accompaniment, Introduction, CoachContact)] == counts
    assert not Reminder.objects.filter(dedup_key=sms_key).exists()
    engaged.refresh_from_db()
    assert (engaged.stage, engaged.job_coach) == (Stage.ACCOMPANIED, coach)

    writes = {
        "placement_record": lambda: services.placement_record(
            accompaniment=accompaniment,
            by=coach,
            data={
                "contract_type": "cdi",
                "start_on": TODAY(),
                "weekly_hours": 35,
                "employer": employer,
            },
        ),
        "coach_contact_add": lambda: services.coach_contact_add(
            accompaniment=accompaniment, by=coach, with_whom="person", channel="phone"
        ),
        "introduction_move": lambda: services.introduction_move(
            introduction=introduction, to=IntroductionStatus.DECLINED, by=coach, reason="job"
        ),
        "introduction_propose": lambda: services.introduction_propose(
            accompaniment=accompaniment, opening=opening, by=coach
        ),
        "wishes_save": lambda: services.wishes_save(
            accompaniment=accompaniment, by=coach, data={"hours_max": 30}
        ),
    }
    for name, write in writes.items():
        with pytest.raises(ValidationError) as caught:
            write()
        assert "accord de partage" in " ".join(caught.value.messages), name
    assert not Placement.objects.exists()
    assert [m.objects.count() for m in (Accompaniment, Introduction, CoachContact)] == counts

    # Given again: the same accompaniment resumes, nothing to copy back.
    resident_services.consent_record(
        resident=engaged,
        scope=ConsentScope.SHARING,
        given_on=TODAY(),
        method=ConsentMethod.ORAL,
        by=officer,
        recipient_organisation=adelis,
    )
    accompaniment = Accompaniment.objects.get(pk=accompaniment.pk)
    assert not accompaniment.is_suspended
    assert not Accompaniment.objects.with_suspension().get(pk=accompaniment.pk).is_suspended
    assert Accompaniment.objects.visible_to(coach).get() == accompaniment
    assert writes["coach_contact_add"]()


def test_a_withdrawal_refuses_follow_ups_and_the_end_of_a_job(
    accompaniment, coach, officer, adelis, engaged
):
    placement = hire(accompaniment, coach)
    _withdraw(engaged, adelis, officer)
    follow_up = placement.follow_ups.first()

    for write in (
        lambda: services.follow_up_record(
            follow_up=follow_up, by=coach, done_on=TODAY(), with_whom="both"
        ),
        lambda: services.placement_end(
            placement=placement, by=coach, ended_on=TODAY(), reason="resignation"
        ),
    ):
        with pytest.raises(ValidationError, match="accord de partage"):
            write()
    assert not FollowUp.objects.filter(done_on__isnull=False).exists()
    assert Placement.objects.get().ended_on is None


def test_a_withdrawal_sets_a_pending_orientation_aside(
    orientation, officer, adelis, engaged, coach
):
    _withdraw(engaged, adelis, officer)

    orientation.refresh_from_db()
    assert (orientation.status, orientation.answered_by) == (OrientationStatus.WITHDRAWN, officer)
    with pytest.raises(ValidationError):
        services.orientation_accept(orientation=orientation, by=coach)
    assert not Accompaniment.objects.exists()


def test_a_withdrawal_of_another_consent_changes_nothing(accompaniment, officer, engaged, coach):
    consent = Consent.objects.get(resident=engaged, scope=ConsentScope.ACCOMPANIMENT)
    resident_services.consent_withdraw(consent=consent, by=officer)

    assert not Accompaniment.objects.get(pk=accompaniment.pk).is_suspended
    assert Accompaniment.objects.visible_to(coach).exists()


# --- Exits ------------------------------------------------------------------------------------


def test_an_officer_exit_closes_the_accompaniment_with_its_reason(
    accompaniment, coach, officer, opening, engaged
):
    introduction = _schedule(accompaniment, coach, opening)

    resident_services.resident_change_stage(
        resident=engaged,
        to=Stage.EXITED,
        by=officer,
        exit_reason="moved_out",
        reason="Relogée à Angers",
    )

    accompaniment.refresh_from_db()
    assert not accompaniment.is_open
    assert (accompaniment.ended_on, accompaniment.exit_reason) == (TODAY(), "moved_out")
    assert (accompaniment.exit_notes, accompaniment.ended_by) == ("Relogée à Angers", officer)
    introduction.refresh_from_db()
    assert not introduction.is_in_progress
    assert not Reminder.objects.filter(dedup_key__startswith=f"introduction:{introduction.pk}:")
    engaged.refresh_from_db()
    assert engaged.stage == Stage.EXITED
    assert StageChange.objects.filter(resident=engaged, to_stage=Stage.EXITED).count() == 1
    post_exit = Reminder.objects.get(
        dedup_key=reminder_key("accompaniment", accompaniment.pk, "post_exit")
    )
    assert post_exit.assignee == coach


def test_the_coach_closes_and_asks_for_the_situation_six_months_later(
    accompaniment, coach, engaged, time_machine
):
    for exit_reason, ended_on, field in [
        ("", None, "exit_reason"),
        ("pas_un_motif", None, "exit_reason"),
        ("training", TODAY() + datetime.timedelta(days=1), "ended_on"),
        ("training", accompaniment.started_on - datetime.timedelta(days=1), "ended_on"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.accompaniment_close(
                accompaniment=accompaniment, by=coach, exit_reason=exit_reason, ended_on=ended_on
            )
        assert field in caught.value.message_dict
    assert Accompaniment.objects.get(pk=accompaniment.pk).is_open
    with pytest.raises(ValidationError, match="une fois la sortie faite"):
        services.accompaniment_record_post_exit(
            accompaniment=accompaniment, by=coach, situation="training"
        )

    services.accompaniment_close(
        accompaniment=accompaniment, by=coach, exit_reason="training", notes="CAP cuisine"
    )

    engaged.refresh_from_db()
    assert engaged.stage == Stage.EXITED
    change = StageChange.objects.filter(resident=engaged).latest("changed_at")
    assert (change.from_stage, change.exit_reason, change.changed_by) == (
        Stage.ACCOMPANIED,
        "training",
        coach,
    )
    [reminder] = Reminder.objects.filter(
        dedup_key=reminder_key("accompaniment", accompaniment.pk, "post_exit")
    )
    in_six_months = TODAY() + relativedelta(months=6)
    assert reminder.assignee == coach
    assert timezone.localtime(reminder.due_at) == timezone.make_aware(
        datetime.datetime.combine(in_six_months, datetime.time(9))
    )
    with pytest.raises(ValidationError, match="déjà terminé"):
        services.accompaniment_close(accompaniment=accompaniment, by=coach, exit_reason="other")
    # Until the situation is recorded she keeps read access to the closed accompaniment.
    assert Accompaniment.objects.visible_to(coach).get() == accompaniment

    with pytest.raises(ValidationError, match="situation"):
        services.accompaniment_record_post_exit(
            accompaniment=accompaniment, by=coach, situation="ailleurs"
        )
    with pytest.raises(ValidationError, match="6 mois après la sortie"):
        services.accompaniment_record_post_exit(
            accompaniment=accompaniment, by=coach, situation="training"
        )
    time_machine.move_to(reminder.due_at, tick=False)
    services.accompaniment_record_post_exit(
        accompaniment=accompaniment, by=coach, situation="training"
    )

    accompaniment.refresh_from_db()
    assert (accompaniment.post_exit_situation, accompaniment.post_exit_recorded_on) == (
        "training",
        TODAY(),
    )
    engaged.refresh_from_db()
    assert engaged.job_coach is None
    assert not Resident.objects.visible_to(coach).exists()
    assert not Accompaniment.objects.visible_to(coach).exists()
    reminder.refresh_from_db()
    assert reminder.done_at is not None


def test_an_exit_sets_a_pending_orientation_aside_so_a_return_can_be_oriented_again(
    orientation, officer, adelis, engaged, coach
):
    assert Orientation.objects.received_by(coach).get() == orientation
    resident_services.resident_change_stage(
        resident=engaged, to=Stage.EXITED, by=officer, exit_reason="lost_contact"
    )

    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.WITHDRAWN
    assert not Orientation.objects.received_by(coach).exists()
    resident_services.resident_change_stage(
        resident=engaged, to=Stage.IDENTIFIED, by=officer, reason="Revenue à la résidence"
    )
    resident_services.resident_change_stage(resident=engaged, to=Stage.ENGAGED, by=officer)
    again = services.orientation_create(
        resident=engaged, organisation=adelis, reason="Nouvel essai", by=officer
    )
    assert again.status == OrientationStatus.PENDING


# --- Review fixes: answers, exits while employed, erasure, the file's panel -----------------


def test_a_second_coach_cannot_answer_an_orientation_another_one_accepted(
    orientation, coach, other_coach
):
    accompaniment = services.orientation_accept(orientation=orientation, by=coach)
    # The same coach's second click returns the same accompaniment.
    assert services.orientation_accept(orientation=orientation, by=coach) == accompaniment
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        services.orientation_accept(orientation=orientation, by=other_coach)
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        services.orientation_decline(orientation=orientation, by=other_coach, reason="Complet")
    assert Accompaniment.objects.get().coach == coach


def test_an_orientation_named_for_a_coach_is_not_declined_by_another(
    engaged, officer, adelis, coach, other_coach, adelis_manager
):
    orientation = services.orientation_create(
        resident=engaged, organisation=adelis, by=officer, coach=other_coach, reason="Pour Inès."
    )
    with pytest.raises(ValidationError, match="proposée à Inès Roux"):
        services.orientation_decline(orientation=orientation, by=coach, reason="Pas pour moi")
    assert Orientation.objects.get().status == OrientationStatus.PENDING
    services.orientation_decline(orientation=orientation, by=adelis_manager, reason="Complet")
    assert Orientation.objects.get().status == OrientationStatus.DECLINED


def test_an_exit_for_another_reason_than_work_cancels_the_follow_ups(
    accompaniment, coach, placement
):
    services.accompaniment_close(accompaniment=accompaniment, by=coach, exit_reason="moved_out")

    assert not FollowUp.objects.pending().exists()
    assert FollowUp.objects.filter(cancelled_on=TODAY()).count() == 4
    assert not Reminder.objects.filter(dedup_key__startswith="follow_up:").exists()


def test_after_an_exit_in_work_the_coach_follows_the_job_and_records_its_end(
    accompaniment, coach, placement, engaged
):
    services.accompaniment_close(
        accompaniment=accompaniment, by=coach, exit_reason="durable_employment"
    )
    assert FollowUp.objects.pending().count() == 4
    d7 = FollowUp.objects.get(milestone="d7")
    services.follow_up_record(follow_up=d7, by=coach, done_on=TODAY(), with_whom="both")

    services.placement_end(
        placement=Placement.objects.get(), by=coach, ended_on=TODAY(), reason="resignation"
    )

    assert not FollowUp.objects.pending().exists()
    engaged.refresh_from_db()
    assert engaged.stage == Stage.EXITED  # no way back to "accompanied" from an exit


def test_erasing_a_person_whose_orientation_was_declined(client, officer, orientation, coach):
    services.orientation_decline(orientation=orientation, by=coach, reason="mk-declined-why")
    client.force_login(officer)

    response = client.post(
        reverse("residents:erase", args=[orientation.resident_id]), {"confirm": "on"}
    )

    assert response.status_code == 302
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.DECLINED
    assert orientation.decline_reason == "(effacé)"
    assert orientation.reason == ""


def test_the_file_shows_an_organisation_its_own_orientations_only(
    client, officer, engaged, adelis, coach, accompaniment
):
    other = OrganisationFactory(name="Emploi Solidaire", kind="employment")
    services.accompaniment_close(
        accompaniment=accompaniment, by=coach, exit_reason="durable_employment"
    )
    resident_services.resident_change_stage(
        resident=engaged, to=Stage.IDENTIFIED, by=officer, reason="Nouveau départ"
    )
    resident_services.resident_change_stage(resident=engaged, to=Stage.ENGAGED, by=officer)
    resident_services.consent_record(
        resident=engaged, scope=ConsentScope.SHARING, given_on=TODAY(),
        method=ConsentMethod.ORAL, by=officer, recipient_organisation=other,
    )  # fmt: skip
    elsewhere = services.orientation_create(
        resident=engaged, organisation=other, by=officer, reason="Autre structure"
    )
    Orientation.objects.filter(pk=elsewhere.pk).update(
        status=OrientationStatus.DECLINED, decline_reason="mk-other-organisation-reason"
    )
    client.force_login(coach)

    page = client.get(engaged.get_absolute_url()).content.decode()

    assert "mk-other-organisation-reason" not in page
    client.force_login(officer)
    assert "mk-other-organisation-reason" in client.get(engaged.get_absolute_url()).content.decode()
