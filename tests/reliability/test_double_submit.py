"""Every form that creates, submitted 50 times at once with the same body (the same token): one
row, one of each side effect, and every submission lands where the first one did — a double
tap, a retried request on a slow connection, a user who clicks until something happens.

Each submission is a real thread with its own test client (all in the user's one session, as
a browser's tabs are) and its own database connection, released by the thread at its end.
They wait at a barrier and post together, so the writes really race."""

import datetime
import threading
import uuid
from collections import Counter
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from employers.enums import OpeningStatus
from employers.models import Employer
from employment import services as employment
from employment.enums import IntroductionStatus
from employment.models import FollowUp, Introduction, IntroductionStep, Orientation, Placement
from o2r.reminders.models import Reminder
from o2r.sms import services as sms
from o2r.sms import tasks as sms_tasks
from o2r.sms.backends import locmem
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage
from outreach import campaigns
from outreach import services as outreach
from outreach.enums import CampaignStatus
from outreach.models import Contact, OutreachAction, Referral
from residents.enums import ConsentScope, Stage
from residents.models import Consent, Resident, RosterImport, StageChange
from residents.roster import parse_roster
from residents.roster_services import roster_preview_create
from tests.employers.factories import EmployerFactory, JobOpeningFactory
from tests.employment.conftest import engage
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)

SUBMISSIONS = 50


