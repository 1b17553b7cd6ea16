"""The second step: the employers' network, run when the employers of VERSION are not there
(the residents stay as they are). Employer i works in territory (i - 1) % territories,
followed by one of that territory's coaches, who get the territory on their account (they work
on no residence). Rows are built in Python, as the coach's entries would have written them
(each prospecting step moves the status as employers.services.prospecting_log does), and sent
with COPY. The employment rows point at the openings: the caller empties them first
(employment.clear) and writes them again afterwards."""

import datetime
import random

from psycopg import sql
from stdnum import luhn

from employers.enums import (
    CONTACT_OUTCOMES,
    OUTCOME_STATUS,
    STATUS_RANK,
    ContractType,
    DroppedRequirement,
    NafVersion,
    NetworkStatus,
    OpeningStatus,
    ProspectingKind,
    ProspectingOutcome,
    Sector,
    SizeBand,
)
from employers.models import (
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
)
from employers.services import employer_name_key
from residents.normalise import fold

from .names import ORIGINS, STREETS, split
from .scale import Generation, Scale
from .writing import (
    Timer,
    comment,
    copy_rows,
    drop_foreign_keys,
    finish_step,
    table,
    triggers_off,
)

# Stored as the comment of the employers table: a generator change means new employers.
VERSION = "o2r-bench-employers 2"

TABLES = {
    "entreprises": Employer,
    "interlocuteurs": EmployerContact,
    "démarches": ProspectingAction,
    "statuts": EmployerStatusChange,
    "offres": JobOpening,
}

# sector: weight, NAF codes, name stems, ROME titles of its openings
EMPLOYER_SECTORS = {
    Sector.LOGISTICS: (16, ["5210B", "5229A", "4941A"],
        ["Logistique", "Transports", "Entrepôts", "Messagerie", "Plateforme"],
        ["Préparateur / Préparatrice de commandes", "Cariste d'entrepôt", "Manutentionnaire",
         "Magasinier / Magasinière"]),
    Sector.CLEANING: (16, ["8121Z", "8122Z"],
        ["Nettoyage", "Propreté", "Net Services", "Multi-Services"],
        ["Agent / Agente de propreté de locaux", "Agent / Agente de nettoyage industriel"]),
    Sector.HOSPITALITY: (16, ["5610A", "5610C", "5629A", "5510Z"],
        ["Restaurant", "Brasserie", "Hôtel", "Traiteur", "Crêperie", "Cuisine centrale"],
        ["Plongeur / Plongeuse en restauration", "Commis / Commise de cuisine",
         "Employé polyvalent / Employée polyvalente de restauration",
         "Employé / Employée d'étage en hôtellerie"]),
    Sector.CARE: (10, ["8810A", "8810B"],
        ["Aide à domicile", "Domicile Services", "Services à la personne"],
        ["Aide à domicile", "Auxiliaire de vie"]),
    Sector.HEALTH_SOCIAL: (6, ["8710A", "8720A"],
        ["EHPAD", "Résidence autonomie", "Foyer médicalisé"],
        ["Agent hôtelier hospitalier / Agente hôtelière hospitalière",
         "Agent / Agente de propreté de locaux"]),
    Sector.BUILDING: (12, ["4399C", "4120A", "4321A", "4334Z"],
        ["Bâtiment", "Maçonnerie", "Rénovation", "Peinture", "Travaux"],
        ["Manoeuvre bâtiment", "Aide-maçon / Aide-maçonne", "Manoeuvre gros oeuvre"]),
    Sector.RETAIL: (10, ["4711D", "4711F", "4721Z"],
        ["Supermarché", "Marché frais", "Primeur", "Bazar"],
        ["Employé / Employée de libre-service", "Employé / Employée de rayon"]),
    Sector.GREEN_SPACES: (6, ["8130Z"],
        ["Paysages", "Jardins", "Espaces verts"],
        ["Jardinier / Jardinière d'espaces verts", "Ouvrier / Ouvrière paysagiste"]),
    Sector.AGRI_FOOD: (4, ["0113Z", "1013A"],
        ["Maraîchage", "Conserverie", "Salaisons"],
        ["Manutentionnaire", "Préparateur / Préparatrice de commandes"]),
    Sector.INSERTION: (4, ["8899B", "3832Z"],
        ["Chantier d'insertion", "Ressourcerie", "Entreprise d'insertion"],
        ["Agent / Agente de collecte de déchets", "Manutentionnaire"]),
}  # fmt: skip
NAME_PLACES = [
    "de l'Ouest", "du Centre", "Atlantique", "des Deux Rives", "du Port", "de la Gare",
    "Horizon", "Plus", "Express", "Services", "et Fils", "Associés",
]  # fmt: skip
LEGAL_PREFIXES = ["", "", "", "SARL", "SAS", "Ets", "Groupe"]
CONTACT_ROLES = [
    "Gérant", "Gérante", "Responsable RH", "Chef d'équipe", "Directrice d'exploitation",
    "Responsable de secteur", "Chef de chantier", "Assistante de direction",
]  # fmt: skip
DEPARTMENTS = ["44", "35", "91", "69", "13", "31", "33", "59", "67", "34"]

