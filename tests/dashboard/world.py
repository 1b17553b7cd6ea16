"""A known small world for the dashboard's tests: every row below feeds a figure the tests
compute by hand (test_figures.py says which). The year counted is 2025; "today" is
15 January 2026 (TODAY), so nothing depends on the wall clock.

Residences: Les Dervallières (in a QPV) and Malakoff, both in the managers' scope (Nantes
Métropole); Les Salines (Saint-Nazaire), outside it: its rows never count. Employment
organisations: Adelis (coaches Claire Moreau and Nadia Leroy) and Insertion Plus (coach Paul
Durand), whose job-side rows the Adelis manager never sees.

Times are 11:00 UTC (the same day in Paris all year, and whole days between two of them, so
the medians are exact), except two rows around midnight on New Year's Eve in Paris.

`populate(world, copy=n)` adds the same rows again for new people (the query-budget tests
build five copies); `residences=` and `employers=` move a copy elsewhere (out of scope).
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from employers.enums import ContractType, OpeningStatus, ProspectingKind, ProspectingOutcome
from employment.enums import IntroductionStatus, Milestone, PlacementEndReason, PostExitSituation
from employment.models import Accompaniment, FollowUp, Introduction, Placement
from o2r.accounts.enums import OrganisationKind, Role
from o2r.core.demo import TERRITORY
from o2r.sms.enums import OptOutScope, OptOutSource, SkipReason, SmsStatus
from o2r.sms.models import SmsOptOut
from outreach.enums import ActionKind, Channel, Outcome, ReferralSource, ReferralStatus
from outreach.models import Contact, OutreachAction, Referral
from residents.enums import ConsentMethod, ConsentScope, ExitReason, Sex, Stage
from residents.models import Consent, StageChange
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.employers.factories import EmployerFactory, JobOpeningFactory, ProspectingActionFactory
from tests.residents.factories import ResidentFactory
from tests.sms.factories import SmsMessageFactory

UTC = datetime.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D = datetime.date
TODAY = D(2026, 1, 15)
NOW = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=PARIS)

IDENTIFIED, ENGAGED, ACCOMPANIED = Stage.IDENTIFIED, Stage.ENGAGED, Stage.ACCOMPANIED
EMPLOYED, EXITED = Stage.EMPLOYED, Stage.EXITED
F, M, U = Sex.FEMALE, Sex.MALE, Sex.UNSPECIFIED


def at(year, month, day, hour=11):
    """A time of that day in UTC (11:00: the same day in Paris)."""
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    sex: str
    age: int | None  # on the days of her stage changes (kept on the rows)
    residence: str  # the residence of her rows: "in_qpv", "malakoff" or "salines"
    coach: str | None = None  # "coach_a", "coach_b", "coach_x"
    social_minimum: bool = False
    international_protection: bool = False
    health_barrier: bool = False
    rqth: bool = False
    invisible: bool = False
    moved_to: str | None = None  # where she lives today, if she moved after her rows


# People of the path (their stage changes are below) and of the accompaniments.
PEOPLE = {
    "amina": Person("Amina", "Diallo", F, 30, "in_qpv", "coach_a", social_minimum=True),
    "bakary": Person(
        "Bakary",
        "Traoré",
        M,
        50,
        "in_qpv",
        "coach_b",
        international_protection=True,
        invisible=True,
    ),
    # Moved to Saint-Nazaire since: still counted in Malakoff, never listed to the manager.
    "chloe": Person(
        "Chloé", "Martin", F, 22, "malakoff", health_barrier=True, rqth=True, moved_to="salines"
    ),
    "dmitri": Person(
        "Dmitri", "Kovalenko", M, 58, "malakoff", "coach_x", social_minimum=True, invisible=True
    ),
    "emma": Person("Emma", "Le Guen", F, None, "malakoff"),
    "farid": Person("Farid", "Benali", M, 40, "in_qpv", "coach_a"),
    "gloria": Person("Gloria", "Mendes", F, 35, "in_qpv", "coach_a", rqth=True),
    "ines": Person("Inès", "Rahimi", F, 45, "malakoff", invisible=True),
    "kofi": Person("Kofi", "Mensah", U, 60, "malakoff"),
    "nora": Person("Nora", "Haddad", F, 33, "in_qpv"),
    "hugo": Person("Hugo", "Lemaire", M, 27, "salines", "coach_a"),
    # Accompaniment only (no stage change in 2025).
    "lina": Person("Lina", "Petit", F, 41, "malakoff", "coach_b"),
    "omar": Person("Omar", "Sy", M, 38, "malakoff", "coach_b"),
    "paula": Person("Paula", "Costa", F, 29, "in_qpv", "coach_a"),
    "xavier": Person("Xavier", "Roux", M, 52, "in_qpv", "coach_x"),
    "sami": Person("Sami", "Ould", M, 31, "salines", "coach_a"),
    "theo": Person("Théo", "Blanc", M, 24, "in_qpv", "coach_a"),
}

# (from, to, when[, exit reason]); `from_stage_since` is the previous row's time.
STAGE_CHANGES = {
    "amina": [
        (None, IDENTIFIED, at(2025, 1, 10)),
        (IDENTIFIED, ENGAGED, at(2025, 2, 10)),  # 31 days identified
        (ENGAGED, ACCOMPANIED, at(2025, 3, 12)),  # 30 days engaged
        (ACCOMPANIED, EMPLOYED, at(2025, 4, 1)),  # 20 days accompanied
    ],
    "bakary": [
        (None, IDENTIFIED, at(2025, 1, 20)),
        (IDENTIFIED, ENGAGED, at(2025, 3, 21)),  # 60 days
        (ENGAGED, ACCOMPANIED, at(2025, 4, 10)),  # 20 days
        (ACCOMPANIED, EMPLOYED, at(2025, 5, 12)),  # 32 days
        (EMPLOYED, ACCOMPANIED, at(2025, 6, 30)),  # the job ended early: back in accompaniment
        (ACCOMPANIED, EXITED, at(2025, 9, 15), ExitReason.TRANSITIONAL_EMPLOYMENT),
    ],
    "chloe": [
        (None, IDENTIFIED, at(2025, 2, 5)),
        (IDENTIFIED, ENGAGED, at(2025, 4, 7)),  # 61 days
        (ENGAGED, EXITED, at(2025, 7, 1), ExitReason.HEALTH),
    ],
    "dmitri": [
        (None, IDENTIFIED, at(2024, 11, 15)),  # before the year
        (IDENTIFIED, ENGAGED, at(2025, 1, 15)),  # 61 days
        (ENGAGED, ACCOMPANIED, at(2025, 2, 14)),  # 30 days, with Insertion Plus
        (ACCOMPANIED, EMPLOYED, at(2025, 3, 3)),  # 17 days
    ],
    "emma": [
        (None, IDENTIFIED, at(2025, 3, 3)),
        (IDENTIFIED, EXITED, at(2025, 5, 5), ExitReason.HANDOVER),
    ],
    "farid": [
        (None, IDENTIFIED, at(2025, 6, 2)),
        (IDENTIFIED, ENGAGED, at(2025, 7, 1)),  # 29 days
        (ENGAGED, ACCOMPANIED, at(2025, 8, 1)),  # 31 days
        (ACCOMPANIED, EMPLOYED, at(2025, 9, 1)),  # 31 days
    ],
    "gloria": [
        (None, IDENTIFIED, at(2024, 9, 2)),
        (IDENTIFIED, ENGAGED, at(2024, 10, 1)),
        (ENGAGED, ACCOMPANIED, at(2024, 12, 1)),
        (ACCOMPANIED, EMPLOYED, at(2025, 2, 3)),  # 64 days
    ],
    "ines": [
        (None, IDENTIFIED, at(2025, 10, 1)),
        (IDENTIFIED, EXITED, at(2025, 11, 3), ExitReason.LOST_CONTACT),
    ],
    # 1 January 2025 at 00:30 in Paris is still 2024 in UTC: January 2025 all the same.
    "kofi": [(None, IDENTIFIED, datetime.datetime(2025, 1, 1, 0, 30, tzinfo=PARIS))],
    # 31 December 2024 at 23:30 in Paris, and an exit after the year: neither counts.
    "nora": [
        (None, IDENTIFIED, datetime.datetime(2024, 12, 31, 23, 30, tzinfo=PARIS)),
        (IDENTIFIED, EXITED, at(2026, 1, 5), ExitReason.MOVED_OUT),
    ],
    # Out of scope (Saint-Nazaire): never counts.
    "hugo": [
        (None, IDENTIFIED, at(2025, 1, 10)),
        (IDENTIFIED, ENGAGED, at(2025, 2, 10)),
        (ENGAGED, ACCOMPANIED, at(2025, 3, 1)),
        (ACCOMPANIED, EMPLOYED, at(2025, 4, 1)),
        (EMPLOYED, EXITED, at(2025, 10, 1), ExitReason.LOST_CONTACT),
    ],
}


@dataclass
class World:
    officer: object
    staff: object
    housing_manager: object
    employment_manager: object
    adelis: object
    insertion_plus: object
    coaches: dict
    residences: dict
    employers: dict
    # Copy 0's rows, by name, for the tests that look at one of them.
    people: dict = field(default_factory=dict)
    accompaniments: dict = field(default_factory=dict)
    placements: dict = field(default_factory=dict)

    @property
    def in_qpv(self):
        return self.residences["in_qpv"]

    @property
    def malakoff(self):
        return self.residences["malakoff"]

    @property
    def salines(self):
        return self.residences["salines"]


def build_world(
    *,
    officer,
    staff,
    coach,
    adoma_manager,
    adelis_manager,
    adelis,
    nantes_residences,
    other_territory_residence,
):
    """The cast of tests/conftest.py, two more coaches, the employers; then copy 0's rows."""
    in_qpv, malakoff = nantes_residences[:2]
    in_qpv.qpv = True
    in_qpv.save(update_fields=["qpv"])
    insertion_plus = OrganisationFactory(name="Insertion Plus", kind=OrganisationKind.EMPLOYMENT)
    coaches = {
        "coach_a": coach,  # Claire Moreau (Adelis)
        "coach_b": UserFactory(
            first_name="Nadia",
            last_name="Leroy",
            organisation=adelis,
            role=Role.JOB_COACH,
            territory=TERRITORY,
        ),
        "coach_x": UserFactory(
            first_name="Paul",
            last_name="Durand",
            organisation=insertion_plus,
            role=Role.JOB_COACH,
            territory=TERRITORY,
        ),
    }
    employers = {
        "fournil": EmployerFactory(name="Boulangerie Le Fournil d'Erdre", created_by=coach),
        "nettoyage": EmployerFactory(name="Nettoyage Atlantique Services", created_by=coach),
        "logistique": EmployerFactory(name="Logistique des Pays de Loire", created_by=coach),
        "estuaire": EmployerFactory(
            name="Chantiers de l'Estuaire",
            city="Saint-Nazaire",
            territory="Saint-Nazaire Agglo",
            created_by=coach,
        ),
    }
    world = World(
        officer=officer,
        staff=staff,
        housing_manager=adoma_manager,
        employment_manager=adelis_manager,
        adelis=adelis,
        insertion_plus=insertion_plus,
        coaches=coaches,
        residences={"in_qpv": in_qpv, "malakoff": malakoff, "salines": other_territory_residence},
        employers=employers,
    )
    populate(world, copy=0)
    return world


