"""What the fresh-eyes review found: the employment manager does not read the coaches'
confidential notes (the access table does not give them to her), an organisation sees only
its own accompaniments of a person, and scheduling the same meeting twice is one step."""

import datetime

from django.utils import timezone

from employment import services
from employment.enums import IntroductionStatus
from employment.models import Accompaniment, CoachContact, IntroductionStep
from o2r.accounts.enums import Role
from residents import services as resident_services
from residents.enums import ConsentScope
from tests.accounts.factories import OrganisationFactory, UserFactory


def test_the_employment_manager_does_not_read_confidential_working_notes(
    client, accompaniment, coach, adelis_manager
):
    services.coach_contact_add(
        accompaniment=accompaniment, by=coach, with_whom="person", channel="phone",
        summary="Parle de difficultés familiales", confidential=True,
    )  # fmt: skip
    assert (
        not CoachContact.objects.summary_readable_by(adelis_manager)
        .filter(confidential=True)
        .exists()
    )
    assert CoachContact.objects.summary_readable_by(coach).filter(confidential=True).exists()
    client.force_login(adelis_manager)
    response = client.get(accompaniment.get_absolute_url())
    assert response.status_code == 200
    assert "difficultés familiales" not in response.content.decode()


def test_another_organisation_sees_only_its_own_accompaniments(accompaniment, coach, officer):
    services.accompaniment_close(accompaniment=accompaniment, by=coach, exit_reason="training")
    resident = accompaniment.resident
    other = OrganisationFactory(name="Emploi Solidaire 44", kind="employment")
    other_coach = UserFactory(organisation=other, role=Role.JOB_COACH, territory=coach.territory)
    resident_services.resident_change_stage(
        resident=resident, to="identified", by=officer, reason="Nouveau départ"
    )
    resident_services.resident_change_stage(resident=resident, to="engaged", by=officer)
    resident_services.consent_record(
        resident=resident, scope=ConsentScope.SHARING, given_on=timezone.localdate(),
        method="oral", by=officer, recipient_organisation=other,
    )  # fmt: skip
    orientation = services.orientation_create(
        resident=resident, organisation=other, by=officer, reason="Autre structure"
    )
    second = services.orientation_accept(orientation=orientation, by=other_coach)
    assert set(Accompaniment.objects.visible_to(other_coach)) == {second}
    assert accompaniment not in Accompaniment.objects.visible_to(other_coach, "accompaniment.work")


def test_the_same_meeting_scheduled_twice_is_one_step(accompaniment, coach, opening):
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach
    )
    services.introduction_move(introduction=introduction, to=IntroductionStatus.ACCEPTED, by=coach)
    when = timezone.now() + datetime.timedelta(days=3)
    for _ in range(2):
        services.introduction_move(
            introduction=introduction, to=IntroductionStatus.INTERVIEW_SCHEDULED, by=coach,
            interview_at=when, interview_place="Sur place",
        )  # fmt: skip
    steps = IntroductionStep.objects.filter(
        introduction=introduction, status=IntroductionStatus.INTERVIEW_SCHEDULED
    )
    assert steps.count() == 1
