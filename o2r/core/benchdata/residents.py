"""The first step: the organisations, users, residences and their memberships, and the
residents with their stage changes (each with the snapshot of her day the dashboards break
figures down by), 3 consents, 2 barriers, 5 notes and, for about a third, a social minimum.
Residents and their stage changes are built in Python (names, phones, valid paths) and sent
with COPY; consents and notes are fanned out in SQL."""

import calendar
import datetime
import functools
import random

from django.utils import timezone
from psycopg import sql

from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User
from residents.enums import (
    BarrierCode,
    BarrierStatus,
    Benefit,
    ExitReason,
    FranceTravailStatus,
    FrenchLevel,
    InternationalProtection,
    NationalityGroup,
    ResidenceKind,
    RightToWorkDocument,
    Sex,
    Stage,
)
from residents.models import (
    INVISIBLE_AFTER,
    Consent,
    Note,
    Residence,
    ResidenceMembership,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    StageChange,
)
from residents.normalise import fold, identity_key, search_text
from residents.services import PATH

from .names import ORIGINS, RESIDENCE_STEMS, STREETS, split
from .scale import (
    ADELIS,
    ADOMA,
    BENCH_MANAGER_EMAIL,
    BENCH_OFFICER_EMAIL,
    BENCH_OFFICER_ID,
    Generation,
    Scale,
)
from .writing import (
    Timer,
    comment,
    copy_rows,
    drop_foreign_keys,
    drop_indexes,
    finish_step,
    insert_select,
    restart_sequences,
    table,
    text_array,
    triggers_off,
)

# Stored as the comment of the residents table, with the scale and the seed: a generator
# change means new data.
VERSION = "o2r-bench-data 5"
CONSENTS_PER_RESIDENT = 3
BARRIERS_PER_RESIDENT = 2
NOTES_PER_RESIDENT = 5
# The share of residences in a priority neighbourhood (quartier prioritaire de la ville).
QPV_SHARE = 0.15

# Final stage: weight, [(weight, path)]. Each path is a valid walk of residents.services.PATH
# from "hors programme"; the mix gives about 4 stage changes per resident on average (none
# for residents outside the programme: no transition leads back there).
IDN, ENG, ACC, EMP, EXT = (
    Stage.IDENTIFIED,
    Stage.ENGAGED,
    Stage.ACCOMPANIED,
    Stage.EMPLOYED,
    Stage.EXITED,
)
STAGES = {
    None: (10, [(1, [])]),
    IDN: (15, [(2, [IDN]), (4, [IDN, ENG, EXT, IDN]), (4, [IDN, ENG, ACC, EMP, EXT, IDN])]),
    ENG: (15, [(5, [IDN, ENG]), (5, [IDN, ENG, EXT, IDN, ENG])]),
    ACC: (30, [(25, [IDN, ENG, ACC]), (75, [IDN, ENG, ACC, EMP, ACC])]),
    EMP: (15, [(2, [IDN, ENG, ACC, EMP]), (8, [IDN, ENG, ACC, EMP, ACC, EMP])]),
    EXT: (
        15,
        [
            (1, [IDN, EXT]),
            (2, [IDN, ENG, EXT]),
            (3, [IDN, ENG, ACC, EXT]),
            (4, [IDN, ENG, ACC, EMP, EXT]),
        ],
    ),
}
BACK_REASONS = {
    IDN: "Reprise de contact, souhaite reprendre l'accompagnement.",
    ACC: "Fin de contrat, retour en accompagnement.",
}

