import pytest
from django.core.management import CommandError, call_command

from employers.models import (
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
)
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    Orientation,
    Placement,
)
from o2r.accounts.enums import Role
from o2r.accounts.models import Organisation, User
from o2r.core.demo import DEMO_PASSWORD
from o2r.reminders.models import Reminder
from outreach.models import Contact, OutreachAction, Referral
from residents.models import Residence, ResidenceMembership, Resident, StageChange


def _counts():
    return (
        Organisation.objects.count(),
        Residence.objects.count(),
        User.objects.count(),
        ResidenceMembership.objects.count(),
        Resident.objects.count(),
        StageChange.objects.count(),
        OutreachAction.objects.count(),
        Contact.objects.count(),
        Referral.objects.count(),
        Employer.objects.count(),
        EmployerContact.objects.count(),
        EmployerStatusChange.objects.count(),
        ProspectingAction.objects.count(),
        JobOpening.objects.count(),
        Reminder.objects.count(),
        Orientation.objects.count(),
        Accompaniment.objects.count(),
        CoachContact.objects.count(),
        Introduction.objects.count(),
        Placement.objects.count(),
        FollowUp.objects.count(),
    )


def test_load_demo_is_idempotent_and_prints_one_login_per_role(db, capsys):
    call_command("load_demo")
    first = _counts()
    out = capsys.readouterr().out
    call_command("load_demo")
    assert _counts() == first
    assert first[:3] == (2, 6, 6)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for user in User.objects.all():
        assert f"{user.email}  mot de passe : {DEMO_PASSWORD}" in out
        assert user.check_password(DEMO_PASSWORD)
    officer = User.objects.get(role=Role.INSERTION_OFFICER)
    assert officer.residence_memberships.count() == 6
    # Demo residents along the path, visible to those who should see them.
    assert Resident.objects.visible_to(officer).count() == first[4] > 10
    coach = User.objects.get(role=Role.JOB_COACH)
    # The coach opens the files of the five people she accompanies and of the two who left
    # her caseload, until their situation six months later is recorded; of no one else.
    assert Resident.objects.visible_to(coach).count() == 7
    assert Resident.objects.filter(stage__isnull=True).exists()


def test_production_never_gets_demo_users(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="jamais"):
        call_command("load_demo")
    assert not User.objects.exists()