def populate(world, *, copy, residences=None, employers=None):
    """Copy `copy` of every row. `residences`: {"in_qpv": r, "malakoff": r} to put the copy
    elsewhere; `employers`: one employer for all its prospecting and openings."""
    where = {**world.residences, **(residences or {})}
    suffix = f" {copy}" if copy else ""
    officer, coaches = world.officer, world.coaches
    organisation_of = {
        "coach_a": world.adelis,
        "coach_b": world.adelis,
        "coach_x": world.insertion_plus,
    }

    # --- People and their path -----------------------------------------------------------
    people = {}
    for key, spec in PEOPLE.items():
        lives = where[spec.moved_to or spec.residence]
        people[key] = ResidentFactory(
            first_name=spec.first_name,
            last_name=spec.last_name + suffix,
            sex=spec.sex,
            residence=lives,
            stage=None,
            job_coach=coaches[spec.coach] if spec.coach else None,
            rqth=spec.rqth,
        )
        if spec.coach:
            Consent.objects.create(
                resident=people[key],
                scope=ConsentScope.SHARING,
                recipient_organisation=organisation_of[spec.coach],
                given_on=D(2024, 1, 1),
                method=ConsentMethod.SIGNED_FORM,
                recorded_by=officer,
            )
    for key, changes in STAGE_CHANGES.items():
        spec, since = PEOPLE[key], None
        for frm, to, when, *reason in changes:
            job = ACCOMPANIED in (frm, to) or EMPLOYED in (frm, to)
            coach = coaches[spec.coach] if job and spec.coach else None
            StageChange.objects.create(
                resident=people[key],
                from_stage=frm,
                to_stage=to,
                exit_reason=reason[0] if reason else "",
                changed_by=officer,
                changed_at=when,
                from_stage_since=since,
                residence=where[spec.residence],
                coach=coach,
                organisation=organisation_of[spec.coach] if coach else None,
                sex=spec.sex,
                age=spec.age,
                social_minimum=spec.social_minimum,
                international_protection=spec.international_protection,
                health_barrier=spec.health_barrier,
                rqth=spec.rqth,
                invisible=spec.invisible,
            )
            since = when

    _outreach(world, people, where, copy)
    _sms(world, people, where, copy)
    _employment(world, people, where, copy, employers)
    if copy == 0:
        world.people = people


