import pytest
from django.core.management import CommandError, call_command

from o2r.accounts.enums import Role
from o2r.accounts.models import Organisation, User
from o2r.core.demo import DEMO_PASSWORD
from outreach.enums import Outcome, ReferralStatus
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
    assert Resident.objects.visible_to(coach).count() == 3
    assert Resident.objects.filter(stage__isnull=True).exists()


def test_load_demo_adds_outreach_once(db):
    call_command("load_demo")
    call_command("load_demo")
    officer = User.objects.get(role=Role.INSERTION_OFFICER)
    staff = User.objects.get(role=Role.RESIDENCE_STAFF)
    # Past hall sessions, closed, with people met who gave no name.
    actions = OutreachAction.objects.visible_to(officer)
    assert actions.count() == OutreachAction.objects.count() == 3
    assert not actions.filter(ended_at__isnull=True).exists()
    assert actions.people_met()["unnamed"] > 0
    # A contact of every outcome, none twice.
    contacts = Contact.objects.visible_to(officer)
    assert set(contacts.by_outcome()) == set(Outcome.values)
    assert contacts.count() == Contact.objects.count() == 6
    # Referrals filed by the residence staff: new, taken and closed, in the officer's inbox.
    referrals = Referral.objects.filed_by(staff)
    assert referrals.count() == Referral.objects.count() == 5
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert Referral.objects.handled_by(officer).count() == 5


def test_load_demo_restores_a_changed_demo_password(db):
    call_command("load_demo")
    user = User.objects.get(role=Role.JOB_COACH)
    user.set_password("autre-chose-2026")
    user.save()
    call_command("load_demo")
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_production_never_gets_demo_users(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="jamais"):
        call_command("load_demo")
    assert not User.objects.exists()