NOTES = [
    "Entretien individuel au bureau de la résidence : point sur la recherche d'emploi.",
    "Rendez-vous France Travail fixé le mois prochain ; viendra avec son CV.",
    "CV mis à jour ensemble, envoyé à deux employeurs du secteur de la propreté.",
    "Inscription à l'atelier numérique du jeudi pour créer une adresse e-mail.",
    "Appel : confirme sa présence à l'information collective de mardi.",
    "Absent au rendez-vous, message laissé sur le répondeur.",
    "Dossier de renouvellement du titre de séjour déposé en préfecture.",
    "Orientation vers le cours de français de l'association du quartier (niveau A2).",
    "Code de la route obtenu ; conduite à financer, demande d'aide en cours.",
    "Candidature envoyée pour un poste d'agent de propreté à temps partiel.",
    "Mission d'intérim de deux semaines en logistique signée.",
    "Rencontre avec la chargée de mission emploi : objectifs du mois fixés.",
    "Demande d'aide à la mobilité transmise au Département.",
    "Entretien d'embauche préparé ensemble (simulation).",
    "A repris contact après trois semaines sans nouvelles.",
    "Attestation employeur reçue et classée au dossier.",
    "Inscription à une formation pré-qualifiante en bâtiment, début le mois prochain.",
    "CDD de six mois signé dans la restauration collective.",
]
CONFIDENTIAL_NOTES = [
    "Difficultés familiales évoquées, à revoir au prochain entretien.",
    "Dette locative signalée, plan d'apurement en cours avec la résidence.",
    "Ne souhaite pas que son ancien employeur soit contacté.",
    "Rendez-vous médical prévu : disponibilités réduites ce mois-ci.",
]

TABLES = {
    "organisations": Organisation,
    "users": User,
    "residences": Residence,
    "memberships": ResidenceMembership,
    "residents": Resident,
    "consents": Consent,
    "barriers": ResidentBarrier,
    "benefits": ResidentBenefit,
    "stage changes": StageChange,
    "notes": Note,
}
# The tables of hundreds of thousands of rows: their indexes are built after the rows.
BULK_TABLES = [Resident, Consent, ResidentBarrier, StageChange, Note]


def expected(scale: Scale) -> dict[str, int]:
    """Rows of the generated data set by model; other parts of the bench add their own beside
    them (the SMS campaign's residence and its 10,000 recipients), so that these are
    minimums."""
    return {
        Residence: scale.residences,
        Resident: scale.residents,
        Consent: scale.residents * CONSENTS_PER_RESIDENT,
        ResidentBarrier: scale.residents * BARRIERS_PER_RESIDENT,
        Note: scale.residents * NOTES_PER_RESIDENT,
    }


# --- Reading -------------------------------------------------------------------------------


def ready(cursor, scale: Scale, seed: int) -> bool:
    """True when the data of this VERSION, scale and seed is there in full (it is written in
    one transaction, so counts suffice; the SMS campaign's recipients may have been added
    since) and its search_text is what residents.normalise computes today."""
    if comment(cursor, Resident) != version(scale, seed):
        return False
    for model, count in expected(scale).items():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table(model)))
        if cursor.fetchone()[0] < count:
            return False
    for email, count in (
        (BENCH_OFFICER_EMAIL, scale.residences_per_officer),
        (BENCH_MANAGER_EMAIL, scale.residences),
    ):
        cursor.execute(
            "SELECT count(*) FROM residents_residencemembership m JOIN accounts_user u "
            "ON u.id = m.user_id WHERE u.email = %s",
            [email],
        )
        if cursor.fetchone()[0] != count:
            return False
    # residents.normalise may have changed since the data was written.
    _, bad = search_text_mismatches(cursor, scale, sample=200)
    return not bad


def version(scale: Scale, seed: int) -> str:
    return f"{VERSION} ({scale.name}, graine {seed})"


def search_text_mismatches(cursor, scale: Scale, sample=2000):
    """Generated residents of a random sample whose stored search_text differs from what
    residents.normalise.search_text computes (the SMS campaign's recipients, written by
    bench_sms, are not this data's)."""
    cursor.execute(
        # A sample spread over the ids (a page sample could be empty at the pilot's scale).
        "SELECT first_name, last_name, phone, search_text FROM residents_resident "
        "WHERE id <= %s ORDER BY md5(id::text) LIMIT %s",
        [scale.residents, sample],
    )
    rows = cursor.fetchall()
    bad = [
        row
        for row in rows
        if search_text(first_name=row[0], last_name=row[1], phone=row[2]) != row[3]
    ]
    return len(rows), bad


