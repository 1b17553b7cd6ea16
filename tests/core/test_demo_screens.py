"""The demo's screens and figures, on one demo loaded for the whole module (tests/conftest.py's
`built_once`): each test reads it in a savepoint rolled back after it, where loading it took
seconds per test. What loading does to an empty database, twice, is test_demo.py's."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db.models import Count
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from employers.enums import NetworkStatus, OpeningStatus
from employers.models import (
    Employer,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
    RomeAppellation,
)
from employers.validators import normalise_siret
from employment.enums import IntroductionStatus, Milestone, OrientationStatus
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    JobWishes,
    Orientation,
    Placement,
)
from o2r.accounts.enums import Role
from o2r.accounts.models import User
from o2r.core.demo import DEMO_PASSWORD, TERRITORY
from o2r.dashboard import figures
from o2r.dashboard.filters import DashboardFilterForm
from o2r.reminders.models import Reminder
from o2r.sms.enums import InboxStatus, SmsStatus
from o2r.sms.models import InboxMessage, SmsMessage, SmsOptOut
from outreach.enums import ActionKind, CampaignStatus, Outcome, ReferralStatus
from outreach.models import Contact, OutreachAction, Referral, SmsCampaign
from residents.enums import ExitReason
from residents.models import Resident, StageChange
from tests.conftest import built_once
from tests.core.test_demo import _counts


@pytest.fixture(scope="module")
def _loaded_demo(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, lambda: call_command("load_demo"))


@pytest.fixture
def demo(db, _loaded_demo):
    """The demo as `manage.py load_demo` leaves it."""


def test_load_demo_adds_outreach_once(demo):
    call_command("load_demo")
    officer = User.objects.get(role=Role.INSERTION_OFFICER)
    staff = User.objects.get(role=Role.RESIDENCE_STAFF)
    # Past hall sessions, closed, with people met who gave no name.
    actions = OutreachAction.objects.visible_to(officer).exclude(kind=ActionKind.SMS_CAMPAIGN)
    assert actions.count() == 3
    assert not actions.filter(ended_at__isnull=True).exists()
    assert actions.people_met()["unnamed"] > 0
    # A contact of every outcome (a reply by SMS included), none twice.
    contacts = Contact.objects.visible_to(officer)
    assert set(contacts.by_outcome()) == set(Outcome.values)
    assert contacts.count() == Contact.objects.count() == 7
    # Referrals filed by the residence staff: new, taken and closed, in the officer's inbox.
    referrals = Referral.objects.filed_by(staff)
    assert referrals.count() == Referral.objects.count() == 5
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert Referral.objects.handled_by(officer).count() == 5


def test_load_demo_fills_every_employer_screen_once(demo):
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


def test_every_employer_screen_shows_the_demo(client, demo):
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


def test_load_demo_restores_a_changed_demo_password(demo):
    user = User.objects.get(role=Role.JOB_COACH)
    user.set_password("autre-chose-2026")
    user.save()
    call_command("load_demo")
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_load_demo_gives_the_coach_a_caseload_at_every_step(client, demo):
    """Through employment.services (once: the first test checks a second run changes
    nothing): an orientation waiting for her, one declined (the officer reads why),
    accompaniments with wishes, contacts and introductions at each step, a hire on a CDI with
    D+7 done and M1 due, a job ended early; then dated back. Her pages show it."""
    today = timezone.localdate()
    coach = User.objects.get(role=Role.JOB_COACH)
    officer = User.objects.get(role=Role.INSERTION_OFFICER)
    manager = User.objects.get(role=Role.MANAGER, organisation=coach.organisation)
    # The orientations: one waiting for her (summary scope), one declined by her manager.
    waiting = Orientation.objects.received_by(coach)
    assert [o.resident.first_name for o in waiting] == ["Oksana"]
    assert waiting.get().coach == coach and waiting.get().oriented_by == officer
    declined = Orientation.objects.visible_to(officer).get(status=OrientationStatus.DECLINED)
    assert declined.resident.first_name == "Ahmad" and declined.answered_by == manager
    assert declined.resident.stage == "engaged" and "français" in declined.decline_reason
    assert Reminder.objects.filter(assignee=officer, title__contains="Orientation refusée")
    # Her caseload: five open accompaniments begun in the past, each with its wishes (jobs of
    # the demo openings) and contacts.
    caseload = Accompaniment.objects.caseload_of(coach).open()
    assert caseload.count() == Accompaniment.objects.open().count() == 5
    assert not caseload.filter(started_on__gte=today - datetime.timedelta(days=20)).exists()
    assert not [a for a in caseload.with_suspension() if a.is_suspended]
    rome = set(JobOpening.objects.values_list("rome_id", flat=True))
    for accompaniment in caseload:
        wishes = JobWishes.objects.get(resident=accompaniment.resident)
        assert wishes.wanted_rome and set(wishes.wanted_rome) <= rome
        assert accompaniment.contacts.with_person().exists()
        assert accompaniment.contacts.earliest("at").at.date() >= accompaniment.started_on
    contacts = CoachContact.objects.filter(accompaniment__coach=coach)
    assert contacts.filter(with_whom="employer", employer__isnull=False).exists()
    assert contacts.filter(confidential=True).count() == 1
    assert contacts.summary_readable_by(officer).count() == contacts.count() - 1
    assert contacts.filter(next_step_on__gt=today).exists()
    # Introductions at every step; the interview to come is in the coming days.
    introductions = Introduction.objects.filter(accompaniment__coach=coach)
    assert introductions.by_status() == {
        IntroductionStatus.PROPOSED: 2,
        IntroductionStatus.ACCEPTED: 1,
        IntroductionStatus.INTERVIEW_SCHEDULED: 1,
        IntroductionStatus.INTERVIEW_HELD: 1,
        IntroductionStatus.HIRED: 1,
        IntroductionStatus.NOT_RETAINED: 1,
        IntroductionStatus.DECLINED: 1,
    }
    scheduled = introductions.get(status=IntroductionStatus.INTERVIEW_SCHEDULED)
    assert 0 < (timezone.localtime(scheduled.interview_at).date() - today).days <= 7
    # One candidate at a time: no opening has two introductions in progress.
    in_progress = list(introductions.in_progress().values_list("opening", flat=True))
    assert len(in_progress) == len(set(in_progress)) == 5
    for introduction in introductions:
        steps = list(introduction.steps.values_list("at", flat=True))
        assert steps == sorted(steps) and steps[0] == introduction.proposed_at
        assert steps[-1] < timezone.now()
    # The hire on a CDI, about five weeks ago, through an introduction: D+7 done, M1 due.
    hired = Placement.objects.get(introduction__status=IntroductionStatus.HIRED)
    assert hired.contract_type == "cdi" and hired.is_durable and hired.is_active
    assert 30 <= (today - hired.start_on).days <= 40
    assert hired.resident.stage == "employed"
    follow_ups = {f.milestone: f for f in hired.follow_ups.all()}
    assert follow_ups[Milestone.D7].done_on == hired.start_on + datetime.timedelta(days=7)
    assert follow_ups[Milestone.M1].is_pending and follow_ups[Milestone.M1].due_on <= today
    assert FollowUp.objects.overdue().filter(placement=hired).get().milestone == Milestone.M1
    # The job ended early: the person is back in the caseload, the rest of it cancelled.
    ended = Placement.objects.get(ended_on__isnull=False)
    assert ended.introduction is None and ended.resident.stage == "accompanied"
    assert ended.follow_ups.filter(done_on__isnull=False).count() == 1
    assert ended.follow_ups.filter(cancelled_on__isnull=False).count() == 3
    # The path dated back in order, as the stages were walked.
    for resident in Resident.objects.filter(accompaniments__coach=coach):
        moments = list(resident.stage_changes.order_by("pk").values_list("changed_at", flat=True))
        assert moments == sorted(moments) and moments[-1] < timezone.now()
        assert resident.last_interaction_at < timezone.now()
    # The pages: her caseload (with the exits whose situation six months later is still to
    # record), the orientations received, an accompaniment, a hire, the suggested openings.
    client.force_login(coach)
    caseload = client.get(reverse("employment:caseload"))
    assert caseload.status_code == 200
    for accompaniment in Accompaniment.objects.caseload_of(coach):
        shown = accompaniment.get_absolute_url() in caseload.content.decode()
        assert shown == (accompaniment.post_exit_situation == "")
    orientations = client.get(reverse("employment:orientations"))
    assert orientations.status_code == 200
    waiting = Orientation.objects.received_by(coach).get()
    assert waiting.get_absolute_url() in orientations.content.decode()
    page = client.get(hired.accompaniment.get_absolute_url())
    assert page.status_code == 200
    assert escape(hired.employer.name) in page.content.decode()
    placement = client.get(hired.get_absolute_url())
    assert placement.status_code == 200
    assert escape(hired.job_title) in placement.content.decode()
    fatoumata = Accompaniment.objects.get(resident__first_name="Fatoumata")
    suggestions = client.get(reverse("employment:suggestions", args=[fatoumata.pk]))
    assert suggestions.status_code == 200


def test_load_demo_fills_every_sms_screen_once(client, demo):
    call_command("load_demo")
    officer = User.objects.get(role=Role.INSERTION_OFFICER)
    campaigns = SmsCampaign.objects.visible_to(officer)
    assert set(campaigns.values_list("status", flat=True)) == {
        CampaignStatus.LAUNCHED, CampaignStatus.DRAFT,
    }  # fmt: skip
    assert OutreachAction.objects.filter(kind=ActionKind.SMS_CAMPAIGN).count() == 2
    statuses = set(SmsMessage.objects.visible_to(officer).values_list("status", flat=True))
    assert {SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.UNKNOWN, SmsStatus.SKIPPED} <= statuses
    assert set(SmsMessage.objects.values_list("language", flat=True)) >= {"fra", "prs"}
    assert InboxMessage.objects.visible_to(officer).filter(status=InboxStatus.TO_MATCH).count() == 1
    assert SmsOptOut.objects.count() == 2
    client.force_login(officer)
    for url in (reverse("outreach:campaigns"), reverse("sms:outbox"), reverse("sms:inbox")):
        assert client.get(url).status_code == 200, url
    for campaign in campaigns:
        assert client.get(campaign.get_absolute_url()).status_code == 200
    home = client.get(reverse("home")).content.decode()
    assert "1 réponse par SMS" in home


def _dashboard_selection(manager, today):
    """The dashboard's default, this calendar year; before September, when the year is too
    young to hold the demo's hire of seven and a half months ago, the last twelve months."""
    data = QueryDict(mutable=True)
    if today.month < 9:
        data["periode"] = "dates"
        data["du"] = (today - relativedelta(years=1, days=-1)).isoformat()
        data["au"] = today.isoformat()
    return DashboardFilterForm(data, user=manager, today=today).selection()


