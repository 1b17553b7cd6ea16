"""The third step: the IOD accompaniment, run when the rows of VERSION are not there, after
the residents and the employers, whose ids it reads. Each coach accompanies the first
`open_per_coach` of her accompanied or employed residents (the ceiling of intensive support;
the others keep the coach the residents' step set, without an accompaniment) and has closed
the accompaniments of the others she had: those who exited, and those who came back to
"identified" after a job. Each accompaniment has its orientation, the person's wishes, contacts
(6 to 18 for an open one), introductions to openings of the coach's territory (an open one
`introductions_per_open`, at most one in progress per opening: one candidate at a time) with
their steps, and a hire with its follow-ups for each contract of each job the person's stage
changes went through (a job is 1 to 3 contracts: temporary missions, a renewed CDD); only an
employed person's last hire is still running. Orientations wait for an answer, or were
declined, for a few engaged residents of each territory. The coach's reminders (next steps,
follow-ups, interviews, situation after the exit) are written as the services would. Rows are
built in Python and sent with COPY; the history triggers stay off."""

import datetime
import random

from dateutil.relativedelta import relativedelta
from psycopg.types.json import Jsonb

from employers.enums import OpeningStatus
from employment.enums import (
    CoachChannel,
    ContactWith,
    DeclinedReason,
    FollowUpWith,
    IntroductionStatus,
    Milestone,
    NotRetainedReason,
    OrientationStatus,
    PlacementEndReason,
    PostExitSituation,
)
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
from o2r.reminders.models import Reminder
from o2r.reminders.services import reminder_key
from residents.enums import ExitReason, Stage

from .employers import EMPLOYER_SECTORS
from .scale import ADELIS, Generation, Scale
from .writing import (
    Timer,
    comment,
    copy_rows,
    drop_foreign_keys,
    finish_step,
    triggers_off,
    truncate,
)

VERSION = "o2r-bench-employment 3"
CONTACTS_PER_CLOSED = 5
# How many contracts one job of a person's path stands for: weight.
CONTRACTS_PER_JOB = {1: 45, 2: 30, 3: 25}

TABLES = {
    "orientations": Orientation,
    "accompagnements": Accompaniment,
    "souhaits": JobWishes,
    "contacts emploi": CoachContact,
    "mises en relation": Introduction,
    "étapes": IntroductionStep,
    "embauches": Placement,
    "suivis": FollowUp,
}
# Owners of the reminders the employment services write (o2r.reminders.services.reminder_key).
REMINDER_OWNERS = ["orientation", "accompaniment", "coach_contact", "introduction",
                              "follow_up"]  # fmt: skip