# --- Writing -------------------------------------------------------------------------------


def generate(cursor, gen: Generation, *, log):
    """Writes the organisations, users, residences and residents through `cursor`, into empty
    tables (the caller holds the transaction and has checked the database). Returns {part:
    seconds}."""
    rng = random.Random(gen.seed)
    timer = Timer(log)
    _check_paths()
    tracked = triggers_off(cursor, TABLES.values())
    foreign_keys = drop_foreign_keys(cursor, TABLES.values())
    indexes = drop_indexes(cursor, BULK_TABLES)
    restart_sequences(cursor, TABLES.values())
    timer.rows("organisations", lambda: _organisations(cursor))
    timer.rows("utilisateurs", lambda: _users(cursor, gen, rng))
    timer.rows("résidences", lambda: _residences(cursor, gen.scale, rng))
    timer.rows("rattachements", lambda: _memberships(cursor, gen))
    # Built with the residents, written after them.
    built = {"stage_changes": [], "barriers": [], "benefits": []}
    timer.rows(
        "résidents",
        lambda: copy_rows(cursor, Resident, RESIDENT_COLUMNS, _resident_rows(gen, rng, built)),
    )
    # Stage changes in time order, barriers in the order they were identified, as the
    # application would have written them.
    built["stage_changes"].sort(key=lambda row: row[6])
    built["barriers"].sort(key=lambda row: (row[3], row[0]))
    for label, model, columns, key in (
        ("changements", StageChange, STAGE_CHANGE_COLUMNS, "stage_changes"),
        ("freins", ResidentBarrier, BARRIER_COLUMNS, "barriers"),
        ("minima sociaux", ResidentBenefit, BENEFIT_COLUMNS, "benefits"),
    ):
        timer.rows(label, lambda m=model, c=columns, k=key: copy_rows(cursor, m, c, built[k]))
    built.clear()  # the memory of a few hundred thousand rows
    timer.rows("accords", lambda: _consents(cursor, gen.scale))
    timer.rows("notes", lambda: _notes(cursor, gen))
    return finish_step(
        cursor,
        timer,
        indexes=indexes,
        foreign_keys=foreign_keys,
        sequences=[Organisation, User, Residence, Resident],
        tracked=tracked,
        marked=Resident,
        version=version(gen.scale, gen.seed),
    )


def _check_paths():
    for _, paths in STAGES.values():
        for _, path in paths:
            for move in zip([None, *path], path, strict=False):
                if move not in PATH:
                    raise ValueError(f"Passage {move} absent de residents.services.PATH.")


def _organisations(cursor):
    return copy_rows(
        cursor, Organisation, ["id", "name", "kind"],
        [(ADOMA, "Adoma", OrganisationKind.HOUSING),
         (ADELIS, "Adelis — Médiation Emploi", OrganisationKind.EMPLOYMENT)],
    )  # fmt: skip


