"""Who gets what on every URL of the project (o2r/access.py holds the rights).

The table below is the test: every URL pattern must have an entry (the coverage test
enumerates the URL resolver; the admin and the public pages are listed apart), and each entry
says what every member of the fixed cast gets on GET and on POST. Outside one's scope the
answer is 404, never 403, so that the existence of a file is not disclosed; a refused request
changes nothing; and every answer carries `Cache-Control: no-store`."""

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from employers import services as employer_services
from employers.models import (
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
)
from employment import services as employment_services
from employment.models import (
    Accompaniment,
    CoachContact,
    FollowUp,
    Introduction,
    IntroductionStep,
    JobWishes,
    Orientation,
    Placement,
)
from o2r.audit.models import AccessAction, AccessLog
from o2r.core.demo import TERRITORY
from o2r.core.models import WorkerPing
from o2r.reminders.models import DigestSent, Reminder
from o2r.sms import services as sms_services
from o2r.sms.models import DeliveryEvent, InboundEvent, InboxMessage, SmsMessage, SmsOptOut
from outreach import campaigns
from outreach import services as outreach_services
from outreach.models import Contact, OutreachAction, Referral, SmsCampaign, SmsCampaignVariant
from residents import roster, roster_services, services
from residents.enums import ConsentScope, ReferentKind, Stage, StepOwner
from residents.models import (
    ActionStep,
    Consent,
    ExternalReferent,
    Note,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    RosterImport,
    StageChange,
)
from tests import cast as the_cast
from tests.conftest import built_once
from tests.employers.factories import rome_title
from tests.residents.factories import ResidentFactory
from tests.utils import history_models, table_rows

MEMBERS = [
    "officer", "staff", "coach", "adoma_manager", "adelis_manager", "administrator", "outsider",
]  # fmt: skip
LOGIN_URL = "/connexion/"


# --- The world the table is played in -------------------------------------------------------


@dataclass
class File:
    """A resident and one row of each kind the URLs take an id of."""

    resident: Resident
    consent: Consent  # an SMS consent, withdrawable without changing who sees the file
    referent: ExternalReferent
    step: ActionStep
    benefit: ResidentBenefit
    sharing: Consent | None = None


@dataclass
class Outreach:
    """An open hall session in the shared file's residence, one contact in it, and a new
    referral filed there by the residence staff."""

    action: OutreachAction
    contact: Contact
    referral: Referral


@dataclass
class Network:
    """A Nantes company in the coach's network, with a contact, an open opening and a filled
    one (which officers may not see)."""

    employer: Employer
    contact: EmployerContact
    opening: JobOpening
    filled: JobOpening


@dataclass
class Employment:
    """The IOD accompaniment, built only for its routes (through the services): a person
    oriented to Adelis and waiting for an answer, the shared file accompanied by the coach
    with an introduction in progress, a hired person with her follow-ups, an exited one."""

    candidate: Resident  # engaged, sharing consent to Adelis, not yet oriented
    orientation: Orientation  # pending, for another engaged person
    accompaniment: Accompaniment  # the shared file's, open
    introduction: Introduction  # on the network's opening, proposed
    spare_opening: JobOpening  # open, proposed to nobody
    placement: Placement  # a third person's CDI
    follow_up: FollowUp  # its D+7
    closed: Accompaniment  # a fourth person's, exited


@dataclass
class Sms:
    """The officer's campaigns (a draft to the shared and unshared files' residences, and a
    launched one), an uncertain message to the shared file, an opposition of its number, and
    a reply from a shared number in its residence."""

    draft: SmsCampaign
    launched: SmsCampaign
    uncertain: SmsMessage
    reply: InboxMessage


@dataclass
class World:
    shared: File  # Nantes, assigned to the coach, sharing consent to Adelis standing
    unshared: File  # Nantes, assigned to the coach, no sharing consent
    elsewhere: File  # Saint-Nazaire, the outsider's residence
    reminder: Reminder  # the officer's
    roster_import: RosterImport  # the officer's, previewed, not confirmed
    cast: dict
    outreach: Outreach
    network: Network
    adelis: object = None
    _employment: Employment | None = None
    _sms: Sms | None = None

    @property
    def employment(self) -> Employment:
        if self._employment is None:
            self._employment = _employment(self)
        return self._employment

    @property
    def sms(self) -> Sms:
        if self._sms is None:
            self._sms = _sms(self)
        return self._sms


def _sms(w):
    officer = w.cast["officer"]
    shared, unshared = w.shared.resident, w.unshared.resident
    for number, resident in (("+33612345601", shared), ("+33612345602", unshared)):
        Resident.objects.filter(pk=resident.pk).update(phone=number, phone_is_mobile=True)
    residences = [shared.residence, unshared.residence]
    draft = campaigns.campaign_save(
        by=officer, name="Permanence emploi", residences=residences,
        variants={"fra": "Bonjour {prenom}, permanence emploi mardi au hall."},
    )  # fmt: skip
    launched = campaigns.campaign_save(
        by=officer, name="Forum", residences=residences, variants={"fra": "Forum de l'emploi."}
    )
    campaigns.campaign_launch(campaign=launched, by=officer)
    uncertain = SmsMessage.objects.get(owner_id=launched.pk, resident=shared)
    SmsMessage.objects.filter(pk=uncertain.pk).update(status="unknown")
    sms_services.sms_opt_out(phone="+33612345601", scope="all", source="staff", by=officer)
    reply = InboxMessage.objects.create(phone="+33612345601", body="Oui je viens")
    reply.residences.set([shared.residence])
    return Sms(draft=draft, launched=launched, uncertain=uncertain, reply=reply)


def _engaged(world, first_name, last_name, residence):
    officer = world.cast["officer"]
    resident = ResidentFactory(
        first_name=first_name, last_name=last_name, residence=residence,
        stage=Stage.ENGAGED, insertion_officer=officer,
    )  # fmt: skip
    services.consent_record(
        resident=resident, scope=ConsentScope.SHARING, given_on=timezone.localdate(),
        method="oral", by=officer, recipient_organisation=world.adelis,
    )  # fmt: skip
    return resident


def _accompanied(world, resident):
    orientation = employment_services.orientation_create(
        resident=resident, organisation=world.adelis, by=world.cast["officer"],
        reason="Souhaite travailler dans la propreté.",
    )  # fmt: skip
    return employment_services.orientation_accept(orientation=orientation, by=world.cast["coach"])


def _employment(w):
    coach, residence = w.cast["coach"], w.shared.resident.residence
    Resident.objects.filter(pk=w.shared.resident.pk).update(job_coach=None)
    accompaniment = _accompanied(w, w.shared.resident)
    introduction = employment_services.introduction_propose(
        accompaniment=accompaniment, opening=w.network.opening, by=coach
    )
    spare = employer_services.job_opening_open(
        by=coach, employer=w.network.employer,
        data={"rome_appellation": w.network.opening.rome_appellation, "contract_type": "cdi",
              "weekly_hours": 30, "city": "Nantes", "opened_on": timezone.localdate()},
    )  # fmt: skip
    hired = _accompanied(w, _engaged(w, "Oksana", "Kovalenko", residence))
    placement = employment_services.placement_record(
        accompaniment=hired, by=coach,
        data={"employer": w.network.employer, "contract_type": "cdi",
              "start_on": timezone.localdate(), "weekly_hours": 35},
    )  # fmt: skip
    closed = _accompanied(w, _engaged(w, "Mamadou", "Traoré", residence))
    employment_services.accompaniment_close(accompaniment=closed, by=coach, exit_reason="training")
    # Seven months ago: the situation six months after the exit is due.
    ended_on = timezone.localdate() - relativedelta(months=7)
    Accompaniment.objects.filter(pk=closed.pk).update(
        started_on=ended_on - relativedelta(months=6), ended_on=ended_on
    )
    closed.refresh_from_db()
    orientation = employment_services.orientation_create(
        resident=_engaged(w, "Samira", "Benali", residence), organisation=w.adelis,
        by=w.cast["officer"], reason="Disponible tout de suite.",
    )  # fmt: skip
    return Employment(
        candidate=_engaged(w, "Nguyen", "Van An", residence),
        orientation=orientation,
        accompaniment=accompaniment,
        introduction=introduction,
        spare_opening=spare,
        placement=placement,
        follow_up=placement.follow_ups.get(milestone="d7"),
        closed=closed,
    )