def _outreach(world, people, where, copy):
    officer = world.officer
    in_qpv, malakoff, salines = where["in_qpv"], where["malakoff"], world.salines

    def action(kind, residence, when, unnamed=0):
        return OutreachAction.objects.create(
            kind=kind,
            residence=residence,
            started_at=when,
            unnamed_count=unnamed,
            created_by=officer,
        )

    def contact(who, residence, channel, outcome, when, in_action=None):
        Contact.objects.create(
            resident=people[who],
            residence=residence,
            channel=channel,
            outcome=outcome,
            at=when,
            action=in_action,
            by=officer,
        )

    hall = ActionKind.HALL_SESSION
    h1 = action(hall, in_qpv, at(2025, 1, 14), unnamed=3)
    action(hall, in_qpv, at(2025, 3, 11), unnamed=2)
    h3 = action(hall, in_qpv, at(2025, 6, 10))
    action(hall, in_qpv, at(2025, 9, 16), unnamed=1)
    h5 = action(hall, malakoff, at(2025, 2, 18), unnamed=4)
    h6 = action(hall, malakoff, at(2025, 10, 7))
    action(ActionKind.POSTER, in_qpv, at(2025, 4, 1))
    action(ActionKind.POSTER, malakoff, at(2025, 5, 1))
    # Out of scope: Saint-Nazaire, and December 2024.
    elsewhere = action(hall, salines, at(2025, 5, 20), unnamed=7)
    contact("hugo", salines, Channel.HALL, Outcome.INTERESTED, at(2025, 5, 20), elsewhere)
    before = action(hall, in_qpv, at(2024, 12, 10), unnamed=5)
    contact("amina", in_qpv, Channel.HALL, Outcome.INTERESTED, at(2024, 12, 10), before)

    # In the halls: Bakary twice in the same session (met once), Kofi at a closed door then
    # met at another session.
    contact("amina", in_qpv, Channel.HALL, Outcome.INTERESTED, at(2025, 1, 14), h1)
    contact("bakary", in_qpv, Channel.HALL, Outcome.NOT_NOW, at(2025, 1, 14), h1)
    contact("bakary", in_qpv, Channel.HALL, Outcome.INTERESTED, at(2025, 1, 14, 12), h1)
    contact("farid", in_qpv, Channel.HALL, Outcome.INTERESTED, at(2025, 6, 10), h3)
    contact("chloe", malakoff, Channel.HALL, Outcome.DECLINED, at(2025, 2, 18), h5)
    contact("kofi", malakoff, Channel.HALL, Outcome.NO_ANSWER, at(2025, 2, 18), h5)
    contact("ines", malakoff, Channel.HALL, Outcome.INTERESTED, at(2025, 10, 7), h6)
    contact("kofi", malakoff, Channel.HALL, Outcome.INTERESTED, at(2025, 10, 7), h6)
    # Outside the actions: a call without answer and a relay reach nobody (Dmitri).
    contact("amina", in_qpv, Channel.PHONE, Outcome.INTERESTED, at(2025, 2, 3))
    contact("bakary", in_qpv, Channel.PHONE, Outcome.NO_ANSWER, at(2025, 3, 1))
    contact("dmitri", malakoff, Channel.PHONE, Outcome.NO_ANSWER, at(2025, 1, 5))
    contact("dmitri", malakoff, Channel.RELAY, Outcome.INTERESTED, at(2025, 1, 6))
    contact("gloria", in_qpv, Channel.SMS, Outcome.REPLIED, at(2025, 5, 20))
    contact("chloe", malakoff, Channel.SMS, Outcome.REPLIED, at(2025, 6, 15))
    contact("emma", malakoff, Channel.VISIT, Outcome.APPOINTMENT_SET, at(2025, 3, 4))

    def referral(residence, source, filed, taken=None):
        Referral.objects.create(
            residence=residence,
            first_name="Awa",
            housing_unit="12",
            how_to_reach="Au 12",
            source=source,
            reason="Cherche du travail.",
            filed_by=world.staff,
            filed_at=filed,
            status=ReferralStatus.IN_PROGRESS if taken else ReferralStatus.NEW,
            taken_by=officer if taken else None,
            taken_at=taken,
        )

    manager, maintenance = ReferralSource.RESIDENCE_MANAGER, ReferralSource.MAINTENANCE_WORKER
    referral(in_qpv, manager, at(2025, 2, 1), at(2025, 2, 3))  # 2 days
    referral(in_qpv, manager, at(2025, 4, 1), at(2025, 4, 5))  # 4 days
    referral(in_qpv, manager, at(2025, 11, 20))
    referral(malakoff, maintenance, at(2025, 3, 1), at(2025, 3, 11))  # 10 days
    referral(malakoff, ReferralSource.NEIGHBOUR, at(2025, 12, 1))
    referral(salines, manager, at(2025, 5, 1), at(2025, 5, 2))  # out of scope
    referral(in_qpv, ReferralSource.SELF, at(2024, 12, 20), at(2025, 1, 2))  # filed in 2024