NA, CB, NN, DEC, MS, MET, JA, PART = (
    ProspectingOutcome.NO_ANSWER,
    ProspectingOutcome.CALL_BACK,
    ProspectingOutcome.NOT_NOW,
    ProspectingOutcome.DECLINED,
    ProspectingOutcome.MEETING_SET,
    ProspectingOutcome.MET,
    ProspectingOutcome.JOB_ANALYSED,
    ProspectingOutcome.PARTNERSHIP,
)
# Final status: weight, openings weight, the outcomes of its steps (one list drawn per
# company; about 5 steps on average). "inactive" ends with an explicit change.
EMPLOYER_STATUSES = {
    NetworkStatus.PROSPECT: (30, 0, [[], [NA], [NA, NA], [NA, NA, NA]]),
    NetworkStatus.CONTACTED: (25, 1, [[NA, CB, CB, MS, NN], [CB, NN, CB, NA, CB],
                                      [NA, NA, CB, DEC, CB, NN]]),
    NetworkStatus.MET: (15, 8, [[NA, MS, MET, JA, CB, MET], [CB, MS, MET, CB, JA]]),
    NetworkStatus.PARTNER: (20, 15, [[NA, CB, MS, MET, JA, PART, CB, MET],
                                     [MS, MET, JA, PART, MET, CB, JA]]),
    NetworkStatus.INACTIVE: (10, 5, [[NA, CB, DEC], [MS, MET, JA, PART, CB, DEC]]),
}  # fmt: skip
OUTCOME_KINDS = {
    NA: [ProspectingKind.CALL, ProspectingKind.CALL, ProspectingKind.EMAIL, ProspectingKind.VISIT],
    CB: [ProspectingKind.CALL, ProspectingKind.EMAIL],
    NN: [ProspectingKind.CALL],
    DEC: [ProspectingKind.CALL, ProspectingKind.VISIT],
    MS: [ProspectingKind.CALL],
    MET: [ProspectingKind.VISIT, ProspectingKind.EVENT],
    JA: [ProspectingKind.VISIT],
    PART: [ProspectingKind.VISIT, ProspectingKind.JOB_DATING, ProspectingKind.EVENT],
}
OUTCOME_SUMMARIES = {
    NA: "Messagerie, rappeler le matin.",
    CB: "Échange avec l'accueil : rappeler la responsable la semaine prochaine.",
    NN: "Pas de recrutement avant la rentrée.",
    DEC: "Recrute par son agence d'intérim uniquement.",
    MS: "Rendez-vous pris sur site.",
    MET: "Visite du site ; besoins réguliers en personnel peu qualifié.",
    JA: "Poste analysé avec le responsable : pas de CV, immersion possible.",
    PART: "Partenariat engagé : immersions et embauches directes.",
}
TRANSPORTS = [
    "Tram 1, arrêt Commerce", "Bus 12, arrêt Mairie", "Tram 2, arrêt Gare", "Ligne 4, arrêt Zone "
    "d'activités", "Navette de l'entreprise depuis la gare", "RER D, gare puis 10 min à pied",
]  # fmt: skip