def _file(resident, *, officer, share_with=None):
    today = timezone.localdate()
    services.consent_record(
        resident=resident, scope=ConsentScope.ACCOMPANIMENT, given_on=today, method="oral",
        by=officer,
    )  # fmt: skip
    consent = services.consent_record(
        resident=resident, scope=ConsentScope.SMS, given_on=today, method="oral", by=officer
    )
    sharing = None
    if share_with is not None:
        sharing = services.consent_record(
            resident=resident, scope=ConsentScope.SHARING, given_on=today, method="oral",
            by=officer, recipient_organisation=share_with,
        )  # fmt: skip
    referent = ExternalReferent.objects.create(
        resident=resident, kind=ReferentKind.FRANCE_TRAVAIL, name="M. Roux"
    )
    step = ActionStep.objects.create(
        resident=resident, objective="Mobilité", step="Demander la carte de transport",
        owner=StepOwner.PERSON, created_by=officer,
    )  # fmt: skip
    benefit = ResidentBenefit.objects.create(resident=resident, benefit="rsa")
    return File(
        resident=resident, consent=consent, referent=referent, step=step, benefit=benefit,
        sharing=sharing,
    )  # fmt: skip


@pytest.fixture(scope="module")
def _built(django_db_setup, django_db_blocker):
    """The cast and the world, built once for the module's 600 tests (each reads them in a
    savepoint rolled back after it: tests/conftest.py's `built_once`)."""

    def build():
        rows = the_cast.cast_world()
        rows["world"] = _world(
            rows["cast"],
            rows["adelis"],
            rows["nantes_residences"],
            rows["other_territory_residence"],
        )
        return rows

    yield from built_once(django_db_blocker, build)


@pytest.fixture
def _rows(db, _built):
    return copy.deepcopy(_built)


@pytest.fixture
def world(_rows):
    return _rows["world"]


@pytest.fixture
def officer(_rows):
    return _rows["officer"]


def _world(cast, adelis, nantes_residences, other_territory_residence):
    officer, coach = cast["officer"], cast["coach"]
    shared = ResidentFactory(
        first_name="Fatoumata", last_name="Diallo", residence=nantes_residences[0],
        stage=Stage.ENGAGED, job_coach=coach, insertion_officer=officer,
    )  # fmt: skip
    unshared = ResidentFactory(
        first_name="Ahmad", last_name="Rahimi", residence=nantes_residences[1],
        stage=Stage.ENGAGED, job_coach=coach, insertion_officer=officer,
    )  # fmt: skip
    elsewhere = ResidentFactory(
        first_name="Erwan", last_name="Le Bihan", residence=other_territory_residence,
        insertion_officer=cast["outsider"],
    )  # fmt: skip
    reminder = Reminder.objects.create(
        assignee=officer, resident=shared, title="Rappeler Fatoumata",
        due_at=timezone.now(), dedup_key="test:officer",
    )  # fmt: skip
    roster_import = roster_services.roster_preview_create(
        by=officer, residence=nantes_residences[2], file_name="liste.csv",
        rows=roster.parse_roster(ROSTER_CSV, "liste.csv", today=timezone.localdate()),
    )  # fmt: skip
    return World(
        shared=_file(shared, officer=officer, share_with=adelis),
        unshared=_file(unshared, officer=officer),
        elsewhere=_file(elsewhere, officer=cast["outsider"]),
        reminder=reminder,
        roster_import=roster_import,
        cast=cast,
        outreach=_outreach(cast, shared),
        network=_network(cast),
        adelis=adelis,
    )


def _network(cast):
    coach = cast["coach"]
    employer = employer_services.employer_create(
        by=coach,
        data={
            "name": "Nettoyage Atlantique Services",
            "siret": "73282932000074",
            "sector": "cleaning",
            "city": "Nantes",
            "territory": TERRITORY,
        },
    )
    contact = employer_services.employer_contact_add(
        by=coach, employer=employer, data={"first_name": "Nathalie", "last_name": "Guérin"}
    )
    title = rome_title()
    opening_data = {
        "rome_appellation": title, "contract_type": "cdi", "weekly_hours": 35,
        "full_time": True, "city": "Nantes", "opened_on": timezone.localdate(),
    }  # fmt: skip
    opening = employer_services.job_opening_open(by=coach, employer=employer, data=opening_data)
    filled = employer_services.job_opening_open(by=coach, employer=employer, data=opening_data)
    employer_services.job_opening_close(by=coach, opening=filled, status="filled")
    return Network(employer=employer, contact=contact, opening=opening, filled=filled)


def _outreach(cast, resident):
    action = outreach_services.outreach_action_start(
        by=cast["officer"], residence=resident.residence
    )
    contact = outreach_services.contact_log(
        by=cast["officer"], resident=resident, action=action, outcome="not_now"
    )
    referral = outreach_services.referral_file(
        by=cast["staff"],
        residence=resident.residence,
        first_name="Moussa",
        housing_unit="112",
        reason="Cherche du travail",
        source="residence_manager",
    )
    return Outreach(action=action, contact=contact, referral=referral)


# A roster with one valid and one invalid line (so that the invalid-rows CSV has content).
ROSTER_CSV = (
    "nom;prénom;date de naissance;logement\nKeita;Moussa;12/03/1984;214\nSans;Date;;215\n"
).encode()


SNAPSHOT_MODELS = [
    Resident, ResidentBenefit, Consent, ResidentBarrier, ExternalReferent, Note, StageChange,
    ActionStep, Reminder, RosterImport, AccessLog, WorkerPing, OutreachAction, Contact,
    Referral, Employer, EmployerContact, EmployerStatusChange, ProspectingAction, JobOpening,
    Orientation, Accompaniment, JobWishes, CoachContact, Introduction, IntroductionStep,
    Placement, FollowUp, SmsCampaign, SmsCampaignVariant, SmsMessage, SmsOptOut, InboxMessage,
    DeliveryEvent, InboundEvent, DigestSent,
]  # fmt: skip


def snapshot():
    """Every row of every table these URLs may write, to compare before and after."""
    return table_rows([*SNAPSHOT_MODELS, *history_models()])


# --- The table -------------------------------------------------------------------------------


def expect(default=404, **statuses):
    """The status each member of the cast gets; anyone not named gets `default`."""
    unknown = set(statuses) - set(MEMBERS)
    assert not unknown, unknown
    return {member: statuses.get(member, default) for member in MEMBERS}


# Opening a file: the officer (her residences), the coach (assigned + sharing consent), both
# managers (their organisation's scope, read only). Staff, administrator (no membership) and
# the outsider: 404.
FILE_READ = expect(officer=200, coach=200, adoma_manager=200, adelis_manager=200)
# The edit page and the history: those who may change the file.
EDIT_PAGE = expect(officer=200, coach=200)
# A valid write: done (302 back to the file) for those who may change it; 404 for the others.
WRITE = expect(officer=302, coach=302)
# Recording a consent is the insertion officer's act.
OFFICER_WRITE = expect(officer=302)
# A method the view does not accept.
NOT_ALLOWED = expect(405)