def _sms(world, people, where, copy):
    in_qpv, malakoff, salines = where["in_qpv"], where["malakoff"], world.salines

    def message(who, residence, status, when):
        SmsMessageFactory(
            resident=people[who],
            residence=residence,
            status=status,
            created_at=when,
            skip_reason=SkipReason.OPTED_OUT if status == SmsStatus.SKIPPED else "",
        )

    S = SmsStatus
    for day in (3, 4, 5):
        message("amina", in_qpv, S.DELIVERED, at(2025, 3, day))
    message("ines", malakoff, S.DELIVERED, at(2025, 4, 2))
    message("kofi", malakoff, S.DELIVERED, at(2025, 4, 2))
    message("bakary", in_qpv, S.SENT, at(2025, 6, 1))
    message("farid", in_qpv, S.FAILED, at(2025, 6, 1))
    message("gloria", in_qpv, S.UNKNOWN, at(2025, 6, 1))
    message("emma", malakoff, S.SKIPPED, at(2025, 7, 1))
    message("emma", malakoff, S.CANCELLED, at(2025, 7, 2))
    message("ines", malakoff, S.PENDING, at(2025, 12, 30))
    message("kofi", malakoff, S.SENDING, at(2025, 12, 31))
    message("hugo", salines, S.DELIVERED, at(2025, 3, 3))  # out of scope
    message("hugo", salines, S.DELIVERED, at(2025, 3, 4))  # out of scope
    message("amina", in_qpv, S.DELIVERED, at(2024, 12, 15))  # 2024

    def opt_out(n, residence, when):
        SmsOptOut.objects.create(
            phone=f"+3369{copy:03d}{n:04d}",
            scope=OptOutScope.ALL,
            source=OptOutSource.STOP_REPLY,
            residence=residence,
            created_at=when,
        )

    opt_out(1, in_qpv, at(2025, 3, 1))
    opt_out(2, malakoff, at(2025, 7, 1))
    opt_out(3, salines, at(2025, 4, 1))  # out of scope
    opt_out(4, in_qpv, at(2024, 11, 1))  # 2024