def ready(cursor, scale: Scale) -> bool:
    """True when the employers of VERSION are there in full (written in one transaction) and
    the coaches have their territory."""
    if comment(cursor, Employer) != VERSION:
        return False
    for model, count in ((Employer, scale.employers), (JobOpening, scale.openings)):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table(model)))
        if cursor.fetchone()[0] != count:
            return False
    cursor.execute(
        "SELECT count(*) FROM accounts_user WHERE id >= %s AND territory <> ''",
        [scale.first_coach],
    )
    return cursor.fetchone()[0] == scale.coaches


def generate(cursor, gen: Generation, *, log):
    """Replaces the employers' network (employers, contacts, steps, status changes, openings)
    through `cursor`; the caller holds the transaction, has checked the database and emptied
    the employment rows. Returns {part: seconds}."""
    scale = gen.scale
    rng = random.Random(gen.seed + 1)
    timer = Timer(log)
    tables = [model._meta.db_table for model in TABLES.values()]
    tracked = triggers_off(cursor, TABLES.values())
    # Reminders of the companies go with them; the foreign keys pointing at the tables go
    # first, so that TRUNCATE may empty them.
    cursor.execute("DELETE FROM reminders_reminder WHERE employer_id IS NOT NULL")
    foreign_keys = drop_foreign_keys(cursor, TABLES.values(), referencing=True)
    cursor.execute(
        sql.SQL("TRUNCATE {}, {} RESTART IDENTITY").format(
            sql.SQL(", ").join(map(sql.Identifier, tables)),
            sql.Identifier(EmployerContact.pgh_event_models["insert"]._meta.db_table),
        )
    )
    cursor.execute(
        "UPDATE accounts_user SET territory = (%s::text[])[1 + (id - %s) / %s] "
        "WHERE id >= %s AND id < %s",
        [
            scale.territories,
            scale.first_coach,
            scale.coaches_per_territory,
            scale.first_coach,
            scale.first_coach + scale.coaches,
        ],
    )
    rows = _employer_rows(gen, rng)
    for label, model, columns, key in (
        ("entreprises", Employer, EMPLOYER_COLUMNS, "employers"),
        ("interlocuteurs", EmployerContact, CONTACT_COLUMNS, "contacts"),
        ("démarches", ProspectingAction, ACTION_COLUMNS, "actions"),
        ("statuts", EmployerStatusChange, STATUS_COLUMNS, "status_changes"),
    ):
        timer.rows(label, lambda m=model, c=columns, k=key: copy_rows(cursor, m, c, rows[k]))
    titles = _opening_titles(cursor)
    openings = _opening_rows(gen, rng, rows, titles)
    timer.rows("offres", lambda: copy_rows(cursor, JobOpening, OPENING_COLUMNS, openings))
    return finish_step(
        cursor,
        timer,
        foreign_keys=foreign_keys,
        sequences=TABLES.values(),
        tracked=tracked,
        marked=Employer,
        version=VERSION,
    )


EMPLOYER_COLUMNS = [
    "id", "name", "name_key", "siret", "naf_code", "naf_version", "sector", "size_band",
    "address", "postcode", "city", "city_key", "territory", "description", "status", "owner_id",
    "last_contact_at", "created_at", "created_by_id", "updated_at",
]  # fmt: skip
CONTACT_COLUMNS = [
    "id", "employer_id", "first_name", "last_name", "role", "phone", "phone_raw", "email",
    "active", "created_at",
]  # fmt: skip
ACTION_COLUMNS = [
    "id", "employer_id", "kind", "at", "by_id", "contact_id", "outcome", "summary",
    "next_step_on", "next_step", "created_at",
]  # fmt: skip
STATUS_COLUMNS = [
    "employer_id", "from_status", "to_status", "at", "by_id", "reason", "prospecting_action_id",
]  # fmt: skip
OPENING_COLUMNS = [
    "employer_id", "title", "rome_id", "rome_appellation_id", "contract_type", "duration_months",
    "weekly_hours", "full_time", "schedule", "working_days", "postcode", "city", "transport",
    "car_needed", "french_level", "languages_useful", "tasks", "requirements_kept",
    "requirements_dropped", "requirements_dropped_notes", "onboarding", "hidden_market",
    "positions", "status", "opened_on", "closed_on", "close_reason", "created_by_id",
    "created_at", "updated_at",
]  # fmt: skip