@dataclass(frozen=True)
class Route:
    """How to call one URL name. `kwargs(world)` builds its arguments; `get` and `post` are
    the expected statuses per member (None: the method is refused with 405); `data(world)`
    is a valid submission, so that a refusal can only come from the access rules."""

    kwargs: Callable[[World], dict] = lambda w: {}
    get: dict | None = None
    post: dict | None = None
    data: Callable[[World], dict] = lambda w: {}
    # A file route takes a resident (and sub-rows): it is also played on the unshared file.
    file: bool = True
    # A successful POST writes rows (False: it changes only the session, e.g. keep-alive).
    writes: bool = True


def _on(attribute=None, kwarg=None):
    """kwargs for a route of the shared file, plus one of its rows."""

    def build(w, f=None):
        f = f or w.shared
        kwargs = {"pk": f.resident.pk}
        if attribute:
            kwargs[kwarg] = getattr(f, attribute).pk
        return kwargs

    return build


def _action(w):
    return {"pk": w.outreach.action.pk}


def _referral(w):
    return {"pk": w.outreach.referral.pk}


def _employer(w):
    return {"pk": w.network.employer.pk}


def _opening(w):
    return {"pk": w.network.opening.pk}


def _opening_data(w):
    return {
        "rome_appellation": w.network.opening.rome_appellation_id,
        "title": "Agent de propreté",
        "contract_type": "cdd",
        "duration_months": "6",
        "weekly_hours": "24",
        "positions": "2",
        "opened_on": _today(),
        "city": "Nantes",
    }


# Employers: lists of one's territory (the outsider's is Saint-Nazaire: empty of Nantes).
EMPLOYERS_READ_LIST = expect(
    officer=200, coach=200, adoma_manager=200, adelis_manager=200, outsider=200
)
EMPLOYERS_READ = expect(officer=200, coach=200, adoma_manager=200, adelis_manager=200)
EMPLOYERS_EDIT_PAGE = expect(coach=200, adelis_manager=200)
EMPLOYERS_WRITE = expect(coach=302, adelis_manager=302)


def _today():
    return timezone.localdate().isoformat()


def _accompaniment(w):
    return {"pk": w.employment.accompaniment.pk}


# The accompaniment's pages: those who follow it (both officers' side and Adelis).
ACCOMPANIMENT_READ = expect(officer=200, adoma_manager=200, coach=200, adelis_manager=200)


def _new_resident_data(w):
    return {
        "last_name": "Nouvelle",
        "first_name": "Personne",
        "sex": "female",
        "residence": w.shared.resident.residence_id,
        "preferred_language": "fra",
        "international_protection": "none",
        "right_to_work_document": "none",
        "france_travail_status": "unknown",
        "enter_programme": "on",
    }


def _edit_data(w, f=None):
    resident = (f or w.shared).resident
    return {
        "last_name": resident.last_name,
        "first_name": resident.first_name,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
        "sex": resident.sex,
        "phone": "06 98 76 54 32",
        "residence": resident.residence_id,
        "housing_unit": "B 204",
        "preferred_language": resident.preferred_language,
        "international_protection": resident.international_protection,
        "right_to_work_document": resident.right_to_work_document,
        "france_travail_status": resident.france_travail_status,
    }