def _users(cursor, gen, rng):
    scale = gen.scale
    firsts = split(ORIGINS["france"][2]) + split(ORIGINS["maghreb"][2])
    lasts = split(ORIGINS["france"][1])
    rows = [(BENCH_OFFICER_ID, BENCH_OFFICER_EMAIL, "Nadia", "Lemaire", ADOMA,
             Role.INSERTION_OFFICER)]  # fmt: skip
    for user_id in range(2, scale.manager_id):
        officer = user_id < scale.first_coach
        domain = "adoma.bench" if officer else "adelis.bench"
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{fold(first).replace(' ', '-')}.{user_id}@{domain}"
        rows.append((
            user_id, email, first, last, ADOMA if officer else ADELIS,
            Role.INSERTION_OFFICER if officer else Role.JOB_COACH,
        ))  # fmt: skip
    rows.append((scale.manager_id, BENCH_MANAGER_EMAIL, "Claire", "Fontaine", ADOMA, Role.MANAGER))
    columns = ["id", "email", "first_name", "last_name", "organisation_id", "role"]
    # "!" starts an unusable password: nobody logs in to this data, the benchmark forces login.
    return copy_rows(
        cursor, User, [*columns, "password", "is_superuser", "is_staff", "is_active",
                       "date_joined"],
        [(*row, "!", False, False, True, gen.now) for row in rows],
    )  # fmt: skip


def _residences(cursor, scale, rng):
    stems = split(RESIDENCE_STEMS)
    per_territory = scale.residences_per_territory
    assert len(stems) >= per_territory
    rows = []
    for residence_id in range(1, scale.residences + 1):
        territory = scale.territories[scale.territory_of(residence_id)]
        kind, prefix, capacity = rng.choices(
            [(ResidenceKind.SOCIAL_RESIDENCE, "Résidence", rng.randrange(80, 260)),
             (ResidenceKind.WORKERS_HOSTEL, "Foyer", rng.randrange(150, 320)),
             (ResidenceKind.FAMILY_BOARDING_HOUSE, "Pension de famille", rng.randrange(18, 32))],
            weights=[70, 25, 5],
        )[0]  # fmt: skip
        rows.append((
            residence_id, f"{prefix} {stems[(residence_id - 1) % per_territory]}", kind,
            f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            rng.choice(scale.cities(territory)), territory, capacity, rng.random() < QPV_SHARE,
            True,
        ))  # fmt: skip
    columns = ["id", "name", "kind", "address", "city", "territory", "capacity", "qpv", "active"]
    return copy_rows(cursor, Residence, columns, rows)


def _memberships(cursor, gen):
    """Each residence's officer, and the manager on every residence."""
    scale = gen.scale
    rows = [
        (user_id, residence_id, gen.now)
        for residence_id in range(1, scale.residences + 1)
        for user_id in (scale.officer_of(residence_id), scale.manager_id)
    ]
    return copy_rows(cursor, ResidenceMembership, ["user_id", "residence_id", "created_at"], rows)


RESIDENT_COLUMNS = [
    "id", "first_name", "last_name", "birth_date", "sex", "phone", "phone_raw",
    "phone_is_mobile", "residence_id", "housing_unit", "moved_in_on", "moved_out_on",
    "preferred_language", "french_level", "nationality_group", "international_protection",
    "right_to_work_document", "right_to_work_expires_on", "identity_key", "version", "rqth",
    "france_travail_status", "france_travail_id", "last_referent_contact_on", "stage",
    "stage_changed_at", "insertion_officer_id", "job_coach_id", "search_text", "created_at",
    "updated_at", "created_by_id",
]  # fmt: skip
# The snapshot columns (from "from_stage_since" on) as resident_change_stage writes them.
STAGE_CHANGE_COLUMNS = [
    "resident_id", "from_stage", "to_stage", "exit_reason", "reason", "changed_by_id",
    "changed_at", "from_stage_since", "residence_id", "organisation_id", "coach_id", "sex",
    "age", "social_minimum", "international_protection", "health_barrier", "rqth", "invisible",
]  # fmt: skip
BARRIER_COLUMNS = ["resident_id", "code", "status", "identified_on", "lifted_on", "updated_at"]
BENEFIT_COLUMNS = ["resident_id", "benefit", "since"]
BARRIER_CODES = BarrierCode.values
BARRIER_STATUSES = [BarrierStatus.IDENTIFIED, BarrierStatus.BEING_ADDRESSED, BarrierStatus.LIFTED]
# benefit: weight, for the residents with a social minimum other than the asylum seekers'.
SOCIAL_MINIMA = {
    Benefit.RSA: 70,
    Benefit.RSA_MAJORE: 4,
    Benefit.ASS: 12,
    Benefit.AAH: 9,
    Benefit.ASPA: 5,
}
SOCIAL_MINIMA_CHOICES, SOCIAL_MINIMA_WEIGHTS = list(SOCIAL_MINIMA), list(SOCIAL_MINIMA.values())