ORIENTATION_REASONS = [
    "Veut travailler rapidement, dans la propreté ou la logistique ; disponible le matin.",
    "Cherche un emploi stable à temps plein ; a de l'expérience sur les chantiers.",
    "Souhaite reprendre un emploi après une longue interruption ; motivée, à accompagner.",
    "Demande d'aide pour trouver un travail compatible avec la garde de ses enfants.",
    "A travaillé en cuisine dans son pays ; veut un poste en restauration collective.",
]
DECLINE_REASONS = [
    "Suit un cours de français intensif le matin jusqu'à l'été : à réorienter ensuite.",
    "Soins en cours : la personne ne souhaite pas de rencontres avant la fin du traitement.",
    "Portefeuille complet ce mois-ci : nous proposons de reprendre l'orientation en janvier.",
]
COACH_SUMMARIES = {
    ContactWith.PERSON: [
        "Point sur la recherche : deux offres regardées ensemble.",
        "Préparation de la rencontre avec l'employeur : trajet, tenue, questions.",
        "Retour sur la semaine de travail ; tout se passe bien.",
        "Appel : confirme sa présence au rendez-vous de jeudi.",
        "A manqué le rendez-vous ; message laissé.",
        "Mise à jour des souhaits : accepte maintenant les horaires du matin.",
    ],
    ContactWith.EMPLOYER: [
        "Point avec la responsable : besoins de la rentrée, pas de CV demandé.",
        "Retour de l'employeur après la rencontre sur le lieu de travail.",
        "Appel au chef d'équipe : planning des premiers jours.",
    ],
    ContactWith.BOTH: [
        "Rencontre sur le lieu de travail avec le chef d'équipe.",
        "Visite pendant la période d'essai : les tâches sont claires.",
    ],
}
CONFIDENTIAL_SUMMARIES = [
    "Difficultés de logement évoquées ; à ne pas partager avec l'employeur.",
    "Rendez-vous médical prévu ; disponibilités réduites ce mois-ci.",
]
NEXT_STEPS = [
    "Rappeler après la rencontre", "Préparer la rencontre sur le lieu de travail",
    "Faire le point sur les offres", "Relancer l'employeur",
]  # fmt: skip
ONBOARDING = (
    "Accueil sécurité le premier matin ; une semaine en binôme.",
    "Tâches simples d'abord, puis le poste complet.",
    "Horaires de l'équipe du matin.",
    "Le chef d'équipe",
)
PLACEMENT_END_REASONS = [
    PlacementEndReason.TRIAL_EMPLOYER, PlacementEndReason.TRIAL_EMPLOYEE,
    PlacementEndReason.RESIGNATION, PlacementEndReason.MISSION_ENDED,
]  # fmt: skip
CLOSED_EXITS = [
    ExitReason.TRAINING, ExitReason.HANDOVER, ExitReason.MOVED_OUT, ExitReason.DECLINED,
    ExitReason.LOST_CONTACT, ExitReason.HEALTH,
]  # fmt: skip
MILESTONE_DELTAS = {
    Milestone.D7: relativedelta(days=7),
    Milestone.M1: relativedelta(months=1),
    Milestone.M3: relativedelta(months=3),
    Milestone.M6: relativedelta(months=6),
}
MILESTONE_LABELS = dict(Milestone.choices)
# Plain strings, looked up once: the row builder runs them half a million times.
PROPOSED, ACCEPTED, SCHEDULED, HELD, HIRED, NOT_RETAINED, DECLINED = (
    str(status) for status in (
        IntroductionStatus.PROPOSED, IntroductionStatus.ACCEPTED,
        IntroductionStatus.INTERVIEW_SCHEDULED, IntroductionStatus.INTERVIEW_HELD,
        IntroductionStatus.HIRED, IntroductionStatus.NOT_RETAINED, IntroductionStatus.DECLINED,
    )
)  # fmt: skip
IN_PROGRESS_STATUSES = frozenset({PROPOSED, ACCEPTED, SCHEDULED, HELD})
# The steps an introduction went through to reach each status (INTRODUCTION_MOVES).
INTRODUCTION_PATHS = {
    PROPOSED: [[PROPOSED]],
    ACCEPTED: [[PROPOSED, ACCEPTED]],
    SCHEDULED: [[PROPOSED, ACCEPTED, SCHEDULED]],
    HELD: [[PROPOSED, ACCEPTED, SCHEDULED, HELD]],
    HIRED: [[PROPOSED, ACCEPTED, SCHEDULED, HELD, HIRED]],
    NOT_RETAINED: [[PROPOSED, ACCEPTED, SCHEDULED, NOT_RETAINED],
                   [PROPOSED, ACCEPTED, SCHEDULED, HELD, NOT_RETAINED]],
    DECLINED: [[PROPOSED, DECLINED], [PROPOSED, ACCEPTED, DECLINED]],
}  # fmt: skip
NOT_RETAINED_REASONS = NotRetainedReason.values
DECLINED_REASONS = DeclinedReason.values
FOLLOW_UP_WITH = FollowUpWith.values
POST_EXIT_SITUATIONS = PostExitSituation.values
WITH_PERSON, WITH_EMPLOYER, WITH_BOTH = (str(c) for c in ContactWith)
CONTACT_WITH = [WITH_PERSON, WITH_EMPLOYER, WITH_BOTH]
CHANNELS = [str(c) for c in (CoachChannel.MEETING, CoachChannel.PHONE, CoachChannel.PHONE,
                             CoachChannel.MESSAGE)]  # fmt: skip
WORKPLACE = str(CoachChannel.WORKPLACE)
OPEN, CANCELLED = str(OpeningStatus.OPEN), str(OpeningStatus.CANCELLED)