TABLE = {
    "residents:list": Route(get=expect(200, staff=404), file=False),
    # Export: officer and managers; the coach, staff and administrator have no export right.
    # The outsider (an insertion officer) exports her own residences, never Nantes (see below).
    "residents:export": Route(
        get=expect(officer=200, adoma_manager=200, adelis_manager=200, outsider=200), file=False
    ),
    # Creating a file: insertion officers only. The outsider may open the page, but a Nantes
    # residence is not hers to choose: the form refuses it (200 with the error), nothing saved.
    "residents:create": Route(
        get=expect(officer=200, outsider=200),
        post=expect(officer=302, outsider=200),
        data=_new_resident_data,
        file=False,
    ),
    "residents:detail": Route(kwargs=_on(), get=FILE_READ),
    "residents:edit": Route(kwargs=_on(), get=EDIT_PAGE, post=WRITE, data=_edit_data),
    "residents:history": Route(kwargs=_on(), get=EDIT_PAGE),
    "residents:stage": Route(
        kwargs=_on(), post=WRITE, data=lambda w: {"to": "exited", "exit_reason": "moved_out"}
    ),
    # Consents are collected by the insertion officer; a coach may record a withdrawal.
    "residents:consent_add": Route(
        kwargs=_on(),
        post=OFFICER_WRITE,
        data=lambda w: {
            "scope": "health",
            "recipient_organisation": w.cast["coach"].organisation_id,
            "given_on": _today(),
            "method": "oral",
        },
    ),
    "residents:consent_withdraw": Route(kwargs=_on("consent", "consent_pk"), post=WRITE),
    "residents:barrier_set": Route(
        kwargs=_on(), post=WRITE, data=lambda w: {"code": "debt", "status": "identified"}
    ),
    "residents:benefit_set": Route(
        kwargs=_on(), post=WRITE, data=lambda w: {"benefit": "ass", "since": "2024-03-01"}
    ),
    "residents:benefit_remove": Route(kwargs=_on("benefit", "benefit_pk"), post=WRITE),
    "residents:referent_add": Route(
        kwargs=_on(), post=WRITE, data=lambda w: {"kind": "plie", "name": "Mme Roux"}
    ),
    "residents:referent_end": Route(kwargs=_on("referent", "referent_pk"), post=WRITE),
    "residents:note_add": Route(
        kwargs=_on(), post=WRITE, data=lambda w: {"body": "Rencontre au bureau."}
    ),
    "residents:step_add": Route(
        kwargs=_on(),
        post=WRITE,
        data=lambda w: {"objective": "Emploi", "step": "Préparer un CV", "owner": "person"},
    ),
    "residents:step_done": Route(kwargs=_on("step", "step_pk"), post=WRITE),
    # Reminders: everyone logged in has a "my reminders" page (their own only); marking one
    # done is for its assignee only (the officer here), 404 for anyone else.
    # Roster import: insertion officers only, and an import is its uploader's alone. The outsider
    # (an insertion officer elsewhere) may open the upload page, but a Nantes residence is
    # refused by the form (200 with the error); she never sees the officer's import.
    "residents:roster_upload": Route(
        get=expect(officer=200, outsider=200),
        post=expect(officer=302, outsider=200),
        data=lambda w: {
            "residence": w.roster_import.residence_id,
            "file": SimpleUploadedFile("liste.csv", ROSTER_CSV, content_type="text/csv"),
        },
        file=False,
    ),
    "residents:roster_preview": Route(
        kwargs=lambda w: {"pk": w.roster_import.pk}, get=expect(officer=200), file=False
    ),
    "residents:roster_confirm": Route(
        kwargs=lambda w: {"pk": w.roster_import.pk}, post=expect(officer=302), file=False
    ),
    "residents:roster_invalid_csv": Route(
        kwargs=lambda w: {"pk": w.roster_import.pk}, get=expect(officer=200), file=False
    ),
    "reminders:mine": Route(get=expect(200), file=False),
    # The right of access (the file as the user's organisation holds it) and erasure.
    "residents:personal_data": Route(kwargs=_on(), get=expect(officer=200, coach=200)),
    "residents:personal_data_json": Route(kwargs=_on(), get=expect(officer=200, coach=200)),
    "residents:erase": Route(
        kwargs=_on(),
        get=expect(officer=200),
        post=expect(officer=302),
        data=lambda w: {"confirm": "on"},
    ),
    # Pages of every signed-in user, about herself only.
    "home": Route(get=expect(200), file=False),
    "password_change": Route(get=expect(200), post=expect(200), file=False),
    "password_change_done": Route(get=expect(200), file=False),
    "accounts:mfa": Route(get=expect(200), post=expect(200), file=False),
    "accounts:keepalive": Route(post=expect(200), file=False),
    "accounts:otp_verify": Route(get=expect(302), post=expect(302), file=False, writes=False),
    "accounts:kept_post": Route(get=expect(302), post=expect(302), file=False, writes=False),
    "worker_check": Route(
        get=expect(administrator=200), post=expect(administrator=302), file=False
    ),
    "reminders:done": Route(
        kwargs=lambda w: {"pk": w.reminder.pk}, post=expect(officer=302), file=False
    ),
    "reminders:snooze": Route(
        kwargs=lambda w: {"pk": w.reminder.pk},
        post=expect(officer=302),
        data=lambda w: {"until": "next_week"},
        file=False,
    ),
    "reminders:badge": Route(get=expect(200), file=False),
    # One's own morning e-mail, on or off (the user row is not in the snapshot).
    "reminders:digest": Route(
        post=expect(302), data=lambda w: {"digest": "off"}, file=False, writes=False
    ),
    # SMS campaigns: the insertion officer writes and sends those of her residences; the
    # Adoma manager reads them; the outsider's list is empty and her form refuses Nantes.
    "outreach:campaigns": Route(
        get=expect(officer=200, adoma_manager=200, outsider=200), file=False
    ),
    "outreach:campaign_new": Route(
        get=expect(officer=200, outsider=200),
        post=expect(officer=302, outsider=200),
        data=lambda w: {
            "name": "Permanence du jeudi",
            "residences": [w.shared.resident.residence_id],
            "body_fra": "Bonjour {prenom}, une permanence emploi jeudi.",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "outreach:campaign": Route(
        kwargs=lambda w: {"pk": w.sms.draft.pk},
        get=expect(officer=200, adoma_manager=200),
        file=False,
    ),
    "outreach:campaign_edit": Route(
        kwargs=lambda w: {"pk": w.sms.draft.pk},
        get=expect(officer=200),
        post=expect(officer=302),
        data=lambda w: {
            "name": "Permanence emploi (mardi)",
            "residences": [w.shared.resident.residence_id],
            "body_fra": "Bonjour {prenom}, permanence emploi mardi.",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "outreach:campaign_progress": Route(
        kwargs=lambda w: {"pk": w.sms.launched.pk},
        get=expect(officer=200, adoma_manager=200),
        file=False,
    ),
    "outreach:campaign_launch": Route(
        kwargs=lambda w: {"pk": w.sms.draft.pk}, post=expect(officer=302), file=False
    ),
    "outreach:campaign_cancel": Route(
        kwargs=lambda w: {"pk": w.sms.launched.pk}, post=expect(officer=302), file=False
    ),
    # The outbox: messages to the residents one may open for it.
    "sms:outbox": Route(
        get=expect(officer=200, coach=200, adoma_manager=200, outsider=200), file=False
    ),
    "sms:resend": Route(
        kwargs=lambda w: {"pk": w.sms.uncertain.pk},
        post=expect(officer=302, coach=302),
        data=lambda w: {"reason": "Elle ne l'a pas reçu."},
        file=False,
    ),
    "sms:abandon": Route(
        kwargs=lambda w: {"pk": w.sms.uncertain.pk},
        post=expect(officer=302, coach=302),
        file=False,
    ),
    "sms:opt_out": Route(
        kwargs=_on(), post=expect(officer=302, coach=302), data=lambda w: {"scope": "campaigns"}
    ),
    "sms:opt_out_lift": Route(
        kwargs=lambda w, f=None: (w.sms, _on()(w, f))[1],
        post=expect(officer=302, coach=302),
        data=lambda w: {"scope": "all"},
    ),
    "sms:inbox": Route(get=expect(officer=200, outsider=200), file=False),
    "sms:inbox_match": Route(
        kwargs=lambda w: {"pk": w.sms.reply.pk},
        post=expect(officer=302),
        data=lambda w: {"resident": w.shared.resident.pk},
        file=False,
    ),
    "sms:inbox_discard": Route(
        kwargs=lambda w: {"pk": w.sms.reply.pk}, post=expect(officer=302), file=False
    ),
    "sms:measure": Route(
        post=expect(officer=200, outsider=200),
        data=lambda w: {"body_fra": "Bonjour {prenom}"},
        file=False,
        writes=False,
    ),
    # Outreach. Hall sessions: the insertion officer of the residence logs (her POSTs), and
    # with the Adoma manager reads the session page; the outsider may start one, but a Nantes
    # residence is not hers: the form refuses it (200 with the message), nothing saved.
    "outreach:action_start": Route(
        post=expect(officer=302, outsider=200),
        data=lambda w: {"residence": w.shared.resident.residence_id, "token": uuid.uuid4()},
        file=False,
    ),
    "outreach:action": Route(
        kwargs=_action, get=expect(officer=200, adoma_manager=200), file=False
    ),
    "outreach:typeahead": Route(kwargs=_action, get=expect(officer=200), file=False),
    "outreach:contact_add": Route(
        kwargs=_action,
        post=expect(officer=302),
        data=lambda w: {
            "resident": w.shared.resident.pk,
            "outcome": "interested",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "outreach:meet_new": Route(
        kwargs=_action,
        post=expect(officer=302),
        data=lambda w: {
            "first_name": "Awa",
            "housing_unit": "12",
            "outcome": "not_now",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "outreach:count_unnamed": Route(kwargs=_action, post=expect(officer=302), file=False),
    "outreach:contact_correct": Route(
        kwargs=lambda w: {"pk": w.outreach.action.pk, "contact_pk": w.outreach.contact.pk},
        post=expect(officer=302),
        data=lambda w: {"outcome": "declined", "summary": "Corrigé"},
        file=False,
    ),
    "outreach:action_close": Route(kwargs=_action, post=expect(officer=302), file=False),
    # Referrals: filed by residence staff (and officers), on their residences; the outsider is
    # refused a Nantes residence by the form. The inbox is the insertion officers'; the
    # outsider's is empty of Nantes, and a Nantes referral is 404 to her.
    "outreach:referral_new": Route(
        get=expect(officer=200, staff=200, outsider=200),
        post=expect(officer=302, staff=302, outsider=200),
        data=lambda w: {
            "residence": w.shared.resident.residence_id,
            "first_name": "Binta",
            "housing_unit": "7",
            "reason": "Voudrait travailler",
            "how_to_reach": "Le matin",
            "source": "residence_manager",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "outreach:referrals_mine": Route(get=expect(officer=200, staff=200, outsider=200), file=False),
    "outreach:referrals": Route(get=expect(officer=200, outsider=200), file=False),
    "outreach:referral_take": Route(kwargs=_referral, post=expect(officer=302), file=False),
    "outreach:referral_close": Route(
        kwargs=_referral,
        post=expect(officer=302),
        data=lambda w: {"outcome": "contacted"},
        file=False,
    ),
    "outreach:residence_history": Route(
        kwargs=lambda w: {"pk": w.shared.resident.residence_id},
        get=expect(officer=200, adoma_manager=200),
        file=False,
    ),
    # Employers (employers/): the territory's. Coaches and the Adelis manager edit; officers and
    # the Adoma manager read the companies and the open openings; the outsider's territory
    # (Saint-Nazaire) has none of Nantes: her lists are empty, a Nantes company is 404 to her.
    "employers:list": Route(get=EMPLOYERS_READ_LIST, file=False),
    "employers:pipeline": Route(get=EMPLOYERS_READ_LIST, file=False),
    "employers:create": Route(
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {
            "name": "Restaurant Le Lieu Unique",
            "siret": "35600000000048",
            "naf_version": "naf_rev2",
            "sector": "hospitality",
            "city": "Nantes",
            "territory": TERRITORY,
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "employers:detail": Route(kwargs=_employer, get=EMPLOYERS_READ, file=False),
    "employers:edit": Route(
        kwargs=_employer,
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {
            "name": "Nettoyage Atlantique Services",
            "siret": "73282932000074",
            "naf_version": "naf_rev2",
            "naf_code": "81.21Z",
            "sector": "cleaning",
            "city": "Nantes",
            "territory": TERRITORY,
        },
        file=False,
    ),
    "employers:status": Route(
        kwargs=_employer,
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {"status": "partner", "reason": "Convention signée"},
        file=False,
    ),
    "employers:contact_add": Route(
        kwargs=_employer,
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {"last_name": "Okafor", "role": "Chef d'équipe", "token": uuid.uuid4()},
        file=False,
    ),
    "employers:contact_edit": Route(
        kwargs=lambda w: {"pk": w.network.employer.pk, "contact_pk": w.network.contact.pk},
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {"first_name": "Nathalie", "last_name": "Guérin", "role": "DRH"},
        file=False,
    ),
    "employers:prospecting_add": Route(
        kwargs=_employer,
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {
            "kind": "visit",
            "on": _today(),
            # Midnight: a step is noted once done, and this test may run at any hour.
            "at_time": "00:00",
            "outcome": "met",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    # Openings: officers and the Adoma manager see the open ones only (the filled one is 404
    # to them: see test_officers_see_open_openings_only); the type-ahead serves the form.
    "employers:openings": Route(get=EMPLOYERS_READ_LIST, file=False),
    "employers:opening": Route(kwargs=_opening, get=EMPLOYERS_READ, file=False),
    "employers:opening_create": Route(
        kwargs=_employer,
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=lambda w: {**_opening_data(w), "token": uuid.uuid4()},
        file=False,
    ),
    "employers:opening_edit": Route(
        kwargs=_opening,
        get=EMPLOYERS_EDIT_PAGE,
        post=EMPLOYERS_WRITE,
        data=_opening_data,
        file=False,
    ),
    "employers:opening_close": Route(
        kwargs=_opening,
        post=EMPLOYERS_WRITE,
        data=lambda w: {"status": "filled", "closed_on": _today()},
        file=False,
    ),
    "employers:opening_reopen": Route(
        kwargs=lambda w: {"pk": w.network.filled.pk}, post=EMPLOYERS_WRITE, file=False
    ),
    "employers:rome_typeahead": Route(get=EMPLOYERS_EDIT_PAGE, file=False),
    # The company type-ahead of the coach's forms answers whoever reads the companies, with
    # those of her territory only (the outsider finds none of Nantes).
    "employers:typeahead": Route(get=EMPLOYERS_READ_LIST, file=False),
    # IOD accompaniment (employment/). The insertion officer orients (her only write) and
    # follows the accompaniment read-only, as the Adoma manager does; the coach works in it;
    # the Adelis manager reads and answers orientations (she assigns). Before an orientation
    # is accepted, the coach and her manager see its summary only (the file stays 404).
    "employment:caseload": Route(get=expect(coach=200, adelis_manager=200), file=False),
    # The dashboard: aggregates of the managers' scopes; the list behind a figure shows only
    # the people they may list.
    "dashboard:home": Route(get=expect(adoma_manager=200, adelis_manager=200), file=False),
    "dashboard:export": Route(
        kwargs=lambda w: {"fmt": "xlsx"},
        get=expect(adoma_manager=200, adelis_manager=200),
        file=False,
    ),
    "dashboard:people": Route(
        kwargs=lambda w: {"indicator": "stage:identified"},
        get=expect(adoma_manager=200, adelis_manager=200),
        file=False,
    ),
    "employment:orient": Route(
        kwargs=lambda w: {"resident_pk": w.employment.candidate.pk},
        get=expect(officer=200),
        post=expect(officer=302),
        data=lambda w: {
            "organisation": w.adelis.pk,
            "reason": "Veut travailler",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "employment:orientations": Route(get=expect(coach=200, adelis_manager=200), file=False),
    "employment:orientation": Route(
        kwargs=lambda w: {"pk": w.employment.orientation.pk},
        get=expect(coach=200, adelis_manager=200),
        file=False,
    ),
    "employment:orientation_accept": Route(
        kwargs=lambda w: {"pk": w.employment.orientation.pk},
        post=expect(coach=302, adelis_manager=302),
        data=lambda w: {"coach": w.cast["coach"].pk},
        file=False,
    ),
    "employment:orientation_decline": Route(
        kwargs=lambda w: {"pk": w.employment.orientation.pk},
        post=expect(coach=302, adelis_manager=302),
        data=lambda w: {"reason": "Plus de place avant mars"},
        file=False,
    ),
    "employment:accompaniment": Route(kwargs=_accompaniment, get=ACCOMPANIMENT_READ, file=False),
    "employment:wishes": Route(
        kwargs=_accompaniment,
        get=expect(coach=200),
        post=expect(coach=302),
        data=lambda w: {
            "wanted_sectors": ["cleaning"],
            "hours_max": "30",
            "childcare": "not_concerned",
        },
        file=False,
    ),
    "employment:wishes_history": Route(kwargs=_accompaniment, get=ACCOMPANIMENT_READ, file=False),
    "employment:contact_add": Route(
        kwargs=_accompaniment,
        post=expect(coach=302),
        data=lambda w: {
            "with_whom": "person",
            "channel": "phone",
            "on": _today(),
            "at_time": "00:00",
            "summary": "Point",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "employment:close": Route(
        kwargs=_accompaniment,
        post=expect(coach=302),
        data=lambda w: {"exit_reason": "training", "notes": "CAP agent de propreté"},
        file=False,
    ),
    "employment:post_exit": Route(
        kwargs=lambda w: {"pk": w.employment.closed.pk},
        post=expect(coach=302),
        data=lambda w: {"situation": "training"},
        file=False,
    ),
    "employment:suggestions": Route(kwargs=_accompaniment, get=expect(coach=200), file=False),
    "employment:propose": Route(
        kwargs=_accompaniment,
        post=expect(coach=302),
        data=lambda w: {"opening": w.employment.spare_opening.pk, "token": uuid.uuid4()},
        file=False,
    ),
    "employment:placement_add": Route(
        kwargs=_accompaniment,
        get=expect(coach=200),
        post=expect(coach=302),
        data=lambda w: {
            "employer": w.network.employer.pk,
            "openings_of": w.network.employer.pk,  # its openings were listed: none taken
            "contract_type": "cdi",
            "job_title": "Agent de propreté",
            "start_on": _today(),
            "weekly_hours": "35",
            "token": uuid.uuid4(),
        },
        file=False,
    ),
    "employment:introduction": Route(
        kwargs=lambda w: {"pk": w.employment.introduction.pk},
        get=ACCOMPANIMENT_READ,
        file=False,
    ),
    "employment:introduction_move": Route(
        kwargs=lambda w: {"pk": w.employment.introduction.pk},
        post=expect(coach=302),
        data=lambda w: {"to": "accepted"},
        file=False,
    ),
    "employment:placement": Route(
        kwargs=lambda w: {"pk": w.employment.placement.pk}, get=ACCOMPANIMENT_READ, file=False
    ),
    "employment:placement_end": Route(
        kwargs=lambda w: {"pk": w.employment.placement.pk},
        post=expect(coach=302),
        data=lambda w: {"fin-ended_on": _today(), "fin-reason": "resignation"},
        file=False,
    ),
    "employment:follow_up": Route(
        kwargs=lambda w: {"pk": w.employment.follow_up.pk},
        post=expect(coach=302),
        data=lambda w: {
            f"suivi-{w.employment.follow_up.pk}-{key}": value
            for key, value in {"done_on": _today(), "with_whom": "employee"}.items()
        },
        file=False,
    ),
}


# --- Every URL pattern is in the table ------------------------------------------------------


def _view_module(callback):
    return getattr(callback, "view_class", callback).__module__


def _app_patterns(resolver=None, prefix="", namespace=""):
    """(route, qualified name, module) of every URL pattern, walking includes recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _app_patterns(pattern, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else f"(sans nom) {prefix}"
            yield prefix + str(pattern.pattern), name, _view_module(pattern.callback)


# Not in the table: the admin (administrators only, Django's own permissions) and the pages
# that need no login (tested in tests/core and tests/accounts).
NOT_IN_TABLE = {"healthz", "login", "logout", "sms:hook_delivery", "sms:hook_inbound"}


def covered_patterns():
    return {
        name: route
        for route, name, module in _app_patterns()
        if not route.startswith(("admin/", "favicon.ico")) and name not in NOT_IN_TABLE
    }


def test_every_url_pattern_is_in_the_access_table():
    patterns = covered_patterns()
    assert "residents:detail" in patterns and "reminders:done" in patterns  # the walk works
    missing = {name: route for name, route in patterns.items() if name not in TABLE}
    assert not missing, f"URL patterns without an access test (add them to TABLE): {missing}"
    stale = set(TABLE) - set(patterns)
    assert not stale, f"TABLE entries for URL patterns that no longer exist: {stale}"


# --- The table, played by every member of the cast, and by an anonymous visitor -------------


def _is_success(route, method, expected):
    return expected == (200 if method == "GET" else 302)


def _expected(route, method, member):
    statuses = route.get if method == "GET" else route.post
    if member == "anonymous":
        return 302
    return (statuses or NOT_ALLOWED)[member]


# A request the table grants is played alone (it may write); the refusals of one URL and
# method are played together on one world, each checked to change nothing — cheaper, and the
# same proof.
CASES = [
    (name, method, member)
    for name, route in TABLE.items()
    for method in ("GET", "POST")
    for member in MEMBERS
    if _is_success(route, method, _expected(route, method, member))
]
REFUSED_CASES = [(name, method) for name in TABLE for method in ("GET", "POST")]


def _errors_shown(response):
    """The form errors of a refused page, for the failure message."""
    import re

    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    found = re.findall(r'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>(.*?)<', body, re.S)
    return " — " + " | ".join(text.strip() for text in found if text.strip()) if found else ""


def _request(client, method, url, data=None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data or {})


def _play(client, world, name, method, member):
    route = TABLE[name]
    url = reverse(name, kwargs=route.kwargs(world))
    expected = _expected(route, method, member)
    if member != "anonymous":
        client.force_login(world.cast[member])
    before = snapshot()

    response = _request(client, method, url, route.data(world))

    assert response.status_code == expected, (
        f"{member} {method} {name}: {response.status_code}, expected {expected}"
        + _errors_shown(response)
    )
    # Nothing a shared phone or a proxy may keep, whatever the answer.
    assert "no-store" in response.get("Cache-Control", ""), (member, method, name)
    if member == "anonymous":
        assert response["Location"].startswith(f"{LOGIN_URL}?next=")
    elif response.status_code == 302:
        assert not response["Location"].startswith(LOGIN_URL)
    refused = not _is_success(route, method, expected) or member == "anonymous"
    if refused:
        # A refused request changes nothing, and a refused read leaves no access-log row.
        assert snapshot() == before, f"{member} {method} {name}: a refusal changed rows"
    elif method == "POST" and route.writes:
        assert snapshot() != before, "a successful POST changed nothing"


@pytest.mark.parametrize(("name", "method", "member"), CASES)
def test_access_table(client, world, name, method, member):
    _play(client, world, name, method, member)


@pytest.mark.parametrize(("name", "method"), REFUSED_CASES)
def test_access_table_refusals(world, name, method):
    route = TABLE[name]
    refused = [
        member
        for member in MEMBERS
        if not _is_success(route, method, _expected(route, method, member))
    ]
    client = Client()  # one client (its middleware loaded once), no cookie for each member
    for member in [*refused, "anonymous"]:
        client.cookies.clear()
        _play(client, world, name, method, member)


# The coach and the Adelis manager see a file only while the sharing consent to Adelis stands:
# on the coach's resident without it, every file URL is 404 and changes nothing.
UNSHARED_CASES = [
    (name, method, member)
    for name, route in TABLE.items()
    if route.file
    for method, statuses in (("GET", route.get), ("POST", route.post))
    if statuses is not None
    for member in ("coach", "adelis_manager")
]


@pytest.mark.parametrize(("name", "method", "member"), UNSHARED_CASES)
def test_without_sharing_consent_the_file_is_404(client, world, name, method, member):
    route = TABLE[name]
    url = reverse(name, kwargs=route.kwargs(world, world.unshared))
    data = _edit_data(world, world.unshared) if name == "residents:edit" else route.data(world)
    client.force_login(world.cast[member])
    before = snapshot()

    response = _request(client, method, url, data)

    assert response.status_code == 404
    assert snapshot() == before


# Sub-rows are looked up within the resident: a visible resident's id with another resident's
# consent, referent or step is 404, even for the officer.
@pytest.mark.parametrize(
    ("name", "attribute", "kwarg"),
    [
        ("residents:consent_withdraw", "consent", "consent_pk"),
        ("residents:referent_end", "referent", "referent_pk"),
        ("residents:step_done", "step", "step_pk"),
        ("residents:benefit_remove", "benefit", "benefit_pk"),
    ],
)
@pytest.mark.parametrize("other", ["elsewhere", "unshared"])
def test_sub_row_of_another_resident_is_404(client, world, name, attribute, kwarg, other):
    # The coach, on her shared resident, with a row of a resident she may not see (or that
    # the outsider's officer owns): never found through someone else's file.
    member = "coach" if other == "unshared" else "officer"
    kwargs = {"pk": world.shared.resident.pk, kwarg: getattr(getattr(world, other), attribute).pk}
    client.force_login(world.cast[member])
    before = snapshot()

    response = client.post(reverse(name, kwargs=kwargs))

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/residents/0/",
        "/residents/99999999/",
        "/residents/99999999999999999999/",
        "/residents/99999999999999999999/modifier/",
        "/residents/99999999999999999999/historique/",
        "/rappels/99999999999999999999/fait/",
    ],
)
def test_ids_that_do_not_exist_are_404(client, world, url):
    client.force_login(world.cast["officer"])
    method = client.post if url.endswith("fait/") else client.get
    assert method(url).status_code == 404


# --- What each member sees in the lists -----------------------------------------------------


@pytest.mark.parametrize(
    ("member", "sees", "does_not_see"),
    [
        ("officer", ["DIALLO", "RAHIMI"], ["LE BIHAN"]),
        ("coach", ["DIALLO"], ["RAHIMI", "LE BIHAN"]),
        ("adoma_manager", ["DIALLO", "RAHIMI"], ["LE BIHAN"]),
        ("adelis_manager", ["DIALLO"], ["RAHIMI", "LE BIHAN"]),
        ("administrator", [], ["DIALLO", "RAHIMI", "LE BIHAN"]),
        ("outsider", ["LE BIHAN"], ["DIALLO", "RAHIMI"]),
    ],
)
def test_list_shows_only_the_scope(client, world, member, sees, does_not_see):
    client.force_login(world.cast[member])
    response = client.get(reverse("residents:list"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in sees:
        assert name in body
    for name in does_not_see:
        assert name not in body
    assert f"{len(sees)} résident" in body


def test_administrator_list_is_empty(client, world):
    client.force_login(world.cast["administrator"])
    response = client.get(reverse("residents:list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "Aucun résident ne correspond." in response.content.decode()


@pytest.mark.parametrize(
    ("member", "sees", "does_not_see"),
    [
        ("officer", ["Diallo", "Rahimi"], ["Le Bihan"]),
        ("adoma_manager", ["Diallo", "Rahimi"], ["Le Bihan"]),
        ("adelis_manager", ["Diallo"], ["Rahimi", "Le Bihan"]),
        ("outsider", ["Le Bihan"], ["Diallo", "Rahimi"]),
    ],
)
def test_export_holds_only_the_scope(client, world, member, sees, does_not_see):
    client.force_login(world.cast[member])
    response = client.get(reverse("residents:export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    for name in sees:
        assert name in body
    for name in does_not_see:
        assert name not in body
    assert "santé" not in body.lower() and "RQTH" not in body


@pytest.mark.parametrize("member", ["coach", "staff", "administrator"])
def test_export_is_404_without_the_export_right(client, world, member):
    client.force_login(world.cast[member])
    before = AccessLog.objects.count()
    assert client.get(reverse("residents:export")).status_code == 404
    assert AccessLog.objects.count() == before


def test_reminders_page_lists_only_ones_own(client, world):
    Reminder.objects.create(
        assignee=world.cast["coach"], title="Relancer le boulanger", due_at=timezone.now(),
        dedup_key="test:coach",
    )  # fmt: skip
    client.force_login(world.cast["officer"])
    body = client.get(reverse("reminders:mine")).content.decode()
    assert "Rappeler Fatoumata" in body and "Relancer le boulanger" not in body
    client.force_login(world.cast["coach"])
    body = client.get(reverse("reminders:mine")).content.decode()
    assert "Relancer le boulanger" in body and "Rappeler Fatoumata" not in body
    client.force_login(world.cast["outsider"])
    body = client.get(reverse("reminders:mine")).content.decode()
    assert "Rappeler Fatoumata" not in body and "Relancer le boulanger" not in body


# --- Consent withdrawal takes effect at once ------------------------------------------------

EMPLOYMENT_ON_THE_SHARED_FILE = [
    ("employment:accompaniment", "GET", {}),
    ("employment:wishes", "GET", {}),
    ("employment:wishes_history", "GET", {}),
    ("employment:suggestions", "GET", {}),
    ("employment:placement_add", "GET", {}),
    ("employment:contact_add", "POST", {"with_whom": "person", "channel": "phone"}),
    ("employment:propose", "POST", {}),
    ("employment:close", "POST", {"exit_reason": "training"}),
]


@pytest.mark.parametrize("member", ["coach", "adelis_manager"])
def test_withdrawing_the_sharing_consent_suspends_the_accompaniment(client, world, member):
    """The coach and her manager lose the accompaniment at once (404 on every page of it,
    nothing written); the officer still follows it, shown suspended; nothing is deleted."""
    accompaniment = world.employment.accompaniment
    services.consent_withdraw(consent=world.shared.sharing, by=world.cast["officer"])
    client.force_login(world.cast[member])
    before = snapshot()
    for name, method, data in EMPLOYMENT_ON_THE_SHARED_FILE:
        url = reverse(name, kwargs={"pk": accompaniment.pk})
        data = {**data, "opening": world.employment.spare_opening.pk, "token": uuid.uuid4()}
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 404, (member, name)
    assert reverse("employment:introduction", kwargs={"pk": world.employment.introduction.pk})
    assert client.get(world.employment.introduction.get_absolute_url()).status_code == 404
    assert snapshot() == before
    client.force_login(world.cast["officer"])
    response = client.get(accompaniment.get_absolute_url())
    assert response.status_code == 200
    assert "Suspendu — accord de partage retiré" in response.content.decode()
    assert Accompaniment.objects.filter(pk=accompaniment.pk, ended_on__isnull=True).exists()


def test_an_orientation_shows_its_summary_not_the_file(client, world):
    orientation = world.employment.orientation
    client.force_login(world.cast["coach"])
    assert client.get(orientation.get_absolute_url()).status_code == 200
    assert client.get(orientation.resident.get_absolute_url()).status_code == 404
    assert "BENALI" not in client.get(reverse("residents:list")).content.decode()
    client.post(reverse("employment:orientation_accept", kwargs={"pk": orientation.pk}))
    assert client.get(orientation.resident.get_absolute_url()).status_code == 200


def test_coach_loses_the_file_when_the_sharing_consent_is_withdrawn(client, world):
    coach, officer = world.cast["coach"], world.cast["officer"]
    resident = world.shared.resident
    client.force_login(coach)
    assert client.get(resident.get_absolute_url()).status_code == 200

    client.force_login(officer)
    response = client.post(
        reverse(
            "residents:consent_withdraw",
            kwargs={"pk": resident.pk, "consent_pk": world.shared.sharing.pk},
        )
    )
    assert response.status_code == 302
    world.shared.sharing.refresh_from_db()
    assert world.shared.sharing.withdrawn_on == timezone.localdate()

    for member in ("coach", "adelis_manager"):
        client.force_login(world.cast[member])
        assert client.get(resident.get_absolute_url()).status_code == 404
        assert "DIALLO" not in client.get(reverse("residents:list")).content.decode()
    client.force_login(coach)
    before = snapshot()
    note_url = reverse("residents:note_add", kwargs={"pk": resident.pk})
    assert client.post(note_url, {"body": "Après le retrait."}).status_code == 404
    assert snapshot() == before
    # The officer still sees her resident.
    client.force_login(officer)
    assert client.get(resident.get_absolute_url()).status_code == 200


def test_coach_withdrawing_the_sharing_consent_lands_on_the_list(client, world):
    client.force_login(world.cast["coach"])
    resident = world.shared.resident
    response = client.post(
        reverse(
            "residents:consent_withdraw",
            kwargs={"pk": resident.pk, "consent_pk": world.shared.sharing.pk},
        )
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:list")
    assert client.get(resident.get_absolute_url()).status_code == 404


# --- Confidential notes and health information ----------------------------------------------


@pytest.fixture
def notes(world):
    resident, cast = world.shared.resident, world.cast
    services.note_add(
        resident=resident, by=cast["officer"], body="Note confidentielle Adoma",
        confidential=True,
    )  # fmt: skip
    services.note_add(
        resident=resident, by=cast["coach"], body="Note confidentielle Adelis",
        confidential=True,
    )  # fmt: skip
    services.note_add(resident=resident, by=cast["officer"], body="Note partagée")


@pytest.mark.parametrize(
    ("member", "sees", "does_not_see"),
    [
        ("officer", ["Note confidentielle Adoma"], ["Note confidentielle Adelis"]),
        ("coach", ["Note confidentielle Adelis"], ["Note confidentielle Adoma"]),
        ("adoma_manager", [], ["Note confidentielle Adoma", "Note confidentielle Adelis"]),
        ("adelis_manager", [], ["Note confidentielle Adoma", "Note confidentielle Adelis"]),
    ],
)
def test_confidential_notes_stay_in_their_organisation(
    client, world, notes, member, sees, does_not_see
):
    client.force_login(world.cast[member])
    response = client.get(world.shared.resident.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Note partagée" in body
    for text in sees:
        assert text in body
    for text in does_not_see:
        assert text not in body


# The health barrier (its label in a list or an option) and RQTH.
HEALTH_LABELS = [">Santé<", "RQTH"]


def _shows_health(client, user, resident):
    client.force_login(user)
    detail = client.get(resident.get_absolute_url()).content.decode()
    shown = [label in detail for label in HEALTH_LABELS]
    assert len(set(shown)) == 1, f"only some health labels shown: {shown}"
    return shown[0]


def test_health_information_needs_the_health_consent_for_the_coach(client, world):
    cast, resident = world.cast, world.shared.resident
    Resident.objects.filter(pk=resident.pk).update(rqth=True)
    ResidentBarrier.objects.create(resident=resident, code="health")
    # A health consent without recipient (or to another organisation) does not count.
    services.consent_record(
        resident=resident, scope=ConsentScope.HEALTH, given_on=timezone.localdate(),
        method="oral", by=cast["officer"], recipient_organisation=cast["officer"].organisation,
    )  # fmt: skip

    assert _shows_health(client, cast["officer"], resident)
    assert not _shows_health(client, cast["coach"], resident)
    edit_page = client.get(reverse("residents:edit", args=[resident.pk])).content.decode()
    assert not any(label in edit_page for label in HEALTH_LABELS)
    for manager in ("adoma_manager", "adelis_manager"):
        assert not _shows_health(client, cast[manager], resident)

    client.force_login(cast["officer"])
    response = client.post(
        reverse("residents:consent_add", args=[resident.pk]),
        {
            "scope": "health",
            "recipient_organisation": cast["coach"].organisation_id,
            "given_on": timezone.localdate().isoformat(),
            "method": "signed_form",
        },
    )
    assert response.status_code == 302

    assert _shows_health(client, cast["coach"], resident)
    edit_page = client.get(reverse("residents:edit", args=[resident.pk])).content.decode()
    assert "RQTH" in edit_page
    # Managers never see health information, consent or not.
    for manager in ("adoma_manager", "adelis_manager"):
        assert not _shows_health(client, cast[manager], resident)

    health = Consent.objects.get(
        resident=resident,
        scope=ConsentScope.HEALTH,
        recipient_organisation=cast["coach"].organisation,
    )
    client.force_login(cast["officer"])
    client.post(reverse("residents:consent_withdraw", args=[resident.pk, health.pk]))
    assert not _shows_health(client, cast["coach"], resident)


def test_history_hides_health_changes_from_the_coach_without_consent(client, world):
    cast, resident = world.cast, world.shared.resident
    services.resident_update(resident=resident, by=cast["officer"], data={"rqth": True})
    services.resident_update(resident=resident, by=cast["officer"], data={"housing_unit": "C3"})
    url = reverse("residents:history", args=[resident.pk])

    client.force_login(cast["officer"])
    body = client.get(url).content.decode()
    assert "RQTH" in body and "C3" in body

    client.force_login(cast["coach"])
    body = client.get(url).content.decode()
    assert "RQTH" not in body and "C3" in body


def test_rqth_filter_is_empty_for_those_who_may_not_see_health(client, world):
    Resident.objects.filter(pk=world.shared.resident.pk).update(rqth=True)
    client.force_login(world.cast["coach"])
    response = client.get(reverse("residents:list"), {"benefit": "rqth"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    client.force_login(world.cast["officer"])
    response = client.get(reverse("residents:list"), {"benefit": "rqth"})
    assert response.context["page"].paginator.count == 1


# --- The access log --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "name", "action", "page"),
    [
        ("officer", "residents:detail", AccessAction.READ, "residents:detail"),
        ("coach", "residents:detail", AccessAction.READ, "residents:detail"),
        ("adoma_manager", "residents:detail", AccessAction.READ, "residents:detail"),
        ("adelis_manager", "residents:detail", AccessAction.READ, "residents:detail"),
        ("officer", "residents:history", AccessAction.HISTORY, "residents:history"),
        ("coach", "residents:history", AccessAction.HISTORY, "residents:history"),
    ],
)
def test_each_file_read_writes_one_access_log_row(client, world, member, name, action, page):
    user, resident = world.cast[member], world.shared.resident
    client.force_login(user)
    before = set(AccessLog.objects.values_list("pk", flat=True))

    assert client.get(reverse(name, args=[resident.pk])).status_code == 200

    rows = AccessLog.objects.exclude(pk__in=before)
    assert [(r.user, r.action, r.resident_id, r.page) for r in rows] == [
        (user, action, resident.pk, page)
    ]


@pytest.mark.parametrize(
    ("member", "count"), [("officer", 2), ("adoma_manager", 2), ("adelis_manager", 1)]
)
def test_each_export_writes_one_access_log_row(client, world, member, count):
    user = world.cast[member]
    client.force_login(user)
    before = set(AccessLog.objects.values_list("pk", flat=True))

    response = client.get(reverse("residents:export"))
    b"".join(response.streaming_content)

    rows = AccessLog.objects.exclude(pk__in=before)
    assert [(r.user, r.action, r.resident_id, r.count) for r in rows] == [
        (user, AccessAction.LIST_EXPORT, None, count)
    ]


def test_a_refused_form_on_the_file_logs_the_read_of_the_file_shown(client, world):
    # The file is shown again beside the refused form: that is a read, logged as one.
    officer, resident = world.cast["officer"], world.shared.resident
    client.force_login(officer)
    before = set(AccessLog.objects.values_list("pk", flat=True))
    response = client.post(reverse("residents:note_add", args=[resident.pk]), {"body": ""})
    assert response.status_code == 200
    rows = AccessLog.objects.exclude(pk__in=before)
    assert [(r.user, r.action, r.resident_id) for r in rows] == [
        (officer, AccessAction.READ, resident.pk)
    ]


def test_access_log_refuses_update_and_delete_of_a_fresh_row(officer):
    row = AccessLog.objects.create(
        user=officer, action=AccessAction.READ, page="residents:detail", resident_id=1
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(page="autre")
    with pytest.raises(DatabaseError), transaction.atomic():
        row.page = "autre"
        row.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.get(pk=row.pk).delete()
    fresh = AccessLog.objects.get(pk=row.pk)
    assert (fresh.page, fresh.resident_id) == ("residents:detail", 1)


def test_access_log_rows_past_retention_can_be_purged(officer):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_accesslog (user_id, at, action, resident_id, page, count) "
            "VALUES (%s, now() - interval '13 months', 'read', 1, 'residents:detail', 1) "
            "RETURNING id",
            [officer.pk],
        )
        (old_pk,) = cursor.fetchone()
    AccessLog.objects.filter(pk=old_pk).delete()
    assert not AccessLog.objects.filter(pk=old_pk).exists()
    # ... but even an old row cannot be rewritten.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_accesslog (user_id, at, action, resident_id, page, count) "
            "VALUES (%s, now() - interval '13 months', 'read', 1, 'residents:detail', 1) "
            "RETURNING id",
            [officer.pk],
        )
        (old_pk,) = cursor.fetchone()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=old_pk).update(page="autre")


# Officers and the Adoma manager read the open openings of their territory, not the filled or
# cancelled ones (the coach's record of her work).
@pytest.mark.parametrize(
    ("member", "status"), [(m, 200 if m in ("coach", "adelis_manager") else 404) for m in MEMBERS]
)
def test_officers_see_open_openings_only(client, world, member, status):
    client.force_login(world.cast[member])
    response = client.get(reverse("employers:opening", kwargs={"pk": world.network.filled.pk}))
    assert response.status_code == status
    listed = client.get(reverse("employers:openings"), {"status": "filled"})
    if listed.status_code == 200:
        assert (world.network.filled.get_absolute_url() in listed.text) == (status == 200)