def barriers_of(resident_id, moved_in_on):
    """The resident's two barriers, [(code, status, identified_on, lifted_on)]: distinct codes
    (the second 1 to 9 places after the first in the list), identified soon after she moved
    in; one in three lifted 150 days later."""
    codes = BARRIER_CODES
    first = resident_id * 7 % len(codes)
    second = (first + 1 + resident_id * 13 % 9) % len(codes)
    barriers = []
    for k, code in enumerate((first, second), start=1):
        identified_on = moved_in_on + datetime.timedelta(days=20 + k * 5)
        status = BARRIER_STATUSES[(resident_id + k) % 3]
        lifted_on = None
        if status == BarrierStatus.LIFTED:
            lifted_on = identified_on + datetime.timedelta(days=150)
        barriers.append((codes[code], status, identified_on, lifted_on))
    return barriers


def _benefits_drawn(rng, today, protection, stage, moved_in_on):
    """[(benefit, since)]: about a third of the residents receive a social minimum (nearly
    every asylum seeker the ADA), and some of the employed the prime d'activité, which is
    not one."""
    benefits = []
    if protection == InternationalProtection.ASYLUM_SEEKER and rng.random() < 0.9:
        benefits.append(Benefit.ADA)
    elif rng.random() < 0.3:
        benefits.append(rng.choices(SOCIAL_MINIMA_CHOICES, SOCIAL_MINIMA_WEIGHTS)[0])
    if stage == EMP and rng.random() < 0.4:
        benefits.append(Benefit.PRIME_ACTIVITE)
    return [
        (benefit, min(moved_in_on + datetime.timedelta(days=rng.randrange(-1500, 1500)), today))
        for benefit in benefits
    ]


@functools.cache
def _invisible_before(day):
    """Resident.is_invisible_on's cutoff: a last contact before it is too old on `day`."""
    return day - INVISIBLE_AFTER


def _age_on(birth_date, day):
    """Resident.age_on without a relativedelta per stage change (as relativedelta counts it,
    someone born on 29 February is a year older on 28 February of other years)."""
    birthday = (birth_date.month, birth_date.day)
    if birthday == (2, 29) and not calendar.isleap(day.year):
        birthday = (2, 28)
    return max(day.year - birth_date.year - ((day.month, day.day) < birthday), 0)


class _Snapshot:
    """What a stage change keeps of a generated person (Resident.snapshot), worked out once
    for all her changes; the dated parts (age, social minimum, health barrier, "invisible")
    are taken as they stood on the change's day."""

    def __init__(self, *, residence_id, coach, sex, birth_date, protection, rqth,
                 france_travail, last_contact, barriers, benefits):  # fmt: skip
        self.residence_id, self.coach, self.sex = residence_id, coach, sex
        self.birth_date, self.rqth, self.last_contact = birth_date, rqth, last_contact
        self.protected = protection not in ("", InternationalProtection.NONE)
        minima = [since for benefit, since in benefits if benefit != Benefit.PRIME_ACTIVITE]
        self.social_minimum_since = min(minima, default=None)
        # (identified, lifted) of her health barrier (codes are distinct), if she has one.
        self.health = next(
            ((start, end) for code, _, start, end in barriers if code == BarrierCode.HEALTH),
            None,
        )
        self.never_visible = (
            france_travail == FranceTravailStatus.NOT_REGISTERED or last_contact is None
        )

    def on(self, day, *, coached):
        """The snapshot columns, from "residence_id" on; `coached`: she has her coach (from
        the change to "accompanied" on)."""
        health, minimum = self.health, self.social_minimum_since
        return (
            self.residence_id,
            ADELIS if coached else None,
            self.coach if coached else None,
            self.sex,
            _age_on(self.birth_date, day),
            minimum is not None and minimum <= day,
            self.protected,
            health is not None and health[0] <= day and (health[1] is None or day < health[1]),
            self.rqth,
            self.never_visible or self.last_contact < _invisible_before(day),
        )