def _employment(world, people, where, copy, employers):
    coaches = world.coaches
    a, b, x = coaches["coach_a"], coaches["coach_b"], coaches["coach_x"]
    in_qpv, malakoff, salines = where["in_qpv"], where["malakoff"], world.salines
    e = {key: employers or employer for key, employer in world.employers.items()}
    e["estuaire"] = world.employers["estuaire"]

    # --- Prospecting and openings (by territory: Saint-Nazaire's never count) --------------
    def step(employer, by, kind, outcome, when):
        ProspectingActionFactory(employer=employer, by=by, kind=kind, outcome=outcome, at=when)

    K, R = ProspectingKind, ProspectingOutcome
    step(e["fournil"], a, K.VISIT, R.MET, at(2025, 1, 20))  # a meeting
    step(e["fournil"], a, K.CALL, R.CALL_BACK, at(2025, 2, 20))
    step(e["nettoyage"], a, K.VISIT, R.MEETING_SET, at(2025, 3, 5))  # not a meeting yet
    step(e["nettoyage"], a, K.EVENT, R.JOB_ANALYSED, at(2025, 4, 15))  # a meeting
    step(e["logistique"], b, K.CALL, R.NO_ANSWER, at(2025, 6, 10))
    step(e["logistique"], x, K.VISIT, R.MET, at(2025, 7, 10))  # Insertion Plus
    step(e["estuaire"], a, K.VISIT, R.MET, at(2025, 5, 5))  # Saint-Nazaire
    step(e["fournil"], a, K.VISIT, R.MET, at(2024, 11, 10))  # 2024

    def opening(employer, by, opened_on, *, positions=1, hidden=True, contract=ContractType.CDI):
        return JobOpeningFactory(
            employer=employer,
            created_by=by,
            opened_on=opened_on,
            positions=positions,
            hidden_market=hidden,
            contract_type=contract,
            duration_months=6 if contract == ContractType.CDD else None,
            status=OpeningStatus.OPEN,
        )

    o1 = opening(e["fournil"], a, D(2025, 3, 1), positions=2)
    o2 = opening(e["nettoyage"], a, D(2025, 4, 20), hidden=False, contract=ContractType.CDD)
    o3 = opening(e["logistique"], b, D(2025, 8, 1), contract=ContractType.CDD)
    o4 = opening(e["logistique"], x, D(2025, 2, 15), positions=3)  # Insertion Plus
    o_sn = opening(e["estuaire"], a, D(2025, 3, 1), positions=5)  # Saint-Nazaire
    o_old = opening(e["fournil"], a, D(2024, 11, 15))  # 2024

    # --- Accompaniments ------------------------------------------------------------------
    def accompany(who, coach, residence, started, ended=None, reason="", situation=""):
        return Accompaniment.objects.create(
            resident=people[who],
            coach=coach,
            organisation=coach.organisation,
            residence=residence,
            started_on=started,
            ended_on=ended,
            exit_reason=reason,
            post_exit_situation=situation,
        )

    S = PostExitSituation
    acc = {
        "amina": accompany("amina", a, in_qpv, D(2025, 3, 12)),
        "bakary": accompany(
            "bakary", b, in_qpv, D(2025, 4, 10), D(2025, 9, 15), "transitional_employment"
        ),
        "dmitri": accompany("dmitri", x, malakoff, D(2025, 2, 14)),
        "farid": accompany("farid", a, in_qpv, D(2025, 8, 1)),
        "gloria": accompany("gloria", a, in_qpv, D(2024, 12, 1)),
        "lina": accompany("lina", b, malakoff, D(2024, 6, 1)),
        "hugo": accompany("hugo", a, salines, D(2025, 3, 1), D(2025, 10, 1), "lost_contact"),
        # Ended between 1 July 2024 and 30 June 2025: six months after, in 2025.
        "omar": accompany(
            "omar",
            b,
            malakoff,
            D(2024, 1, 10),
            D(2024, 10, 15),
            "durable_employment",
            S.DURABLE_EMPLOYMENT,
        ),
        "paula": accompany("paula", a, in_qpv, D(2024, 3, 1), D(2024, 12, 20), "lost_contact"),
        "xavier": accompany(
            "xavier", x, in_qpv, D(2024, 2, 1), D(2024, 8, 1), "declined", S.JOB_SEEKING
        ),
        "sami": accompany(
            "sami", a, salines, D(2024, 1, 1), D(2024, 9, 1), "training", S.TRAINING
        ),  # Saint-Nazaire
        "theo": accompany(
            "theo", a, in_qpv, D(2024, 1, 1), D(2024, 6, 30), "training", S.TRAINING
        ),  # six months after: 30 December 2024, not in 2025
    }

    # --- Introductions -------------------------------------------------------------------
    def introduce(who, opening, proposed, status, held=None, **extra):
        Introduction.objects.create(
            accompaniment=acc[who],
            resident=people[who],
            opening=opening,
            status=status,
            proposed_at=proposed,
            proposed_by=acc[who].coach,
            interview_held_on=held,
            **extra,
        )

    St = IntroductionStatus
    introduce("amina", o1, at(2025, 3, 20), St.HIRED, D(2025, 3, 27))
    introduce("bakary", o2, at(2025, 4, 20), St.HIRED, D(2025, 5, 2))
    introduce("farid", o3, at(2025, 8, 10), St.HIRED, D(2025, 8, 20))
    introduce("farid", o2, at(2025, 8, 5), St.DECLINED, declined_reason="hours")
    introduce("dmitri", o4, at(2025, 2, 20), St.HIRED, D(2025, 2, 27))
    introduce("gloria", o_old, at(2024, 12, 10), St.HIRED, D(2025, 1, 8))  # proposed in 2024
    introduce("amina", o3, at(2025, 12, 20), St.INTERVIEW_SCHEDULED, interview_at=at(2026, 1, 8))
    introduce("hugo", o_sn, at(2025, 3, 10), St.HIRED, D(2025, 3, 20))  # Saint-Nazaire

    # --- Placements and their follow-ups --------------------------------------------------
    def hire(who, employer, opening, contract, start, hours, end=None, ended=None):
        person = people[who]
        return Placement.objects.create(
            resident=person,
            accompaniment=acc[who],
            employer=employer,
            opening=opening,
            job_title="Agent de propreté",
            contract_type=contract,
            start_on=start,
            end_on=end,
            weekly_hours=Decimal(hours),
            residence=acc[who].residence,
            coach=acc[who].coach,
            organisation=acc[who].organisation,
            sex=person.sex,
            created_by=acc[who].coach,
            ended_on=ended,
            end_reason=PlacementEndReason.TRIAL_EMPLOYER if ended else "",
        )

    C = ContractType
    placements = {
        "amina": hire("amina", e["fournil"], o1, C.CDI, D(2025, 4, 1), 35),
        "bakary": hire(
            "bakary",
            e["nettoyage"],
            o2,
            C.CDD,
            D(2025, 5, 12),
            24,
            end=D(2025, 8, 11),
            ended=D(2025, 6, 30),
        ),
        "dmitri": hire("dmitri", e["logistique"], o4, C.CDI, D(2025, 3, 3), 35),
        # Six months to the day (1 September to 28 February): durable.
        "farid": hire("farid", e["logistique"], o3, C.CDD, D(2025, 9, 1), 35, end=D(2026, 2, 28)),
        "gloria": hire("gloria", e["fournil"], o1, C.CDI, D(2025, 2, 3), 20),
        "lina": hire(
            "lina", e["nettoyage"], None, C.TEMP, D(2024, 9, 2), 35, end=D(2025, 3, 1)
        ),  # hired in 2024
        "hugo": hire("hugo", e["estuaire"], o_sn, C.CDI, D(2025, 4, 1), 35),  # Saint-Nazaire
    }

    def follow(who, milestone, due, done=None, still=None, cancelled=None):
        FollowUp.objects.create(
            placement=placements[who],
            milestone=milestone,
            due_on=due,
            done_on=done,
            with_whom="both" if done else "",
            still_employed=still,
            cancelled_on=cancelled,
        )

    Ms = Milestone
    # Amina: M1 late (19 days), M6 confirms she is still in the job; one more follow-up.
    follow("amina", Ms.D7, D(2025, 4, 8), D(2025, 4, 8), True)
    follow("amina", Ms.M1, D(2025, 5, 1), D(2025, 5, 20), True)
    follow("amina", Ms.M3, D(2025, 7, 1), D(2025, 7, 5), True)
    follow("amina", Ms.M6, D(2025, 10, 1), D(2025, 10, 3), True)
    follow("amina", Ms.OTHER, D(2025, 6, 15), D(2025, 6, 15), True)
    # Bakary: ended early on 30 June, his M3 and M6 cancelled.
    follow("bakary", Ms.D7, D(2025, 5, 19), D(2025, 5, 19), True)
    follow("bakary", Ms.M1, D(2025, 6, 12), D(2025, 6, 12), True)
    follow("bakary", Ms.M3, D(2025, 8, 12), cancelled=D(2025, 6, 30))
    follow("bakary", Ms.M6, D(2025, 11, 12), cancelled=D(2025, 6, 30))
    # Dmitri (Insertion Plus): all on time, M6 confirms.
    follow("dmitri", Ms.D7, D(2025, 3, 10), D(2025, 3, 10), True)
    follow("dmitri", Ms.M1, D(2025, 4, 3), D(2025, 4, 3), True)
    follow("dmitri", Ms.M3, D(2025, 6, 3), D(2025, 6, 3), True)
    follow("dmitri", Ms.M6, D(2025, 9, 3), D(2025, 9, 5), True)
    # Farid: D+7 late (12 days), M1 not done, M3 done without saying; M6 due in 2026.
    follow("farid", Ms.D7, D(2025, 9, 8), D(2025, 9, 20), True)
    follow("farid", Ms.M1, D(2025, 10, 1))
    follow("farid", Ms.M3, D(2025, 12, 1), D(2025, 12, 3), None)
    follow("farid", Ms.M6, D(2026, 3, 1))
    # Gloria: M3 late (9 days) and no longer in the job; M6 due and not done: unknown.
    follow("gloria", Ms.D7, D(2025, 2, 10), D(2025, 2, 10), True)
    follow("gloria", Ms.M1, D(2025, 3, 3), D(2025, 3, 3), True)
    follow("gloria", Ms.M3, D(2025, 5, 3), D(2025, 5, 12), False)
    follow("gloria", Ms.M6, D(2025, 8, 3))
    # Lina, hired in 2024: only her M6 falls in 2025 (late, 18 days).
    follow("lina", Ms.D7, D(2024, 9, 9), D(2024, 9, 9), True)
    follow("lina", Ms.M1, D(2024, 10, 2), D(2024, 10, 2), True)
    follow("lina", Ms.M3, D(2024, 12, 2), D(2024, 12, 2), True)
    follow("lina", Ms.M6, D(2025, 3, 2), D(2025, 3, 20), True)
    follow("hugo", Ms.D7, D(2025, 4, 8), D(2025, 4, 8), True)  # Saint-Nazaire

    if copy == 0:
        world.accompaniments = acc
        world.placements = placements