def test_load_demo_fills_every_dashboard_table_for_both_managers(demo):
    today = timezone.localdate()
    for email in ("helene.garnier@adoma.demo", "karim.haddad@adelis.demo"):
        manager = User.objects.get(email=email)
        selection = _dashboard_selection(manager, today)
        tables = {table.key: table for table in figures.all_tables(selection, today)}
        assert [key for key, table in tables.items() if table.is_empty] == [], email
        # A hire on a CDI seven and a half months ago, every follow-up done, still in the job.
        assert tables["parcours"].value(figures.RETAINED_LABEL, "Personnes") >= 1
        assert tables["maintien_6_mois"].value("Confirmé en poste", "Embauches") >= 1
        for row in ("à 3 mois", "à 6 mois"):
            assert tables["maintien"].value(row, "Toujours en poste") >= 1
        # An exit seven months ago whose situation six months later was recorded.
        situations = tables["situation_6_mois"]
        not_yet = situations.value("Pas encore relevée", "Personnes")
        assert situations.value("Total", "Personnes") > not_yet
        exits = tables["sorties_par_motif"]
        for reason in (ExitReason.DURABLE_EMPLOYMENT, ExitReason.HANDOVER, ExitReason.LOST_CONTACT):
            assert exits.value(reason.label, "Personnes") >= 1, reason
        publics, everyone = tables["par_public"], tables["par_sexe"]
        for stage in ("En emploi", "Sorties"):
            assert publics.value("Protection internationale", stage) >= 1, stage
        # Invisible (no France Travail follow-up): some, a minority of the people identified.
        invisible = publics.value("« Invisible » (sans suivi France Travail)", "Repérées")
        assert 0 < invisible < everyone.value("Ensemble", "Repérées") / 2
    # Every date as the services allow it: nothing ahead of today, the situation after the exit
    # recorded once six months have passed.
    for accompaniment in Accompaniment.objects.filter(ended_on__isnull=False):
        assert accompaniment.started_on <= accompaniment.ended_on <= today
        if accompaniment.post_exit_recorded_on:
            assert accompaniment.post_exit_due_on <= accompaniment.post_exit_recorded_on <= today
    assert not FollowUp.objects.filter(done_on__gt=today).exists()
    assert not StageChange.objects.filter(changed_at__gt=timezone.now()).exists()