def _resident_rows(gen, rng, built):
    """Yields resident rows and appends their stage changes, barriers and benefits to
    `built`."""
    scale, now, today = gen.scale, gen.now, gen.today
    utc, eleven = datetime.UTC, datetime.time(11)
    local = timezone.get_current_timezone()
    origins = [
        (key, split(lasts), split(females), split(males), languages, groups)
        for key, (_, lasts, females, males, languages, groups) in ORIGINS.items()
    ]
    origin_weights = [weight for weight, *_ in ORIGINS.values()]
    stages = list(STAGES)
    stage_weights = [weight for weight, _ in STAGES.values()]
    move_start = datetime.date(2008, 1, 1)
    move_days = (today - datetime.timedelta(days=400) - move_start).days
    levels = [FrenchLevel.NONE, FrenchLevel.A1, FrenchLevel.A2, FrenchLevel.B1, FrenchLevel.B2,
              FrenchLevel.C1]  # fmt: skip
    exits = [ExitReason.DURABLE_EMPLOYMENT, ExitReason.TRANSITIONAL_EMPLOYMENT,
             ExitReason.TRAINING, ExitReason.MOVED_OUT, ExitReason.DECLINED,
             ExitReason.LOST_CONTACT, ExitReason.HEALTH]  # fmt: skip
    for resident_id in range(1, scale.residents + 1):
        key, lasts, females, males, languages, groups = rng.choices(origins, origin_weights)[0]
        last_name = lasts[int(len(lasts) * rng.random() ** 1.8)]
        sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.UNSPECIFIED], [45, 54, 1])[0]
        first_name = rng.choice(females if sex == Sex.FEMALE else males)
        if resident_id % 13 == 0:
            phone = phone_raw = ""
        else:
            if rng.random() < 0.8:
                phone = f"+3361{resident_id * 7919 % 10_000_000:07d}"
            else:
                phone = f"+3375{resident_id * 104_729 % 10_000_000:07d}"
            national = "0" + phone[3:]
            phone_raw = " ".join(national[i : i + 2] for i in range(0, 10, 2))
            if rng.random() < 0.3:
                phone_raw = national
        residence_id = scale.residence_of(resident_id)
        officer = scale.officer_of(residence_id)
        moved_in_on = move_start + datetime.timedelta(days=rng.randrange(move_days))

        stage = rng.choices(stages, stage_weights)[0]
        paths = STAGES[stage][1]
        path = rng.choices([p for _, p in paths], [w for w, _ in paths])[0]
        start = datetime.datetime.combine(moved_in_on, datetime.time(10), utc)
        start += datetime.timedelta(days=30)
        span = (now - start).total_seconds()
        moments = sorted(
            (start + datetime.timedelta(seconds=int(span * rng.random()))).replace(second=0)
            for _ in path
        )
        moved_out_on = None
        changes = []  # (from, to, exit reason, reason, at), their snapshot below
        previous = None
        for step, (to, moment) in enumerate(zip(path, moments, strict=True), start=1):
            exit_reason = reason = ""
            if to == EXT and step == len(path):
                exit_reason = rng.choice(exits)
                if exit_reason == ExitReason.MOVED_OUT:
                    moved_out_on = moment.date()
            elif to == EXT:
                exit_reason = rng.choice([ExitReason.LOST_CONTACT, ExitReason.DECLINED])
            elif (previous, to) in ((EXT, IDN), (EMP, ACC)):
                reason = BACK_REASONS[to]
            changes.append((previous, to, exit_reason, reason, moment))
            previous = to
        coach = scale.coach_of(resident_id, residence_id) if ACC in path else None

        if key == "france":
            level, group = FrenchLevel.NATIVE, NationalityGroup.FRENCH
        else:
            level = rng.choice(levels)
            group = NationalityGroup(rng.choice(groups))
        protection = InternationalProtection.NONE
        document, expires = RightToWorkDocument.NONE, None
        if group == NationalityGroup.NON_EU:
            if key in ("horn_of_africa", "afghanistan") or rng.random() < 0.05:
                protection = rng.choices(
                    [InternationalProtection.REFUGEE, InternationalProtection.SUBSIDIARY,
                     InternationalProtection.ASYLUM_SEEKER, InternationalProtection.NONE],
                    [55, 20, 10, 15],
                )[0]  # fmt: skip
            document = {
                InternationalProtection.REFUGEE: RightToWorkDocument.RESIDENT_CARD,
                InternationalProtection.SUBSIDIARY: RightToWorkDocument.MULTI_YEAR_PERMIT,
                InternationalProtection.ASYLUM_SEEKER: RightToWorkDocument.WORK_AUTHORISATION,
            }.get(protection) or rng.choice(
                [RightToWorkDocument.RESIDENT_CARD, RightToWorkDocument.MULTI_YEAR_PERMIT,
                 RightToWorkDocument.PROTECTION_CERTIFICATE, RightToWorkDocument.OTHER]
            )  # fmt: skip
            if document != RightToWorkDocument.RESIDENT_CARD:
                expires = today + datetime.timedelta(days=rng.randrange(-90, 1400))
        france_travail = rng.choices(
            [FranceTravailStatus.REGISTERED, FranceTravailStatus.NOT_REGISTERED,
             FranceTravailStatus.UNKNOWN], [60, 25, 15],
        )[0]  # fmt: skip
        france_travail_id, last_contact = "", None
        if france_travail == FranceTravailStatus.REGISTERED:
            if rng.random() < 0.8:
                france_travail_id = (
                    f"{rng.randrange(10**6, 10**7)}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
                    if rng.random() < 0.7
                    else f"{rng.randrange(10**10, 10**11)}"
                )
            last_contact = today - datetime.timedelta(days=rng.randrange(0, 330))
        # Adults when they moved in (18 to 55), so that the age kept on a stage change is one.
        birth_date = moved_in_on - datetime.timedelta(days=rng.randrange(18 * 365, 56 * 365))
        housing_unit = f"{rng.choice('ABCD')}{rng.randrange(5)}{rng.randrange(1, 40):02d}"
        language = rng.choice(languages)
        rqth = rng.random() < 0.04
        updated_at = now - datetime.timedelta(days=rng.randrange(0, 200))
        barriers = barriers_of(resident_id, moved_in_on)
        benefits = _benefits_drawn(rng, today, protection, stage, moved_in_on)
        person = _Snapshot(
            residence_id=residence_id, coach=coach, sex=sex, birth_date=birth_date,
            protection=protection, rqth=rqth, france_travail=france_travail,
            last_contact=last_contact, barriers=barriers, benefits=benefits,
        )  # fmt: skip
        since, coached = None, False
        for frm, to, exit_reason, reason, moment in changes:
            # The coach is hers from the change to "accompanied" on.
            coached = coached or (coach is not None and to == ACC)
            built["stage_changes"].append((
                resident_id, frm, to, exit_reason, reason, officer, moment, since,
                *person.on(moment.astimezone(local).date(), coached=coached),
            ))  # fmt: skip
            since = moment
        for code, status, identified_on, lifted_on in barriers:
            built["barriers"].append((
                resident_id, code, status, identified_on, lifted_on,
                datetime.datetime.combine(identified_on, eleven, utc),
            ))  # fmt: skip
        for benefit, since_on in benefits:
            built["benefits"].append((resident_id, benefit, since_on))

        yield (
            resident_id, first_name, last_name, birth_date, sex, phone, phone_raw, bool(phone),
            residence_id, housing_unit, moved_in_on, moved_out_on, language, level, group,
            protection, document, expires,
            identity_key(first_name=first_name, last_name=last_name), 1, rqth, france_travail,
            france_travail_id, last_contact, stage, moments[-1] if moments else None,
            officer if stage else None, coach,
            search_text(first_name=first_name, last_name=last_name, phone=phone),
            start - datetime.timedelta(days=30), updated_at, officer,
        )  # fmt: skip