def bench_siret(n: int) -> str:
    """An invented SIRET valid by its checks (SIREN and SIRET Luhn keys), different for each
    n < 10**6."""
    siren = f"99{n:06d}"
    siren += luhn.calc_check_digit(siren)
    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


def _employer_rows(gen, rng):
    """{"employers", "contacts", "actions", "status_changes": rows for COPY, "info": {employer
    id: (status, sector, city, owner, created_at)} for the openings}."""
    sectors = list(EMPLOYER_SECTORS)
    sector_weights = [EMPLOYER_SECTORS[s][0] for s in sectors]
    statuses = list(EMPLOYER_STATUSES)
    status_weights = [EMPLOYER_STATUSES[s][0] for s in statuses]
    scale, now = gen.scale, gen.now
    territories = scale.territories
    family = split(ORIGINS["france"][1])
    people = [
        (split(females) + split(males), split(lasts))
        for _, lasts, females, males, _, _ in ORIGINS.values()
    ]
    rows = {"employers": [], "contacts": [], "actions": [], "status_changes": [], "info": {}}
    contact_id = action_id = 0
    for employer_id in range(1, scale.employers + 1):
        t = scale.employer_territory(employer_id)
        territory = territories[t]
        city = rng.choice(scale.cities(territory))
        owner = scale.employer_owner(employer_id)
        sector = rng.choices(sectors, sector_weights)[0]
        _, nafs, stems, _ = EMPLOYER_SECTORS[sector]
        suffix = rng.choice([rng.choice(family), rng.choice(NAME_PLACES), city])
        name = " ".join(filter(None, [rng.choice(LEGAL_PREFIXES), rng.choice(stems), suffix]))
        status = rng.choices(statuses, status_weights)[0]
        outcomes = rng.choice(EMPLOYER_STATUSES[status][2])
        created_at = now - datetime.timedelta(
            days=rng.randrange(30, 900), minutes=rng.randrange(600)
        )
        span = (now - created_at).total_seconds()
        moments = sorted(
            created_at + datetime.timedelta(seconds=int(span * rng.random())) for _ in outcomes
        )

        n_contacts = 1 + employer_id % 2
        contacts = []
        for k in range(n_contacts):
            contact_id += 1
            firsts, lasts = rng.choice(people)
            phone = (
                f"+332{rng.randrange(10**7, 10**8)}"
                if k == 0
                else f"+336{rng.randrange(10**7, 10**8)}"
            )
            national = "0" + phone[3:]
            rows["contacts"].append((
                contact_id, employer_id, rng.choice(firsts), rng.choice(lasts),
                rng.choice(CONTACT_ROLES), phone,
                " ".join(national[i : i + 2] for i in range(0, 10, 2)),
                "" if k else f"contact.{employer_id}@entreprise.example", True, created_at,
            ))  # fmt: skip
            contacts.append(contact_id)

        current, last_contact = NetworkStatus.PROSPECT, None
        rows["status_changes"].append((employer_id, "", current, created_at, owner, "", None))
        for index, (outcome, at) in enumerate(zip(outcomes, moments, strict=True)):
            action_id += 1
            answered = outcome in CONTACT_OUTCOMES
            last_step = index == len(outcomes) - 1
            next_on = (at + datetime.timedelta(days=14)).date() if last_step and answered else None
            rows["actions"].append((
                action_id, employer_id, rng.choice(OUTCOME_KINDS[outcome]), at, owner,
                contacts[0] if answered else None, outcome, OUTCOME_SUMMARIES[outcome],
                next_on, "Relancer" if next_on else "", at,
            ))  # fmt: skip
            if answered:
                last_contact = at
            implied = OUTCOME_STATUS[outcome]
            if STATUS_RANK[implied] > STATUS_RANK[current]:
                rows["status_changes"].append(
                    (employer_id, current, implied, at, owner, "", action_id)
                )
                current = implied
        updated_at = moments[-1] if moments else created_at
        if status == NetworkStatus.INACTIVE:
            updated_at += datetime.timedelta(days=3)
            rows["status_changes"].append((
                employer_id, current, status, updated_at, owner,
                "Ne recrute plus : recrutement confié à une agence d'intérim.", None,
            ))  # fmt: skip
            current = status
        assert current == status, (employer_id, status, outcomes)
        rows["employers"].append((
            employer_id, name, employer_name_key(name),
            bench_siret(employer_id) if employer_id % 5 else "", rng.choice(nafs),
            NafVersion.REV2, sector, rng.choice(SizeBand.values),
            f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            f"{DEPARTMENTS[t]}{rng.randrange(10):01d}00", city, fold(city), territory,
            "", status, owner, last_contact, created_at, owner, min(updated_at, now),
        ))  # fmt: skip
        rows["info"][employer_id] = (status, sector, city, owner, created_at)
    return rows