ORIENTATION_COLUMNS = [
    "id", "resident_id", "organisation_id", "coach_id", "reason", "oriented_by_id",
    "oriented_at", "status", "answered_by_id", "answered_at", "decline_reason",
]  # fmt: skip
ACCOMPANIMENT_COLUMNS = [
    "id", "resident_id", "orientation_id", "coach_id", "organisation_id", "residence_id",
    "started_on", "ended_on", "exit_reason", "exit_notes", "ended_by_id", "post_exit_situation",
    "post_exit_recorded_on",
]  # fmt: skip
WISHES_COLUMNS = [
    "resident_id", "wanted_rome", "wanted_titles", "wanted_sectors", "not_wanted", "hours_min",
    "hours_max", "available_days", "schedules_ok", "transport", "max_commute_minutes",
    "reachable_cities", "childcare", "languages", "experience", "updated_by_id", "updated_at",
]  # fmt: skip
COACH_CONTACT_COLUMNS = [
    "id", "accompaniment_id", "resident_id", "with_whom", "employer_id", "channel", "at",
    "summary", "confidential", "next_step", "next_step_on", "by_id", "author_organisation_id",
]  # fmt: skip
INTRODUCTION_COLUMNS = [
    "id", "accompaniment_id", "resident_id", "opening_id", "status", "proposed_at",
    "proposed_by_id", "match_reasons", "interview_at", "interview_place", "interview_contact",
    "interview_held_on", "not_retained_reason", "declined_reason", "outcome_notes", "ended_at",
    "updated_at",
]  # fmt: skip
STEP_COLUMNS = ["introduction_id", "status", "at", "by_id", "detail"]
PLACEMENT_COLUMNS = [
    "id", "resident_id", "accompaniment_id", "employer_id", "opening_id", "introduction_id",
    "job_title", "contract_type", "start_on", "end_on", "weekly_hours", "trial_period_end_on",
    "onboarding_first_days", "onboarding_tasks", "onboarding_rhythm", "onboarding_helper",
    "residence_id", "coach_id", "organisation_id", "ended_on", "end_reason", "end_notes",
    "created_by_id", "created_at", "sex",
]  # fmt: skip
FOLLOW_UP_COLUMNS = [
    "id", "placement_id", "milestone", "due_on", "done_on", "with_whom", "still_employed",
    "notes", "issues", "done_by_id", "cancelled_on",
]  # fmt: skip
REMINDER_COLUMNS = [
    "kind", "assignee_id", "resident_id", "employer_id", "title", "due_at", "done_at",
    "dedup_key", "source", "created_at",
]  # fmt: skip


def ready(cursor, scale: Scale) -> bool:
    """True when the rows of VERSION are there (written in one transaction, with the comment
    last) and the bench coach's caseload is the one measured."""
    if comment(cursor, Accompaniment) != VERSION:
        return False
    cursor.execute(
        "SELECT count(*) FILTER (WHERE a.ended_on IS NULL), "
        "(SELECT count(*) FROM employment_introduction i JOIN employment_accompaniment o "
        "ON o.id = i.accompaniment_id WHERE o.coach_id = %s AND o.ended_on IS NULL) "
        "FROM employment_accompaniment a WHERE a.coach_id = %s",
        [scale.bench_coach_id, scale.bench_coach_id],
    )
    return cursor.fetchone() == (scale.open_per_coach, scale.introductions_per_coach)


def clear(cursor):
    """Empties the employment tables, their history and their reminders (before the employers
    they point at are rewritten, or before generate writes them again)."""
    truncate(cursor, TABLES.values(), REMINDER_OWNERS, Accompaniment)