def _consents(cursor, scale):
    # accompaniment; sharing with Adelis; SMS (or, one in five, health information to
    # Adelis). One SMS consent in 23 was withdrawn. Rows in the order they were recorded.
    given = "r.moved_in_on + (k * 3 + r.id % 20)::int"
    officer = scale.officer_sql("r.residence_id")
    withdrawn = "k = 3 AND r.id % 23 = 0"
    return insert_select(
        cursor,
        Consent,
        {
            "resident_id": "r.id",
            "scope": "CASE k WHEN 1 THEN 'accompaniment' WHEN 2 THEN 'sharing' "
            "ELSE CASE WHEN r.id % 5 = 0 THEN 'health' ELSE 'sms' END END",
            "recipient_organisation_id": f"CASE k WHEN 1 THEN NULL ELSE {ADELIS} END",
            "given_on": given,
            "method": "(ARRAY['signed_form', 'oral', 'digital'])[1 + (r.id + k) % 3]",
            "recorded_by_id": officer,
            "recorded_at": f"({given}) + time '10:30'",
            "withdrawn_on": f"CASE WHEN {withdrawn} THEN {given} + 200 END",
            "withdrawn_by_id": f"CASE WHEN {withdrawn} THEN {officer} END",
        },
        "FROM residents_resident r CROSS JOIN generate_series(1, "
        f"{CONSENTS_PER_RESIDENT}) AS k ORDER BY {given}, r.id, k",
    )