def _opening_titles(cursor):
    """{label: (code, ROME sheet)} of the titles EMPLOYER_SECTORS names."""
    labels = sorted({label for *_, titles in EMPLOYER_SECTORS.values() for label in titles})
    cursor.execute(
        "SELECT label, code, rome_id FROM employers_romeappellation WHERE label = ANY(%s)",
        [labels],
    )
    found = {label: (code, rome) for label, code, rome in cursor.fetchall()}
    missing = set(labels) - set(found)
    if missing:
        raise ValueError(f"Appellations ROME absentes : {sorted(missing)}")
    return found


def _opening_rows(gen, rng, rows, titles):
    """The scale's openings over the companies, more for partners; an inactive company's are
    all closed."""
    today = gen.today
    utc = datetime.UTC
    info = rows["info"]
    ids = list(info)
    weights = [EMPLOYER_STATUSES[info[i][0]][1] for i in ids]
    contracts = [
        (ContractType.CDI, None), (ContractType.CDD, 3), (ContractType.CDD, 6),
        (ContractType.TEMP, None), (ContractType.CDDI, 4), (ContractType.SUBSIDISED, None),
    ]  # fmt: skip
    dropped = [c for c in DroppedRequirement.values if c != DroppedRequirement.OTHER]
    for employer_id in rng.choices(ids, weights, k=gen.scale.openings):
        status, sector, city, owner, created_at = info[employer_id]
        title = rng.choice(EMPLOYER_SECTORS[sector][3])
        code, rome = titles[title]
        contract, duration = rng.choice(contracts)
        hours = rng.choice([20, 24, 26, 28, 30, 35, 35, 35, 39])
        first_day = created_at.date()
        opened_on = first_day + datetime.timedelta(days=rng.randrange((today - first_day).days + 1))
        state = rng.choices(
            [OpeningStatus.OPEN, OpeningStatus.FILLED, OpeningStatus.CANCELLED], [30, 45, 25]
        )[0]
        if status == NetworkStatus.INACTIVE and state == OpeningStatus.OPEN:
            state = OpeningStatus.CANCELLED
        closed_on = reason = None
        if state != OpeningStatus.OPEN:
            closed_on = min(today, opened_on + datetime.timedelta(days=rng.randrange(3, 90)))
            reason = (
                "Pourvue par une personne accompagnée."
                if state == OpeningStatus.FILLED
                else ("Besoin annulé par l'employeur.")
            )
        opened_at = datetime.datetime.combine(opened_on, datetime.time(11), utc)
        yield (
            employer_id, title, rome, code, contract, duration, hours, hours >= 35,
            rng.choice([[], [], ["early"], ["split"], ["early", "split"], ["weekend"], ["night"]]),
            ["mon", "tue", "wed", "thu", "fri"], "", city, rng.choice(TRANSPORTS),
            rng.random() < 0.05, rng.choice(["none", "a1", "a2", "a2", "b1"]),
            rng.choice([[], [], ["ara"], ["snk", "bam"], ["prs"], ["por"]]),
            "Les tâches réelles, vues sur place avec le responsable.",
            "Ponctualité ; consignes orales simples.",
            rng.sample(dropped, rng.randrange(1, 4)), "", "Binôme les premiers jours.",
            rng.random() < 0.8, rng.choice([1, 1, 1, 2, 3]), state, opened_on, closed_on,
            reason or "", owner, opened_at,
            datetime.datetime.combine(closed_on or opened_on, datetime.time(12), utc),
        )  # fmt: skip