def generate(cursor, gen: Generation, *, log):
    """Replaces the employment rows through `cursor`; the caller holds the transaction and has
    checked the database. Returns {part: seconds}."""
    rng = random.Random(gen.seed + 2)
    timer = Timer(log)
    clear(cursor)
    tracked = triggers_off(cursor, TABLES.values())
    foreign_keys = drop_foreign_keys(cursor, TABLES.values())
    built = {}
    timer.part(
        "lignes construites",
        lambda: built.update(_EmploymentRows(gen, rng, sources(cursor)).build()) or len(built),
        "tables",
    )
    for label, model, columns, key in (
        ("orientations", Orientation, ORIENTATION_COLUMNS, "orientations"),
        ("accompagnements", Accompaniment, ACCOMPANIMENT_COLUMNS, "accompaniments"),
        ("souhaits", JobWishes, WISHES_COLUMNS, "wishes"),
        ("contacts emploi", CoachContact, COACH_CONTACT_COLUMNS, "contacts"),
        ("mises en relation", Introduction, INTRODUCTION_COLUMNS, "introductions"),
        ("étapes", IntroductionStep, STEP_COLUMNS, "steps"),
        ("embauches", Placement, PLACEMENT_COLUMNS, "placements"),
        ("suivis", FollowUp, FOLLOW_UP_COLUMNS, "follow_ups"),
        ("rappels", Reminder, REMINDER_COLUMNS, "reminders"),
    ):
        timer.rows(label, lambda m=model, c=columns, k=key: copy_rows(cursor, m, c, built[k]))
    built.clear()
    return finish_step(
        cursor,
        timer,
        foreign_keys=foreign_keys,
        sequences=TABLES.values(),
        tracked=tracked,
        marked=Accompaniment,
        version=VERSION,
    )


def sources(cursor):
    """What the employment rows are drawn from: the residents with a coach or engaged (with
    the day their sharing consent was given, their sex and how many times they went to
    "employed"), and the openings of each territory."""
    cursor.execute(
        "SELECT r.id, r.residence_id, r.stage, r.job_coach_id, r.preferred_language, "
        "c.given_on, r.sex, (SELECT count(*) FROM residents_stagechange s "
        "WHERE s.resident_id = r.id AND s.to_stage = %s) AS jobs "
        "FROM residents_resident r "
        "JOIN residents_consent c ON c.resident_id = r.id "
        "AND c.scope = 'sharing' AND c.recipient_organisation_id = %s "
        "AND c.withdrawn_on IS NULL "
        "WHERE r.job_coach_id IS NOT NULL OR r.stage = %s ORDER BY r.id",
        [Stage.EMPLOYED, ADELIS, Stage.ENGAGED],
    )
    residents = cursor.fetchall()
    cursor.execute(
        "SELECT o.id, e.territory, o.status, o.opened_on, o.closed_on, o.rome_id, o.title, "
        "o.employer_id, o.contract_type, o.duration_months, o.weekly_hours, e.city, e.address "
        "FROM employers_jobopening o JOIN employers_employer e ON e.id = o.employer_id "
        "ORDER BY o.id"
    )
    openings = {}
    for row in cursor.fetchall():
        openings.setdefault(row[1], []).append(row)
    return {"residents": residents, "openings": openings}