def _notes(cursor, gen):
    # Written by the residence's officer, the last two by the coach once there is one; one
    # in eight is confidential. Rows in the order they were written.
    by_coach = "r.job_coach_id IS NOT NULL AND k >= 4"
    confidential = "(r.id + k) % 8 = 0"
    # One note in each fifth of the time since the resident arrived.
    written = sql.SQL(
        "r.created_at + ({} - r.created_at) * ((k - 1 + (r.id % 97) / 97.0) / 5)"
    ).format(sql.Literal(gen.now))
    return insert_select(
        cursor,
        Note,
        {
            "resident_id": "r.id",
            "author_id": f"CASE WHEN {by_coach} THEN r.job_coach_id "
            f"ELSE {gen.scale.officer_sql('r.residence_id')} END",
            "author_organisation_id": f"CASE WHEN {by_coach} THEN {ADELIS} ELSE {ADOMA} END",
            "body": sql.SQL(
                "CASE WHEN {c} THEN ({conf})[1 + (r.id + k) % {nc}] "
                "ELSE ({pub})[1 + (r.id * 3 + k * 7) % {np}] END"
            ).format(
                c=sql.SQL(confidential),
                conf=text_array(CONFIDENTIAL_NOTES),
                nc=sql.Literal(len(CONFIDENTIAL_NOTES)),
                pub=text_array(NOTES),
                np=sql.Literal(len(NOTES)),
            ),
            "confidential": confidential,
            "created_at": written,
        },
        sql.SQL(
            "FROM residents_resident r CROSS JOIN generate_series(1, {}) AS k ORDER BY {}, r.id, k"
        ).format(sql.Literal(NOTES_PER_RESIDENT), written),
    )