def submit_at_once(user, url, data=None, *, times=SUBMISSIONS):
    """`times` clients of the user's session post `data` to `url` together. Returns a Counter
    of (status, Location): a view's exception counts as a 500, with its text."""
    signed_in = Client()
    signed_in.force_login(user)
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    barrier = threading.Barrier(times)
    answers = []

    def submit():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        try:
            barrier.wait(timeout=30)
            response = client.post(url, data or {})
            answers.append((response.status_code, response.get("Location", "")))
        except Exception as error:  # the test client raises the view's exception
            answers.append((500, repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return Counter(answers)


def landed_on(url):
    """Every submission redirected to the page of the first one."""
    return Counter({(302, url): SUBMISSIONS})


@pytest.fixture
def residence(nantes_residences):
    return nantes_residences[0]


# --- Outreach -----------------------------------------------------------------------------


def test_fifty_identical_contacts_write_one_contact(officer, residence):
    session = outreach.outreach_action_start(by=officer, residence=residence)
    resident = ResidentFactory(residence=residence, stage=None)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {
        "resident": resident.pk,
        "outcome": "interested",
        "summary": "Veut travailler en cuisine",
        "next_step_on": tomorrow.isoformat(),
        "accompaniment_consent": "on",
        "token": str(uuid.uuid4()),
    }

    answers = submit_at_once(officer, reverse("outreach:contact_add", args=[session.pk]), data)

    assert answers == landed_on(session.get_absolute_url())
    assert Contact.objects.filter(resident=resident).count() == 1
    # Identified by the contact, then engaged by the consent: each once.
    assert sorted(
        StageChange.objects.filter(resident=resident).values_list("to_stage", flat=True)
    ) == sorted([Stage.IDENTIFIED, Stage.ENGAGED])
    assert Consent.objects.filter(resident=resident, scope=ConsentScope.ACCOMPANIMENT).count() == 1
    assert Reminder.objects.filter(resident=resident).count() == 1


def test_fifty_identical_referrals_write_one_referral(staff, residence):
    data = {
        "first_name": "Awa",
        "housing_unit": "B12",
        "reason": "Cherche du travail le matin.",
        "how_to_reach": "Le matin dans le hall",
        "residence": residence.pk,
        "source": "residence_manager",
        "token": str(uuid.uuid4()),
    }

    answers = submit_at_once(staff, reverse("outreach:referral_new"), data)

    assert answers == landed_on(reverse("outreach:referrals_mine"))
    assert Referral.objects.count() == 1


def test_fifty_identical_campaign_launches_send_each_sms_once(officer, residence, settings):
    settings.SMS_QUIET_HOURS = False  # sent now, whatever the hour the test runs
    people = [ResidentFactory(residence=residence) for _ in range(3)]
    campaign = campaigns.campaign_save(
        by=officer,
        name="Permanence emploi",
        residences=[residence],
        variants={"fra": "Bonjour {prenom}, une permanence emploi a lieu jeudi dans le hall."},
    )
    url = reverse("outreach:campaign_launch", args=[campaign.pk])
    ours = SmsMessage.objects.filter(owner_kind=campaigns.OWNER, owner_id=campaign.pk)

    with mock.patch.object(sms_tasks.dispatch_pending, "delay") as nudge:
        answers = submit_at_once(officer, url, {})
        again = Client()
        again.force_login(officer)
        assert again.post(url).status_code == 302  # and once more, after the others

    assert answers == landed_on(campaign.get_absolute_url())
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LAUNCHED
    assert ours.count() == len(people)
    assert sorted(ours.values_list("resident", flat=True)) == sorted(p.pk for p in people)
    assert OutreachAction.objects.filter(campaign=campaign).count() == 1
    assert nudge.call_count == 1  # the dispatcher is asked once, by the launch that wrote

    # What the worker then sends: one SMS per person, and nothing more after another launch.
    sent = lambda ids: sms.sms_send_many(message_ids=ids)  # noqa: E731
    with mock.patch.object(sms_tasks.send_sms_many, "delay", side_effect=sent):
        assert sms.sms_dispatch() == len(people)
        assert again.post(url).status_code == 302
        assert sms.sms_dispatch() == 0
    assert set(ours.values_list("status", flat=True)) == {SmsStatus.SENT}
    assert sorted(message.to for message in locmem.outbox) == sorted(
        p.phone.as_e164 for p in people
    )


# --- Employment ---------------------------------------------------------------------------


@pytest.fixture
def engaged(officer, adelis, residence):
    return engage(ResidentFactory(residence=residence), officer=officer, adelis=adelis)


@pytest.fixture
def accompaniment(engaged, officer, adelis, coach):
    orientation = employment.orientation_create(
        resident=engaged, organisation=adelis, by=officer, reason="Veut travailler le matin."
    )
    return employment.orientation_accept(orientation=orientation, by=coach)


@pytest.fixture
def opening(coach):
    employer = EmployerFactory(name="Net'Atlantique", city="Nantes", created_by=coach)
    return JobOpeningFactory(employer=employer, positions=1)


def test_fifty_identical_orientations_write_one_orientation(officer, engaged, adelis):
    data = {
        "organisation": adelis.pk,
        "coach": "",
        "reason": "Veut travailler le matin, dans la propreté.",
        "token": str(uuid.uuid4()),
    }

    answers = submit_at_once(officer, reverse("employment:orient", args=[engaged.pk]), data)

    assert answers == landed_on(engaged.get_absolute_url())
    assert Orientation.objects.filter(resident=engaged).count() == 1


def test_fifty_identical_introductions_write_one_introduction(coach, accompaniment, opening):
    data = {"opening": opening.pk, "token": str(uuid.uuid4())}

    answers = submit_at_once(coach, reverse("employment:propose", args=[accompaniment.pk]), data)

    introduction = Introduction.objects.get(accompaniment=accompaniment)
    assert answers == landed_on(introduction.get_absolute_url())
    assert introduction.status == IntroductionStatus.PROPOSED
    assert IntroductionStep.objects.filter(introduction=introduction).count() == 1


def test_fifty_identical_placements_write_one_placement(coach, accompaniment, opening):
    today = timezone.localdate()
    data = {
        "employer": opening.employer_id,
        "opening": opening.pk,
        "job_title": "Agent de propreté",
        "contract_type": "cdd",
        "start_on": today.isoformat(),
        "end_on": (today + datetime.timedelta(days=270)).isoformat(),
        "weekly_hours": "28",
        "onboarding_first_days": "Deux jours en binôme.",
        "token": str(uuid.uuid4()),
    }

    answers = submit_at_once(
        coach, reverse("employment:placement_add", args=[accompaniment.pk]), data
    )

    placement = Placement.objects.get(accompaniment=accompaniment)
    assert answers == landed_on(placement.get_absolute_url())
    resident = accompaniment.resident
    milestones = settings.O2R_FOLLOW_UP_MILESTONES
    assert FollowUp.objects.filter(placement=placement).count() == len(milestones)
    assert Reminder.objects.filter(resident=resident).count() == len(milestones)
    assert StageChange.objects.filter(resident=resident, to_stage=Stage.EMPLOYED).count() == 1
    assert Resident.objects.get(pk=resident.pk).stage == Stage.EMPLOYED
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.FILLED


# --- Residents: the roster import ---------------------------------------------------------

ROSTER = (
    "Nom;Prénom;Date de naissance;Téléphone;Logement;Date d'entrée\r\n"
    "Benali;Samia;26/11/1980;06 12 34 56 78;B12;01/03/2021\r\n"
    "Haddad;Karim;14/02/1975;07 81 23 45 67;A3;\r\n"
    "N'Diaye;Élodie;03/07/1992;;C7;15/09/2023\r\n"
)


def test_fifty_identical_roster_confirmations_import_each_resident_once(officer, residence):
    rows = parse_roster(ROSTER.encode(), "liste.csv", today=timezone.localdate())
    roster_import = roster_preview_create(
        by=officer, residence=residence, file_name="liste.csv", rows=rows
    )

    url = reverse("residents:roster_confirm", args=[roster_import.pk])

    answers = submit_at_once(officer, url)
    again = Client()
    again.force_login(officer)
    reloaded = again.post(url)  # and once more, after the others

    result = reverse("residents:roster_preview", args=[roster_import.pk])
    assert answers == landed_on(result)
    assert (reloaded.status_code, reloaded["Location"]) == (302, result)
    assert sorted(
        Resident.objects.filter(residence=residence).values_list("last_name", flat=True)
    ) == ["Benali", "Haddad", "N'Diaye"]
    assert RosterImport.objects.get().summary == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "invalid": 0,
    }


# --- Employers ----------------------------------------------------------------------------


def test_fifty_identical_companies_write_one_company(coach):
    """The SIRET and similar-name checks run after the token's lock: the racing submissions
    find the first one's company instead of "Une entreprise porte déjà ce SIRET"."""
    data = {
        "name": "Boulangerie Au Fournil de Chantenay",
        "siret": "732 829 320 00074",
        "naf_code": "10.71c",
        "naf_version": "naf_rev2",
        "sector": "agri_food",
        "size_band": "1-9",
        "address": "12 rue de la Montagne",
        "postcode": "44100",
        "city": "Nantes",
        "territory": "Nantes Métropole",
        "description": "Boulangerie de quartier, ouverte à 6 h.",
        "token": str(uuid.uuid4()),
    }

    answers = submit_at_once(coach, reverse("employers:create"), data)

    (employer,) = Employer.objects.all()
    assert answers == landed_on(employer.get_absolute_url())
    assert employer.status_changes.count() == 1
