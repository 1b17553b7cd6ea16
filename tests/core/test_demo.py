import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from employers.enums import NetworkStatus, OpeningStatus
from employers.models import (
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
    RomeAppellation,
)
from employers.validators import normalise_siret
from o2r.accounts.enums import Role
from o2r.accounts.models import Organisation, User
from o2r.core.demo import DEMO_PASSWORD, TERRITORY
from o2r.reminders.models import Reminder
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
        Employer.objects.count(),
        EmployerContact.objects.count(),
        EmployerStatusChange.objects.count(),
        ProspectingAction.objects.count(),
        JobOpening.objects.count(),
        Reminder.objects.count(),
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


def test_load_demo_fills_every_employer_screen_once(db):
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    coach = User.objects.get(role=Role.JOB_COACH)
    manager = User.objects.get(role=Role.MANAGER, organisation__name__startswith="Adelis")
    officer = User.objects.get(role=Role.INSERTION_OFFICER)
    # The Adelis teams work on no residence: their account's territory shows them its
    # employers.
    assert coach.territory == manager.territory == TERRITORY
    employers = Employer.objects.visible_to(coach)
    assert employers.count() == Employer.objects.count() == 12
    assert Employer.objects.visible_to(manager).count() == 12
    # The pipeline: companies at every status.
    assert employers.by_status() == {
        NetworkStatus.PROSPECT: 2,
        NetworkStatus.CONTACTED: 3,
        NetworkStatus.MET: 2,
        NetworkStatus.PARTNER: 3,
        NetworkStatus.INACTIVE: 2,
    }
    for employer in employers:
        assert normalise_siret(employer.siret) == employer.siret
        assert 1 <= employer.contacts.count() <= 2
        assert employer.created_at <= employer.status_changes.earliest("at").at
    # Statuses follow from the steps: every forward change is a prospecting step's.
    forward = EmployerStatusChange.objects.exclude(from_status="").exclude(
        to_status=NetworkStatus.INACTIVE
    )
    assert not forward.filter(prospecting_action__isnull=True).exists()
    assert ProspectingAction.objects.visible_to(coach).count() > 30
    assert employers.filter(last_contact_at__isnull=True).count() == 2
    # Next steps: some ahead, one overdue; the steps followed up are done.
    reminders = Reminder.objects.filter(assignee=coach, employer__isnull=False)
    assert reminders.filter(done_at__isnull=True, due_at__gte=timezone.now()).count() >= 5
    assert reminders.filter(done_at__isnull=True, due_at__lt=timezone.now()).exists()
    assert reminders.filter(done_at__isnull=False).exists()
    # Openings open, filled and cancelled, captured in the past; the officer sees the open ones.
    openings = JobOpening.objects.visible_to(coach)
    counts = dict(openings.values_list("status").annotate(n=Count("pk")).order_by())
    assert counts == {OpeningStatus.OPEN: 6, OpeningStatus.FILLED: 4, OpeningStatus.CANCELLED: 4}
    assert not openings.filter(opened_on__gte=timezone.localdate()).exists()
    assert openings.exclude(transport="").count() == openings.count()
    assert not openings.filter(requirements_dropped=[]).exists()
    assert set(JobOpening.objects.visible_to(officer).values_list("status", flat=True)) == {
        OpeningStatus.OPEN
    }
    # The ROME type-ahead finds the demo's titles.
    assert RomeAppellation.objects.search("prepa comm").first().label == (
        "Préparateur / Préparatrice de commandes"
    )


def test_every_employer_screen_shows_the_demo(client, db):
    call_command("load_demo")
    coach = User.objects.get(role=Role.JOB_COACH)
    client.force_login(coach)
    titles = set(JobOpening.objects.values_list("title", flat=True))
    # The list's first page holds the twelve; the pipeline, those still in the running.
    page = client.get(reverse("employers:list"))
    pipeline = client.get(reverse("employers:pipeline"))
    assert page.status_code == pipeline.status_code == 200
    for employer in Employer.objects.all():
        assert escape(employer.name) in page.content.decode()
        if employer.status != NetworkStatus.INACTIVE:
            assert escape(employer.name) in pipeline.content.decode()
    for employer in Employer.objects.all():
        response = client.get(employer.get_absolute_url())
        assert response.status_code == 200
        body = response.content.decode()
        assert escape(employer.contacts.first().last_name) in body
    openings = client.get(reverse("employers:openings"))
    assert openings.status_code == 200
    assert any(escape(title) in openings.content.decode() for title in titles)
    for opening in JobOpening.objects.all():
        assert client.get(opening.get_absolute_url()).status_code == 200
    typeahead = client.get(reverse("employers:rome_typeahead"), {"q": "plong"})
    assert "Plongeur / Plongeuse en restauration" in typeahead.content.decode()


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