class _EmploymentRows:
    """The rows of generate, built in memory: {key: [tuple in COLUMNS order]}."""

    def __init__(self, gen, rng, sources):
        self.scale, self.rng, self.now, self.today = gen.scale, rng, gen.now, gen.today
        self.sources = sources
        self.rows = {key: [] for key in (
            "orientations", "accompaniments", "wishes", "contacts", "introductions", "steps",
            "placements", "follow_ups", "reminders",
        )}  # fmt: skip
        self.ids = dict.fromkeys(
            ("orientation", "accompaniment", "contact", "introduction", "placement",
             "follow_up"), 0,
        )  # fmt: skip
        self.openings = {t: sources["openings"].get(name, []) for t, name in
                         enumerate(self.scale.territories)}  # fmt: skip
        # One candidate at a time: the open openings of each territory, each given once to an
        # introduction in progress.
        self.free = {}
        for t, openings in self.openings.items():
            free = [o for o in openings if o[2] == OPEN]
            rng.shuffle(free)
            self.free[t] = free
        self.employers = {t: sorted({o[7] for o in openings}) for t, openings in
                          self.openings.items()}  # fmt: skip
        # The person's sex, kept on her hire (the funder's women and men by contract).
        self.sexes = {row[0]: row[6] for row in sources["residents"]}

    def next_id(self, kind):
        self.ids[kind] += 1
        return self.ids[kind]

    def at(self, day, hour=10, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), datetime.UTC)

    def between(self, start, end):
        """A moment between two dates (start <= end), in working hours."""
        span = max((end - start).days, 0)
        day = start + datetime.timedelta(days=self.rng.randrange(span + 1))
        return self.at(day, self.rng.randrange(8, 17), self.rng.choice([0, 15, 30, 45]))

    def reminder(self, key, *, title, due_at, assignee, resident, employer=None, done_at=None,
                 kind="staff_task"):  # fmt: skip
        self.rows["reminders"].append((
            kind, assignee, resident, employer, title[:300], due_at, done_at, key, "automatic",
            min(due_at, self.now),
        ))  # fmt: skip

    def build(self):
        scale = self.scale
        by_coach = {}
        engaged = {}
        for row in self.sources["residents"]:
            _, residence_id, stage, coach, *_ = row
            if coach is not None:
                by_coach.setdefault(coach, []).append(row)
            elif stage == Stage.ENGAGED:
                engaged.setdefault(scale.territory_of(residence_id), []).append(row)
        for territory in range(len(scale.places)):
            for coach in scale.coaches_of(territory):
                people = by_coach.get(coach, [])
                current = [r for r in people if r[2] in (Stage.ACCOMPANIED, Stage.EMPLOYED)]
                for row in current[: scale.open_per_coach]:
                    self.accompaniment(row, coach, territory, open_=True)
                # Those who left the programme, and those back to "identified" after a job.
                for row in [r for r in people if r[2] in (Stage.EXITED, Stage.IDENTIFIED)]:
                    self.accompaniment(row, coach, territory, open_=False)
        for territory, rows in sorted(engaged.items()):
            coaches = scale.coaches_of(territory)
            for n, row in enumerate(rows[: scale.orientations_per_territory]):
                self.orientation_only(row, coaches[n % len(coaches)], declined=n % 2 == 1)
        return self.rows

    # --- One person ---------------------------------------------------------------------------

    def orientation_only(self, row, coach, *, declined):
        resident_id, residence_id, _, _, _, given_on, _, _ = row
        officer = self.scale.officer_of(residence_id)
        oriented = self.between(max(given_on, self.today - datetime.timedelta(days=20)),
                                self.today - datetime.timedelta(days=1))  # fmt: skip
        answered = oriented + datetime.timedelta(days=2) if declined else None
        self.rows["orientations"].append((
            self.next_id("orientation"), resident_id, ADELIS, None if declined else coach,
            self.rng.choice(ORIENTATION_REASONS), officer, oriented,
            OrientationStatus.DECLINED if declined else OrientationStatus.PENDING,
            coach if declined else None, answered,
            self.rng.choice(DECLINE_REASONS) if declined else "",
        ))  # fmt: skip
        if declined:
            orientation = self.ids["orientation"]
            self.reminder(
                reminder_key("orientation", orientation, "declined"),
                title=f"Orientation refusée par Adelis : {self.rows['orientations'][-1][-1]}",
                due_at=answered, assignee=officer, resident=resident_id,
            )  # fmt: skip

    def accompaniment(self, row, coach, territory, *, open_):
        rng, today = self.rng, self.today
        resident_id, residence_id, stage, _, language, given_on, _, jobs = row
        earliest = given_on + datetime.timedelta(days=5)
        if open_:
            started_on = today - datetime.timedelta(days=rng.randrange(20, 365))
            ended_on = None
        else:
            started_on = today - datetime.timedelta(days=rng.randrange(240, 900))
            ended_on = min(started_on + datetime.timedelta(days=rng.randrange(60, 400)),
                           today - datetime.timedelta(days=1))  # fmt: skip
        started_on = max(started_on, earliest)
        if ended_on is not None and ended_on <= started_on:
            ended_on = started_on + datetime.timedelta(days=1)
        last_day = ended_on or today
        orientation = self.next_id("orientation")
        oriented = self.at(started_on - datetime.timedelta(days=3), 15)
        self.rows["orientations"].append((
            orientation, resident_id, ADELIS, coach if rng.random() < 0.5 else None,
            rng.choice(ORIENTATION_REASONS), self.scale.officer_of(residence_id), oriented,
            OrientationStatus.ACCEPTED, coach, self.at(started_on, 11), "",
        ))  # fmt: skip
        accompaniment = self.next_id("accompaniment")
        exit_reason = post_exit = ""
        post_exit_on = None
        if ended_on is not None:
            exit_reason = rng.choice(CLOSED_EXITS)
            due = ended_on + relativedelta(months=6)
            if due <= today and rng.random() < 0.7:
                post_exit = rng.choice(POST_EXIT_SITUATIONS)
                post_exit_on = min(due + datetime.timedelta(days=rng.randrange(0, 30)), today)
            self.reminder(
                reminder_key("accompaniment", accompaniment, "post_exit"),
                title="Situation de la personne 6 mois après sa sortie : à relever",
                due_at=self.at(due, 9), assignee=coach, resident=resident_id,
                done_at=self.at(post_exit_on, 9) if post_exit_on else None,
            )  # fmt: skip
        self.rows["accompaniments"].append((
            accompaniment, resident_id, orientation, coach, ADELIS, residence_id, started_on,
            ended_on, exit_reason, "", coach if ended_on else None, post_exit, post_exit_on,
        ))  # fmt: skip
        wanted = self.wishes(resident_id, territory, language, coach, started_on)
        person = (accompaniment, resident_id, residence_id, coach, territory, started_on,
                  last_day)  # fmt: skip
        self.contacts(person, rng.randrange(6, 19) if open_ else CONTACTS_PER_CLOSED, open_)
        # The hires: each contract of each job of her path, ended but an employed person's
        # last one.
        contracts = sum(
            rng.choices(list(CONTRACTS_PER_JOB), list(CONTRACTS_PER_JOB.values()))[0]
            for _ in range(jobs)
        )
        hires = [True] * contracts  # ended
        if open_ and stage == Stage.EMPLOYED and hires:
            hires[-1] = False
        if open_:
            n = self.scale.introductions_per_open
        else:
            n = max(self.scale.introductions_per_closed, len(hires) + 1)
        self.introductions(person, n, wanted, open_=open_, hires=hires)

    def wishes(self, resident_id, territory, language, coach, started_on):
        rng = self.rng
        sectors = rng.sample(list(EMPLOYER_SECTORS), rng.choice([1, 1, 2]))
        codes = list(dict.fromkeys(
            o[5] for o in rng.sample(self.openings[territory], 12) if rng.random() < 0.3
        ))[:3] or [self.openings[territory][0][5]]  # fmt: skip
        cities = list(self.scale.cities(self.scale.territories[territory]))
        hours_min = rng.choice([None, 20, 24, 30, 35])
        self.rows["wishes"].append((
            resident_id, codes, "", sectors, rng.choice(["", "Pas de travail de nuit.",
                                                         "Pas de port de charges lourdes."]),
            hours_min, rng.choice([None, 35, 39]) if hours_min else None,
            rng.choice([["mon", "tue", "wed", "thu", "fri"],
                        ["mon", "tue", "wed", "thu", "fri", "sat"]]),
            rng.choice([[], ["early"], ["early", "split"], ["weekend", "split"]]),
            rng.choice([["public"], ["public", "walk"], ["bike", "public"], ["car"]]),
            rng.choice([None, 30, 45, 60]), rng.sample(cities, rng.randrange(1, len(cities) + 1)),
            rng.choice(["not_concerned", "not_concerned", "arranged", "needed"]),
            sorted({language, "fra"} - {""}), "Quelques années de travail dans son pays.", coach,
            self.at(started_on + datetime.timedelta(days=7), 14),
        ))  # fmt: skip
        return set(codes), set(sectors)

    def contacts(self, person, n, open_):
        rng = self.rng
        accompaniment, resident_id, _, coach, territory, started_on, last_day = person
        moments = sorted(self.between(started_on, last_day) for _ in range(n))
        moments = [min(m, self.now - datetime.timedelta(hours=1)) for m in moments]
        for index, at in enumerate(moments):
            with_whom = rng.choices(CONTACT_WITH, [70, 15, 15])[0]
            employer = (
                rng.choice(self.employers[territory]) if with_whom != WITH_PERSON else None
            )  # fmt: skip
            confidential = with_whom == WITH_PERSON and rng.random() < 0.1
            summary = rng.choice(
                CONFIDENTIAL_SUMMARIES if confidential else COACH_SUMMARIES[with_whom]
            )
            next_step, next_on = "", None
            if open_ and index == len(moments) - 1 and rng.random() < 0.6:
                next_step = rng.choice(NEXT_STEPS)
                next_on = self.today + datetime.timedelta(days=rng.randrange(1, 21))
            contact = self.next_id("contact")
            channel = WORKPLACE if with_whom == WITH_BOTH else rng.choice(CHANNELS)
            self.rows["contacts"].append((
                contact, accompaniment, resident_id, with_whom, employer, channel, at, summary,
                confidential, next_step, next_on, coach, ADELIS,
            ))  # fmt: skip
            if next_on:
                self.reminder(
                    reminder_key("coach_contact", contact), title=next_step,
                    due_at=self.at(next_on, 9), assignee=coach, resident=resident_id,
                    employer=employer,
                )  # fmt: skip

    def introductions(self, person, n, wanted, *, open_, hires):
        """`n` introductions: in progress (open accompaniments: 0 to 3, each on an opening of
        its own), one per hire (`hires`: whether each ended early), the rest ended (declined
        by the person, not retained). A hire with no opening in its window becomes one of
        the rest."""
        rng = self.rng
        territory = person[4]
        used = set()
        plan = []
        if open_:
            free = self.free[territory]
            for status in rng.sample([PROPOSED, ACCEPTED, SCHEDULED, HELD], rng.randrange(0, 4)):
                if free:
                    opening = free.pop()
                    used.add(opening[0])
                    plan.append((status, opening, None))
        plan += [(HIRED, None, ended) for ended in hires]
        while len(plan) < n:
            plan.append((rng.choice([DECLINED, NOT_RETAINED]), None, None))
        for status, opening, ended in plan:
            window = self.window(person, status, opening, used)
            if window is None and status == HIRED:
                status = rng.choice([DECLINED, NOT_RETAINED])
                window = self.window(person, status, opening, used)
            if window is None:
                continue
            candidate, start, end = window
            used.add(candidate[0])
            self.introduction(person, candidate, status, start, end, wanted, ended=ended)

    def window(self, person, status, opening, used):
        """(opening, first day, last day) of an introduction: `opening`, or one drawn from the
        territory's that the person was not introduced to (not cancelled, for a hire), open
        while she was accompanied (and three weeks ago at the latest, for a hire)."""
        rng = self.rng
        _, _, _, _, territory, started_on, last_day = person
        openings = self.openings[territory]
        for _ in range(100):
            candidate = opening or rng.choice(openings)
            if opening is None and (
                candidate[0] in used or (status == HIRED and candidate[2] == CANCELLED)
            ):
                continue
            start = max(started_on, candidate[3])
            end = min(last_day, candidate[4] or last_day)
            if status == HIRED:
                end = min(end, self.today - datetime.timedelta(days=21))
            if start <= end:
                return candidate, start, end
        return None

    def introduction(self, person, opening, status, start, end, wanted, *, ended):
        rng, now = self.rng, self.now
        accompaniment, resident_id, _, coach, _, _, _ = person
        introduction = self.next_id("introduction")
        opening_id, _, _, _, _, rome, title, employer = opening[:8]
        in_progress = status in IN_PROGRESS_STATUSES
        if in_progress:  # recent: proposed in the last weeks
            start = max(start, self.today - datetime.timedelta(days=45))
        proposed = self.between(start, end)
        proposed = min(proposed, now - datetime.timedelta(days=1))
        path = rng.choice(INTRODUCTION_PATHS[status])
        limit = now - datetime.timedelta(hours=2)
        moments = [proposed]
        for _ in path[1:]:
            moments.append(min(moments[-1] + datetime.timedelta(days=rng.randrange(1, 6)), limit))
        interview_at = held_on = ended_at = None
        not_retained = declined = ""
        if SCHEDULED in path:
            if status == SCHEDULED:
                interview_at = self.at(
                    self.today + datetime.timedelta(days=rng.randrange(1, 15)),
                    rng.randrange(9, 16),
                )
            else:
                interview_at = moments[3] if len(moments) > 3 else moments[-1]
        if HELD in path:
            held_on = moments[3].date()
        if status == NOT_RETAINED:
            not_retained = rng.choice(NOT_RETAINED_REASONS)
        if status == DECLINED:
            declined = rng.choice(DECLINED_REASONS)
        if not in_progress:
            ended_at = moments[-1]
        reasons = ["Métier souhaité" if rome in wanted[0] else "Secteur souhaité"]
        self.rows["introductions"].append((
            introduction, accompaniment, resident_id, opening_id, status, proposed, coach,
            Jsonb(reasons), interview_at,
            f"{opening[12]}, {opening[11]}" if interview_at else "",
            "Le responsable du site" if interview_at else "", held_on, not_retained, declined,
            "", ended_at, moments[-1],
        ))  # fmt: skip
        for step, at in zip(path, moments, strict=True):
            self.rows["steps"].append((introduction, step, at, coach, ""))
        if status == SCHEDULED:
            eve = (interview_at - datetime.timedelta(days=1)).date()
            self.reminder(
                reminder_key("introduction", introduction, "interview"),
                title=f"Rencontre sur le lieu de travail : {title}", due_at=self.at(eve, 8),
                assignee=coach, resident=resident_id, employer=employer,
            )  # fmt: skip
            self.reminder(
                reminder_key("introduction", introduction, "sms_eve"), kind="resident_message",
                title="Rappel : rendez-vous demain.", due_at=self.at(eve, 9), assignee=None,
                resident=resident_id,
            )  # fmt: skip
        if status == HIRED:
            self.placement(person, opening, introduction, moments[-1], ended=ended)

    def placement(self, person, opening, introduction, hired_at, *, ended):
        rng, today = self.rng, self.today
        accompaniment, resident_id, residence_id, coach, _, _, _ = person
        opening_id, _, _, _, _, _, title, employer, contract, months, hours = opening[:11]
        placement = self.next_id("placement")
        start_on = min(hired_at.date() + datetime.timedelta(days=rng.randrange(1, 10)), today)
        end_on = start_on + relativedelta(months=months, days=-1) if months else None
        if contract in ("cdd", "cddi", "apprenticeship") and end_on is None:
            end_on = start_on + relativedelta(months=6, days=-1)
        ended_on = end_reason = None
        if ended:
            ended_on = min(start_on + datetime.timedelta(days=rng.randrange(5, 90)), today)
            end_reason = rng.choice(PLACEMENT_END_REASONS)
        self.rows["placements"].append((
            placement, resident_id, accompaniment, employer, opening_id, introduction, title,
            contract, start_on, end_on, hours, start_on + relativedelta(months=1), *ONBOARDING,
            residence_id, coach, ADELIS, ended_on, end_reason or "",
            "Fin anticipée." if ended else "", coach, hired_at, self.sexes[resident_id],
        ))  # fmt: skip
        for milestone, delta in MILESTONE_DELTAS.items():
            follow_up = self.next_id("follow_up")
            due_on = start_on + delta
            done_on = with_whom = still = done_by = cancelled = None
            # Ended early: what was not done is cancelled (the day the end was recorded).
            if ended_on is not None and due_on > ended_on:
                cancelled = ended_on
            elif ended_on is not None or (
                due_on <= today - datetime.timedelta(days=10) and rng.random() < 0.9
            ):
                done_on = min(due_on + datetime.timedelta(days=rng.randrange(0, 8)),
                              ended_on or today)  # fmt: skip
                with_whom = rng.choice(FOLLOW_UP_WITH)
                still = rng.random() < 0.85 if milestone == Milestone.M6 else None
                done_by = coach
            self.rows["follow_ups"].append((
                follow_up, placement, milestone, due_on, done_on, with_whom or "", still,
                "Point fait." if done_on else "", "", done_by, cancelled,
            ))  # fmt: skip
            if cancelled is None:
                self.reminder(
                    reminder_key("follow_up", follow_up),
                    title=f"Suivi {MILESTONE_LABELS[milestone]} dans l'emploi : {title}",
                    due_at=self.at(due_on, 8), assignee=coach, resident=resident_id,
                    employer=employer, done_at=self.at(done_on, 10) if done_on else None,
                )  # fmt: skip
