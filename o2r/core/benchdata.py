"""The large data set of `manage.py bench`: 100,000 residents over 600 residences in 10
territories, each with 3 consents, 2 barriers, 5 notes and about 4 stage changes; and, as a
step of its own (generate_employers, versioned apart so that the residents stay), 20,000
employers over the same territories with 1 or 2 contacts, about 5 prospecting steps and their
status changes each, and 100,000 job openings; and, a third step (generate_employment), the
IOD accompaniment: each of the 60 coaches with 50 open accompaniments and 2,000 introductions
over them, her closed accompaniments, contacts, wishes, hires and follow-ups, and the
reminders the services would have written.

Written only into its own database (DATABASE_NAME), in one transaction: residents and their
stage changes are built in Python (names, phones, valid paths) and sent with COPY, the other
rows are fanned out by `INSERT ... SELECT generate_series(...)`. Invented people throughout.

Ids are fixed so that SQL can derive who works where without joins:
- organisations: 1 Adoma, 2 Adelis;
- users 1..100: Adoma insertion officers; officer k works on residences 6k-5..6k. User 1 is the
  benchmark's officer (BENCH_OFFICER_EMAIL);
- users 101..160: Adelis job coaches, six per territory, with that territory on their account
  (set by the employers' step); user 101 is the benchmark's coach (BENCH_COACH_ID);
- employer i is in territory (i - 1) % 10, so each territory holds 2,000;
- resident i lives in residence 1 + (i - 1) % 600, so each residence holds 166 or 167;
- the employment rows are numbered from 1 in the order they are built (coach by coach).
"""

import datetime
import random
import time

from dateutil.relativedelta import relativedelta
from django.db import models
from psycopg import sql
from psycopg.types.json import Jsonb
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
from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User
from o2r.reminders.models import Reminder
from o2r.reminders.services import reminder_key
from residents.enums import (
    BarrierCode,
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
    Consent,
    Note,
    Residence,
    ResidenceMembership,
    Resident,
    ResidentBarrier,
    StageChange,
)
from residents.normalise import fold, identity_key, search_text

DATABASE_NAME = "o2r_bench"
# Stored as the comment of the residents table: a generator change means new data.
VERSION = "o2r-bench-data 3"
SEED = 2026

RESIDENTS = 100_000
RESIDENCES = 600
RESIDENCES_PER_OFFICER = 6
OFFICERS = RESIDENCES // RESIDENCES_PER_OFFICER
COACHES_PER_TERRITORY = 6
CONSENTS_PER_RESIDENT = 3
BARRIERS_PER_RESIDENT = 2
NOTES_PER_RESIDENT = 5

ADOMA, ADELIS = 1, 2
FIRST_COACH = OFFICERS + 1
BENCH_OFFICER_ID = 1
BENCH_OFFICER_EMAIL = "nadia.lemaire@adoma.bench"

TERRITORIES = {
    "Nantes Métropole": ["Nantes", "Rezé", "Saint-Herblain", "Orvault"],
    "Rennes Métropole": ["Rennes", "Cesson-Sévigné", "Bruz"],
    "Grand Paris Sud": ["Évry-Courcouronnes", "Corbeil-Essonnes", "Grigny", "Ris-Orangis"],
    "Métropole de Lyon": ["Lyon", "Villeurbanne", "Vénissieux", "Vaulx-en-Velin"],
    "Aix-Marseille-Provence": ["Marseille", "Aix-en-Provence", "Aubagne", "Martigues"],
    "Toulouse Métropole": ["Toulouse", "Colomiers", "Blagnac"],
    "Bordeaux Métropole": ["Bordeaux", "Mérignac", "Pessac", "Bègles"],
    "Métropole européenne de Lille": ["Lille", "Roubaix", "Tourcoing", "Villeneuve-d'Ascq"],
    "Eurométropole de Strasbourg": ["Strasbourg", "Schiltigheim", "Illkirch-Graffenstaden"],
    "Montpellier Méditerranée Métropole": ["Montpellier", "Castelnau-le-Lez", "Lattes"],
}
RESIDENCES_PER_TERRITORY = RESIDENCES // len(TERRITORIES)

RESIDENCE_STEMS = """Jean Jaurès, Victor Hugo, Louise Michel, Les Tilleuls, Pasteur, Jules Ferry,
Gambetta, Les Acacias, Les Peupliers, Marie Curie, Jean Moulin, Lucie Aubrac, Aimé Césaire,
Simone Veil, Les Glycines, Le Moulin, La Roseraie, Les Lilas, Camille Claudel, Danton, Voltaire,
Paul Éluard, Les Érables, Le Clos Fleuri, La Fontaine, Rosa Parks, Nelson Mandela,
Olympe de Gouges, Gisèle Halimi, Joséphine Baker, Les Chênes, Les Marronniers, Le Parc, La Gare,
Les Platanes, Saint-Exupéry, Colette, George Sand, Berlioz, Rameau, Debussy, Ravel,
Les Hirondelles, Les Mésanges, Le Verger, Les Jardins, Les Vignes, Les Sources, Le Belvédère,
L'Horizon, Les Capucines, Les Cèdres, Condorcet, Les Bruyères, Le Canal, Les Mouettes,
Pablo Neruda, Frida Kahlo, Albert Camus, Les Saules"""
STREETS = [
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Gambetta",
    "rue des Lilas", "rue du Général de Gaulle", "allée des Tilleuls", "rue Pasteur",
    "rue de la Paix", "avenue de la Libération", "rue des Écoles", "quai de la Loire",
]  # fmt: skip

# origin: weight, last names, female first names, male first names, languages, nationality
# groups. Last names are drawn with a skew so that the first ones are common (Diallo, Martin).
ORIGINS = {
    "france": (30, """Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy,
        Moreau, Simon, Laurent, Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent,
        Fournier, Morel, Girard, André, Mercier, Dupont, Lambert, Bonnet, François, Le Goff,
        Guérin, Rousseau, Blanc, Gauthier, Chevalier, Perrin, Morin, Clément, Hénaff""",
        """Élodie, Nathalie, Isabelle, Sandrine, Céline, Aurélie, Stéphanie, Sophie, Christine,
        Manon, Chloé, Léa, Amandine, Valérie, Hélène, Gaëlle, Maëlle, Noémie, Marie-Hélène""",
        """Jean, Pierre, Michel, Philippe, Alain, Nicolas, Sébastien, Julien, Stéphane,
        Frédéric, Jérôme, Thierry, Kévin, Loïc, Anthony, Grégory, Cédric, Jean-Luc""",
        ["fra"], ["french"]),
    "maghreb": (18, """Benali, Haddad, Bouzid, Belkacem, Benamar, Cherif, Mansouri, Amrani,
        Boukhari, Saïdi, Brahimi, Hamdi, Ouali, Zerrouki, El Idrissi, Benmoussa, Chaouch,
        Aït Ahmed, Meziane, Kaci""",
        """Fatima, Samia, Nadia, Karima, Leïla, Yasmina, Amina, Malika, Soraya, Naïma, Houria""",
        """Mohamed, Karim, Rachid, Mourad, Youssef, Samir, Nabil, Khaled, Hichem, Abdelkader,
        Farid, Mehdi, Saïd""",
        ["ara", "ara", "kab", "tzm", "fra"], ["french", "non_eu", "non_eu"]),
    "west_africa": (16, """Diallo, Traoré, Koné, Camara, Coulibaly, Diarra, Cissé, Sylla, Keïta,
        Touré, Bah, Sow, Barry, Diop, N'Diaye, Fofana, Sissoko, Konaté, Doumbia, Kanté""",
        """Fatoumata, Aminata, Mariam, Kadiatou, Awa, Hawa, Oumou, Djeneba, Aïssatou, Bintou,
        Ramatoulaye""",
        """Mamadou, Moussa, Ibrahima, Oumar, Amadou, Seydou, Boubacar, Abdoulaye, Souleymane,
        Lassana, Cheikh, Alassane""",
        ["snk", "bam", "ful", "wol", "fra"], ["french", "non_eu", "non_eu", "non_eu"]),
    "horn_of_africa": (6, """Tesfaye, Gebremedhin, Haile, Tekle, Mebrahtu, Abdi, Warsame,
        Yusuf, Osman, Hassan""",
        """Selam, Meron, Hiwet, Senait, Luwam, Hodan, Fadumo, Ayaan, Sahra""",
        """Yonas, Dawit, Abel, Filmon, Tesfay, Mehari, Abdirahman, Abdullahi, Liban""",
        ["tir", "tir", "amh", "som"], ["non_eu"]),
    "afghanistan": (8, """Rahimi, Ahmadi, Mohammadi, Hosseini, Karimi, Noori, Sultani, Safi,
        Popal, Stanikzai, Haidari, Azizi, Rezaei, Jafari""",
        """Fatemeh, Zahra, Maryam, Parwana, Shabnam, Farida, Nilofar, Mina""",
        """Ahmad, Mohammad, Ali, Reza, Hamid, Jawad, Mustafa, Nasir, Omid, Sayed, Zabihullah""",
        ["prs", "prs", "pus", "fas"], ["non_eu"]),
    "romania_bulgaria": (4, """Popescu, Ionescu, Popa, Dumitru, Stoica, Georgiev, Dimitrova,
        Țăranu""",
        """Ioana, Elena, Mihaela, Maria, Daria""",
        """Ion, Andrei, Mihai, Constantin, Bogdan, Ștefan""",
        ["ron", "ron", "bul"], ["eu"]),
    "ukraine_balkans": (4, """Kovalenko, Shevchenko, Bondarenko, Tkachenko, Melnyk,
        Kravchenko, Hoxha, Krasniqi, Petrović""",
        """Oksana, Olena, Iryna, Natalia, Yulia""",
        """Oleksandr, Andriy, Dmytro, Serhiy, Arben, Ivan""",
        ["ukr", "ukr", "rus", "sqi", "srp"], ["non_eu"]),
    "vietnam": (4, """Nguyen, Tran, Le, Pham, Hoang, Vo, Dang, Bui""",
        """Thi Lan, Thi Mai, Thi Hoa, Thi Thu""",
        """Van An, Van Minh, Duc Anh, Quang Huy""",
        ["vie"], ["french", "non_eu"]),
    # The dotless i of Turkish on purpose: normalise.fold() turns it into a space.
    "turkey": (5, """Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Öztürk, Aydın, Arslan, Doğan""",  # noqa: RUF001
        """Ayşe, Elif, Zeynep, Fatma, Emine, Hatice""",
        """Mehmet, Mustafa, Ahmet, Hasan, Hüseyin, İbrahim, Murat""",
        ["tur", "tur", "kur"], ["french", "non_eu"]),
    "portugal_brazil": (5, """Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues,
        Fernandes, Gonçalves, Lopes""",
        """Ana, Maria, Fernanda, Joana, Conceição""",
        """João, José, António, Carlos, Paulo""",
        ["por"], ["eu", "eu", "non_eu"]),
}  # fmt: skip

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
    "stage changes": StageChange,
    "notes": Note,
}
EXPECTED = {
    "residences": RESIDENCES,
    "residents": RESIDENTS,
    "consents": RESIDENTS * CONSENTS_PER_RESIDENT,
    "barriers": RESIDENTS * BARRIERS_PER_RESIDENT,
    "notes": RESIDENTS * NOTES_PER_RESIDENT,
}


def _split(names):
    return [name.strip() for name in names.split(",")]


def officer_of(residence_id):
    return 1 + (residence_id - 1) // RESIDENCES_PER_OFFICER


def coach_of(resident_id, residence_id):
    territory = (residence_id - 1) // RESIDENCES_PER_TERRITORY
    return FIRST_COACH + territory * COACHES_PER_TERRITORY + resident_id % COACHES_PER_TERRITORY


# --- Reading -------------------------------------------------------------------------------


def row_counts(cursor):
    counts = {}
    for label, model in {**TABLES, **EMPLOYER_TABLES, **EMPLOYMENT_TABLES}.items():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(_table(model)))
        counts[label] = cursor.fetchone()[0]
    return counts


def data_ready(cursor):
    """True when the data of this VERSION is there in full (it is written in one transaction,
    so counts suffice) and its search_text is what residents.normalise computes today."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [Resident._meta.db_table])
    if cursor.fetchone()[0] != VERSION:
        return False
    counts = row_counts(cursor)
    if any(counts[label] != expected for label, expected in EXPECTED.items()):
        return False
    cursor.execute(
        "SELECT count(*) FROM residents_residencemembership m JOIN accounts_user u "
        "ON u.id = m.user_id WHERE u.email = %s",
        [BENCH_OFFICER_EMAIL],
    )
    if cursor.fetchone()[0] != RESIDENCES_PER_OFFICER:
        return False
    # residents.normalise may have changed since the data was written.
    _, bad = search_text_mismatches(cursor, sample=200)
    return not bad


def search_text_mismatches(cursor, sample=2000):
    """Residents of a random sample whose stored search_text differs from what
    residents.normalise.search_text computes."""
    cursor.execute(
        "SELECT first_name, last_name, phone, search_text FROM residents_resident "
        "TABLESAMPLE SYSTEM (5) LIMIT %s",
        [sample],
    )
    rows = cursor.fetchall()
    bad = [
        row
        for row in rows
        if search_text(first_name=row[0], last_name=row[1], phone=row[2]) != row[3]
    ]
    return len(rows), bad


# --- Writing -------------------------------------------------------------------------------


def _table(model):
    return sql.Identifier(model._meta.db_table)


def _copy(cursor, model, columns, rows):
    """COPY `rows` (tuples in the order of `columns`) into the model's table."""
    missing = _defaults(model, columns)
    extra = tuple(missing.values())
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        _table(model), sql.SQL(", ").join(map(sql.Identifier, [*columns, *missing]))
    )
    count = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row + extra)
            count += 1
    return count


def _insert_select(cursor, model, columns, source):
    """INSERT INTO <model> (<columns>) SELECT <expressions> <source>. `columns` maps a column
    to an SQL expression (str or psycopg Composable); fields left out get their default."""
    missing = _defaults(model, columns)
    expressions = [sql.SQL(e) if isinstance(e, str) else e for e in columns.values()]
    expressions += [sql.Literal(value) for value in missing.values()]
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} {}").format(
            _table(model),
            sql.SQL(", ").join(map(sql.Identifier, [*columns, *missing])),
            sql.SQL(", ").join(expressions),
            sql.SQL(source),
        )
    )
    return cursor.rowcount


def _defaults(model, given):
    """Column -> model default of the concrete fields `given` leaves out (auto ids aside), so
    that a field added later with a default does not break the generator."""
    return {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if field.column not in given and not isinstance(field, models.AutoField)
    }


def _drop_foreign_keys(cursor, written=None, *, referencing=False):
    """Drops the foreign keys of the tables written here (and, if `referencing`, those of
    other tables pointing at them, so that they can be truncated): checking 1.5 million
    deferred constraints one by one at commit takes longer than writing the rows. Returns what
    _add_foreign_keys needs to put them back, which checks every row in one pass."""
    tables = [model._meta.db_table for model in (written or TABLES.values())]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) "
        "OR (%s AND confrelid = ANY(%s::regclass[])))",
        [tables, referencing, tables],
    )
    foreign_keys = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.SQL(table), sql.Identifier(name)
            )
        )
    return foreign_keys


def _add_foreign_keys(cursor, foreign_keys):
    for table, name, definition in foreign_keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.SQL(table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def _text_array(values):
    return sql.SQL("{}::text[]").format(sql.Literal(list(values)))


def _reset_sequences(cursor):
    for model in (Organisation, User, Residence, Resident):
        table = model._meta.db_table
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Identifier(table)),
            [table],
        )


def generate(cursor, *, log):
    """Writes the whole data set through `cursor` (the caller holds the transaction and has
    checked that this is the benchmark's database). Returns {step: seconds}."""
    from django.utils import timezone

    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    timings = {}

    def step(label, function, *args):
        started = time.perf_counter()
        count = function(cursor, rng, now, today, *args)
        timings[label] = time.perf_counter() - started
        log(f"  {label:<16} {count:>9,} lignes  {timings[label]:6.1f} s")

    _check_paths()
    # Generated rows are not changes of anyone's file: the history triggers stay off while
    # they are written (in this transaction only).
    tracked = [model._meta.db_table for model in _tracked_models()]
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
    foreign_keys = _drop_foreign_keys(cursor)
    step("organisations", _organisations)
    step("utilisateurs", _users)
    step("résidences", _residences)
    step("rattachements", _memberships)
    stage_changes = []
    step("résidents", _residents, stage_changes)
    step("changements", _stage_changes, stage_changes)
    del stage_changes
    step("accords", _consents)
    step("freins", _barriers)
    step("notes", _notes)
    started = time.perf_counter()
    _add_foreign_keys(cursor, foreign_keys)
    label = "clés étrangères"
    timings[label] = time.perf_counter() - started
    log(f"  {'clés étrangères':<16} {len(foreign_keys):>9} vérifiées {timings[label]:5.1f} s")
    _reset_sequences(cursor)
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table)))
    cursor.execute(
        sql.SQL("COMMENT ON TABLE {} IS {}").format(_table(Resident), sql.Literal(VERSION))
    )
    return timings


def _tracked_models():
    from django.apps import apps

    return [model for model in apps.get_models() if hasattr(model, "pgh_event_models")]


def _check_paths():
    from residents.services import PATH

    for _, paths in STAGES.values():
        for _, path in paths:
            for move in zip([None, *path], path, strict=False):
                if move not in PATH:
                    raise ValueError(f"Passage {move} absent de residents.services.PATH.")


def _organisations(cursor, rng, now, today):
    return _copy(
        cursor, Organisation, ["id", "name", "kind"],
        [(ADOMA, "Adoma", OrganisationKind.HOUSING),
         (ADELIS, "Adelis — Médiation Emploi", OrganisationKind.EMPLOYMENT)],
    )  # fmt: skip


def _users(cursor, rng, now, today):
    firsts = _split(ORIGINS["france"][2]) + _split(ORIGINS["maghreb"][2])
    lasts = _split(ORIGINS["france"][1])
    rows = [(BENCH_OFFICER_ID, BENCH_OFFICER_EMAIL, "Nadia", "Lemaire", ADOMA,
             Role.INSERTION_OFFICER)]  # fmt: skip
    for user_id in range(2, FIRST_COACH + len(TERRITORIES) * COACHES_PER_TERRITORY):
        officer = user_id < FIRST_COACH
        domain = "adoma.bench" if officer else "adelis.bench"
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{fold(first).replace(' ', '-')}.{user_id}@{domain}"
        rows.append((
            user_id, email, first, last, ADOMA if officer else ADELIS,
            Role.INSERTION_OFFICER if officer else Role.JOB_COACH,
        ))  # fmt: skip
    columns = ["id", "email", "first_name", "last_name", "organisation_id", "role"]
    # "!" starts an unusable password: nobody logs in to this data, the benchmark forces login.
    return _copy(
        cursor, User, [*columns, "password", "is_superuser", "is_staff", "is_active",
                       "date_joined"],
        [(*row, "!", False, False, True, now) for row in rows],
    )  # fmt: skip


def _residences(cursor, rng, now, today):
    stems = _split(RESIDENCE_STEMS)
    assert len(stems) >= RESIDENCES_PER_TERRITORY
    rows = []
    for residence_id in range(1, RESIDENCES + 1):
        index = residence_id - 1
        territory = list(TERRITORIES)[index // RESIDENCES_PER_TERRITORY]
        kind, prefix, capacity = rng.choices(
            [(ResidenceKind.SOCIAL_RESIDENCE, "Résidence", rng.randrange(80, 260)),
             (ResidenceKind.WORKERS_HOSTEL, "Foyer", rng.randrange(150, 320)),
             (ResidenceKind.FAMILY_BOARDING_HOUSE, "Pension de famille", rng.randrange(18, 32))],
            weights=[70, 25, 5],
        )[0]  # fmt: skip
        rows.append((
            residence_id, f"{prefix} {stems[index % RESIDENCES_PER_TERRITORY]}", kind,
            f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            rng.choice(TERRITORIES[territory]), territory, capacity, True,
        ))  # fmt: skip
    columns = ["id", "name", "kind", "address", "city", "territory", "capacity", "active"]
    return _copy(cursor, Residence, columns, rows)


def _memberships(cursor, rng, now, today):
    rows = [
        (officer_of(residence_id), residence_id, now) for residence_id in range(1, RESIDENCES + 1)
    ]
    return _copy(cursor, ResidenceMembership, ["user_id", "residence_id", "created_at"], rows)


RESIDENT_COLUMNS = [
    "id", "first_name", "last_name", "birth_date", "sex", "phone", "phone_raw",
    "phone_is_mobile", "residence_id", "housing_unit", "moved_in_on", "moved_out_on",
    "preferred_language", "french_level", "nationality_group", "international_protection",
    "right_to_work_document", "right_to_work_expires_on", "identity_key", "version", "rqth",
    "france_travail_status", "france_travail_id", "last_referent_contact_on", "stage",
    "stage_changed_at", "insertion_officer_id", "job_coach_id", "search_text", "created_at",
    "updated_at", "created_by_id",
]  # fmt: skip
STAGE_CHANGE_COLUMNS = [
    "resident_id", "from_stage", "to_stage", "exit_reason", "reason", "changed_by_id",
    "changed_at",
]  # fmt: skip


def _residents(cursor, rng, now, today, stage_changes):
    return _copy(cursor, Resident, RESIDENT_COLUMNS, _resident_rows(rng, now, today, stage_changes))


def _stage_changes(cursor, rng, now, today, stage_changes):
    # In time order, as the application would have written them.
    stage_changes.sort(key=lambda row: row[-1])
    return _copy(cursor, StageChange, STAGE_CHANGE_COLUMNS, stage_changes)


def _resident_rows(rng, now, today, stage_changes):
    """Yields resident rows and appends their stage changes to `stage_changes`."""
    utc = datetime.UTC
    origins = [
        (key, _split(lasts), _split(females), _split(males), languages, groups)
        for key, (_, lasts, females, males, languages, groups) in ORIGINS.items()
    ]
    origin_weights = [weight for weight, *_ in ORIGINS.values()]
    stages = list(STAGES)
    stage_weights = [weight for weight, _ in STAGES.values()]
    birth_start, birth_days = datetime.date(1960, 1, 1), 365 * 46
    move_start = datetime.date(2008, 1, 1)
    move_days = (today - datetime.timedelta(days=400) - move_start).days
    levels = [FrenchLevel.NONE, FrenchLevel.A1, FrenchLevel.A2, FrenchLevel.B1, FrenchLevel.B2,
              FrenchLevel.C1]  # fmt: skip
    exits = [ExitReason.DURABLE_EMPLOYMENT, ExitReason.TRANSITIONAL_EMPLOYMENT,
             ExitReason.TRAINING, ExitReason.MOVED_OUT, ExitReason.DECLINED,
             ExitReason.LOST_CONTACT, ExitReason.HEALTH]  # fmt: skip
    for resident_id in range(1, RESIDENTS + 1):
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
        residence_id = 1 + (resident_id - 1) % RESIDENCES
        officer = officer_of(residence_id)
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
            stage_changes.append((resident_id, previous, to, exit_reason, reason, officer, moment))
            previous = to
        coach = coach_of(resident_id, residence_id) if ACC in path else None

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

        yield (
            resident_id, first_name, last_name,
            birth_start + datetime.timedelta(days=rng.randrange(birth_days)), sex,
            phone, phone_raw, bool(phone), residence_id,
            f"{rng.choice('ABCD')}{rng.randrange(5)}{rng.randrange(1, 40):02d}",
            moved_in_on, moved_out_on,
            rng.choice(languages), level, group, protection, document, expires,
            identity_key(first_name=first_name, last_name=last_name), 1,
            rng.random() < 0.04, france_travail, france_travail_id,
            last_contact, stage, moments[-1] if moments else None,
            officer if stage else None, coach,
            search_text(first_name=first_name, last_name=last_name, phone=phone),
            start - datetime.timedelta(days=30),
            now - datetime.timedelta(days=rng.randrange(0, 200)), officer,
        )  # fmt: skip


def _consents(cursor, rng, now, today):
    # accompaniment; sharing with Adelis; SMS (or, one in five, health information to
    # Adelis). One SMS consent in 23 was withdrawn. Rows in the order they were recorded.
    given = "r.moved_in_on + (k * 3 + r.id % 20)::int"
    officer = f"1 + (r.residence_id - 1) / {RESIDENCES_PER_OFFICER}"
    withdrawn = "k = 3 AND r.id % 23 = 0"
    return _insert_select(
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


def _barriers(cursor, rng, now, today):
    # Two distinct codes: the second is 1 to 9 places after the first in the list.
    first = "(r.id * 7) % 10"
    code = f"CASE k WHEN 1 THEN {first} ELSE ({first} + 1 + (r.id * 13) % 9) % 10 END"
    identified = "r.moved_in_on + 20 + k * 5"
    lifted = "(r.id + k) % 3 = 2"
    return _insert_select(
        cursor,
        ResidentBarrier,
        {
            "resident_id": "r.id",
            "code": sql.SQL("({})[1 + {}]").format(_text_array(BarrierCode.values), sql.SQL(code)),
            "status": "(ARRAY['identified', 'being_addressed', 'lifted'])[1 + (r.id + k) % 3]",
            "identified_on": identified,
            "lifted_on": f"CASE WHEN {lifted} THEN {identified} + 150 END",
            "updated_at": f"({identified}) + time '11:00'",
        },
        "FROM residents_resident r CROSS JOIN generate_series(1, "
        f"{BARRIERS_PER_RESIDENT}) AS k ORDER BY {identified}, r.id, k",
    )  # fmt: skip


def _notes(cursor, rng, now, today):
    # Written by the residence's officer, the last two by the coach once there is one; one
    # in eight is confidential. Rows in the order they were written.
    by_coach = "r.job_coach_id IS NOT NULL AND k >= 4"
    confidential = "(r.id + k) % 8 = 0"
    # One note in each fifth of the time since the resident arrived.
    written = "r.created_at + (now() - r.created_at) * ((k - 1 + (r.id % 97) / 97.0) / 5)"
    return _insert_select(
        cursor,
        Note,
        {
            "resident_id": "r.id",
            "author_id": f"CASE WHEN {by_coach} THEN r.job_coach_id "
            f"ELSE 1 + (r.residence_id - 1) / {RESIDENCES_PER_OFFICER} END",
            "author_organisation_id": f"CASE WHEN {by_coach} THEN {ADELIS} ELSE {ADOMA} END",
            "body": sql.SQL(
                "CASE WHEN {c} THEN ({conf})[1 + (r.id + k) % {nc}] "
                "ELSE ({pub})[1 + (r.id * 3 + k * 7) % {np}] END"
            ).format(
                c=sql.SQL(confidential),
                conf=_text_array(CONFIDENTIAL_NOTES),
                nc=sql.Literal(len(CONFIDENTIAL_NOTES)),
                pub=_text_array(NOTES),
                np=sql.Literal(len(NOTES)),
            ),
            "confidential": confidential,
            "created_at": written,
        },
        "FROM residents_resident r CROSS JOIN generate_series(1, "
        f"{NOTES_PER_RESIDENT}) AS k ORDER BY {written}, r.id, k",
    )


# --- Employers ------------------------------------------------------------------------------
#
# A step of its own (generate_employers), run when the employers of EMPLOYERS_VERSION are not
# there: the residents stay as they are. Employer i works in territory (i - 1) % 10, followed
# by one of that territory's six coaches, who get the territory on their account (they work
# on no residence). Rows are built in Python, as the coach's entries would have written them
# (each prospecting step moves the status as employers.services.prospecting_log does), and
# sent with COPY.

# Stored as the comment of the employers table: a generator change means new employers.
EMPLOYERS_VERSION = "o2r-bench-employers 1"
EMPLOYERS = 20_000
OPENINGS = 100_000
BENCH_COACH_ID = FIRST_COACH  # a coach of Nantes Métropole, the first territory

EMPLOYER_TABLES = {
    "entreprises": Employer,
    "interlocuteurs": EmployerContact,
    "démarches": ProspectingAction,
    "statuts": EmployerStatusChange,
    "offres": JobOpening,
}
EMPLOYER_EXPECTED = {"entreprises": EMPLOYERS, "offres": OPENINGS}

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


def employers_ready(cursor):
    """True when the employers of EMPLOYERS_VERSION are there in full (written in one
    transaction) and the coaches have their territory."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [Employer._meta.db_table])
    if cursor.fetchone()[0] != EMPLOYERS_VERSION:
        return False
    counts = row_counts(cursor)
    if any(counts[label] != expected for label, expected in EMPLOYER_EXPECTED.items()):
        return False
    cursor.execute(
        "SELECT count(*) FROM accounts_user WHERE id >= %s AND territory <> ''", [FIRST_COACH]
    )
    return cursor.fetchone()[0] == len(TERRITORIES) * COACHES_PER_TERRITORY


def generate_employers(cursor, *, log):
    """Replaces the employers' network (employers, contacts, steps, status changes, openings)
    through `cursor`; the caller holds the transaction and has checked the database. Returns
    {step: seconds}."""
    from django.utils import timezone

    rng = random.Random(SEED + 1)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    timings = {}

    def step(label, function):
        started = time.perf_counter()
        count = function()
        timings[label] = time.perf_counter() - started
        log(f"  {label:<16} {count:>9,} lignes  {timings[label]:6.1f} s")

    tables = [model._meta.db_table for model in EMPLOYER_TABLES.values()]
    tracked = [t for t in (m._meta.db_table for m in _tracked_models()) if t in tables]
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
    # The introductions and hires point at the openings and companies: generate_employment
    # writes them again afterwards.
    clear_employment(cursor)
    # Reminders of the companies go with them; the foreign keys pointing at the tables go
    # first, so that TRUNCATE may empty them.
    cursor.execute("DELETE FROM reminders_reminder WHERE employer_id IS NOT NULL")
    foreign_keys = _drop_foreign_keys(cursor, EMPLOYER_TABLES.values(), referencing=True)
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
            list(TERRITORIES),
            FIRST_COACH,
            COACHES_PER_TERRITORY,
            FIRST_COACH,
            FIRST_COACH + len(TERRITORIES) * COACHES_PER_TERRITORY,
        ],
    )
    rows = _employer_rows(rng, now)
    step("entreprises", lambda: _copy(cursor, Employer, EMPLOYER_COLUMNS, rows["employers"]))
    step(
        "interlocuteurs",
        lambda: _copy(cursor, EmployerContact, CONTACT_COLUMNS, rows["contacts"]),
    )
    step("démarches", lambda: _copy(cursor, ProspectingAction, ACTION_COLUMNS, rows["actions"]))
    step(
        "statuts",
        lambda: _copy(cursor, EmployerStatusChange, STATUS_COLUMNS, rows["status_changes"]),
    )
    titles = _opening_titles(cursor)
    step(
        "offres",
        lambda: _copy(
            cursor, JobOpening, OPENING_COLUMNS, _opening_rows(rng, now, today, rows, titles)
        ),
    )
    started = time.perf_counter()
    _add_foreign_keys(cursor, foreign_keys)
    label = "clés étrangères"
    timings[label] = time.perf_counter() - started
    log(f"  {label:<16} {len(foreign_keys):>9} vérifiées {timings[label]:5.1f} s")
    for model in EMPLOYER_TABLES.values():
        table = model._meta.db_table
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Identifier(table)),
            [table],
        )
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table)))
    cursor.execute(
        sql.SQL("COMMENT ON TABLE {} IS {}").format(
            _table(Employer), sql.Literal(EMPLOYERS_VERSION)
        )
    )
    return timings


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


def _employer_rows(rng, now):
    """{"employers", "contacts", "actions", "status_changes": rows for COPY, "info": {employer
    id: (status, sector, city, owner, created_at)} for the openings}."""
    sectors = list(EMPLOYER_SECTORS)
    sector_weights = [EMPLOYER_SECTORS[s][0] for s in sectors]
    statuses = list(EMPLOYER_STATUSES)
    status_weights = [EMPLOYER_STATUSES[s][0] for s in statuses]
    territories = list(TERRITORIES)
    family = _split(ORIGINS["france"][1])
    people = [
        (_split(females) + _split(males), _split(lasts))
        for _, lasts, females, males, _, _ in ORIGINS.values()
    ]
    rows = {"employers": [], "contacts": [], "actions": [], "status_changes": [], "info": {}}
    contact_id = action_id = 0
    for employer_id in range(1, EMPLOYERS + 1):
        t = (employer_id - 1) % len(territories)
        territory = territories[t]
        city = rng.choice(TERRITORIES[territory])
        owner = FIRST_COACH + t * COACHES_PER_TERRITORY + employer_id % COACHES_PER_TERRITORY
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


def _opening_rows(rng, now, today, rows, titles):
    """OPENINGS rows over the companies, more for partners; an inactive company's are all
    closed."""
    utc = datetime.UTC
    info = rows["info"]
    ids = list(info)
    weights = [EMPLOYER_STATUSES[info[i][0]][1] for i in ids]
    contracts = [
        (ContractType.CDI, None), (ContractType.CDD, 3), (ContractType.CDD, 6),
        (ContractType.TEMP, None), (ContractType.CDDI, 4), (ContractType.SUBSIDISED, None),
    ]  # fmt: skip
    dropped = [c for c in DroppedRequirement.values if c != DroppedRequirement.OTHER]
    for employer_id in rng.choices(ids, weights, k=OPENINGS):
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


# --- Employment -----------------------------------------------------------------------------
#
# A step of its own (generate_employment), run when the rows of EMPLOYMENT_VERSION are not
# there: after the residents and the employers, whose ids it reads (generate_employers empties
# it first, its introductions and hires pointing at the openings). Each of the 60 coaches
# accompanies the first OPEN_PER_COACH of her accompanied or employed residents (the ceiling of
# intensive support; the others keep the coach the residents' step set, without an
# accompaniment) and has closed the accompaniments of her exited ones. Each open accompaniment
# has its orientation, the person's wishes, 6 to 18 contacts, INTRODUCTIONS_PER_OPEN
# introductions to openings of the coach's territory (at most one in progress per opening: one
# candidate at a time) with their steps, and, for an employed person, the hire and its
# follow-ups (a quarter of the accompanied ones had a job that ended early). Orientations wait
# for an answer, or were declined, for a few engaged residents of each territory. The coach's
# reminders (next steps, follow-ups, interviews, situation after the exit) are written as the
# services would. Rows are built in Python and sent with COPY; the history triggers stay off.

EMPLOYMENT_VERSION = "o2r-bench-employment 1"
OPEN_PER_COACH = 50
INTRODUCTIONS_PER_COACH = 2_000
INTRODUCTIONS_PER_OPEN = INTRODUCTIONS_PER_COACH // OPEN_PER_COACH
INTRODUCTIONS_PER_CLOSED = 4
CONTACTS_PER_CLOSED = 5
PENDING_PER_TERRITORY = 10
DECLINED_PER_TERRITORY = 10

EMPLOYMENT_TABLES = {
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
EMPLOYMENT_REMINDER_OWNERS = ["orientation", "accompaniment", "coach_contact", "introduction",
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
    "created_by_id", "created_at",
]  # fmt: skip
FOLLOW_UP_COLUMNS = [
    "id", "placement_id", "milestone", "due_on", "done_on", "with_whom", "still_employed",
    "notes", "issues", "done_by_id", "cancelled_on",
]  # fmt: skip
REMINDER_COLUMNS = [
    "kind", "assignee_id", "resident_id", "employer_id", "title", "due_at", "done_at",
    "dedup_key", "source", "created_at",
]  # fmt: skip


def employment_ready(cursor):
    """True when the rows of EMPLOYMENT_VERSION are there (written in one transaction, with
    the comment last) and the bench coach's caseload is the one measured."""
    cursor.execute(
        "SELECT obj_description(%s::regclass, 'pg_class')", [Accompaniment._meta.db_table]
    )
    if cursor.fetchone()[0] != EMPLOYMENT_VERSION:
        return False
    cursor.execute(
        "SELECT count(*) FILTER (WHERE a.ended_on IS NULL), "
        "(SELECT count(*) FROM employment_introduction i JOIN employment_accompaniment o "
        "ON o.id = i.accompaniment_id WHERE o.coach_id = %s AND o.ended_on IS NULL) "
        "FROM employment_accompaniment a WHERE a.coach_id = %s",
        [BENCH_COACH_ID, BENCH_COACH_ID],
    )
    return cursor.fetchone() == (OPEN_PER_COACH, INTRODUCTIONS_PER_COACH)


def clear_employment(cursor):
    """Empties the employment tables, their history and their reminders (before the employers
    they point at are rewritten, or before generate_employment writes them again)."""
    tables = [model._meta.db_table for model in EMPLOYMENT_TABLES.values()]
    events = [
        event._meta.db_table
        for model in EMPLOYMENT_TABLES.values()
        for event in getattr(model, "pgh_event_models", {}).values()
    ]
    cursor.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
            sql.SQL(", ").join(map(sql.Identifier, dict.fromkeys([*tables, *events])))
        )
    )
    cursor.execute(
        "DELETE FROM reminders_reminder WHERE split_part(dedup_key, ':', 1) = ANY(%s)",
        [EMPLOYMENT_REMINDER_OWNERS],
    )
    cursor.execute(sql.SQL("COMMENT ON TABLE {} IS NULL").format(_table(Accompaniment)))


def generate_employment(cursor, *, log):
    """Replaces the employment rows through `cursor`; the caller holds the transaction and has
    checked the database. Returns {step: seconds}."""
    from django.utils import timezone

    rng = random.Random(SEED + 2)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    timings = {}

    def step(label, function):
        started = time.perf_counter()
        count = function()
        timings[label] = time.perf_counter() - started
        log(f"  {label:<18} {count:>9,} lignes  {timings[label]:6.1f} s")

    clear_employment(cursor)
    tables = [model._meta.db_table for model in EMPLOYMENT_TABLES.values()]
    tracked = [t for t in (m._meta.db_table for m in _tracked_models()) if t in tables]
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
    foreign_keys = _drop_foreign_keys(cursor, EMPLOYMENT_TABLES.values())
    started = time.perf_counter()
    rows = _EmploymentRows(rng, now, today, _employment_sources(cursor)).build()
    timings["lignes"] = time.perf_counter() - started
    log(f"  {'lignes construites':<18} {'':>9}         {timings['lignes']:6.1f} s")
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
        step(label, lambda m=model, c=columns, k=key: _copy(cursor, m, c, rows[k]))
    started = time.perf_counter()
    _add_foreign_keys(cursor, foreign_keys)
    label = "clés étrangères"
    timings[label] = time.perf_counter() - started
    log(f"  {label:<18} {len(foreign_keys):>9} vérifiées {timings[label]:5.1f} s")
    for model in EMPLOYMENT_TABLES.values():
        table = model._meta.db_table
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)"
            ).format(sql.Identifier(table)),
            [table],
        )
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table)))
    cursor.execute(
        sql.SQL("COMMENT ON TABLE {} IS {}").format(
            _table(Accompaniment), sql.Literal(EMPLOYMENT_VERSION)
        )
    )
    return timings


def _employment_sources(cursor):
    """What the employment rows are drawn from: the residents with a coach or engaged (with
    the day their sharing consent was given), and the openings of each territory."""
    cursor.execute(
        "SELECT r.id, r.residence_id, r.stage, r.job_coach_id, r.preferred_language, "
        "c.given_on FROM residents_resident r JOIN residents_consent c ON c.resident_id = r.id "
        "AND c.scope = 'sharing' AND c.recipient_organisation_id = %s "
        "AND c.withdrawn_on IS NULL "
        "WHERE r.job_coach_id IS NOT NULL OR r.stage = 'engaged' ORDER BY r.id",
        [ADELIS],
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
    """The rows of generate_employment, built in memory: {key: [tuple in COLUMNS order]}."""

    def __init__(self, rng, now, today, sources):
        self.rng, self.now, self.today = rng, now, today
        self.sources = sources
        self.rows = {key: [] for key in (
            "orientations", "accompaniments", "wishes", "contacts", "introductions", "steps",
            "placements", "follow_ups", "reminders",
        )}  # fmt: skip
        self.ids = dict.fromkeys(
            ("orientation", "accompaniment", "contact", "introduction", "placement",
             "follow_up"), 0,
        )  # fmt: skip
        territories = list(TERRITORIES)
        self.openings = {t: sources["openings"].get(name, []) for t, name in
                         enumerate(territories)}  # fmt: skip
        # One candidate at a time: the open openings of each territory, each given once to an
        # introduction in progress.
        self.free = {}
        for t, openings in self.openings.items():
            free = [o for o in openings if o[2] == OPEN]
            rng.shuffle(free)
            self.free[t] = free
        self.employers = {t: sorted({o[7] for o in openings}) for t, openings in
                          self.openings.items()}  # fmt: skip

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
        by_coach = {}
        engaged = {}
        for row in self.sources["residents"]:
            _, residence_id, stage, coach, *_ = row
            if coach is not None:
                by_coach.setdefault(coach, []).append(row)
            elif stage == Stage.ENGAGED:
                territory = (residence_id - 1) // RESIDENCES_PER_TERRITORY
                engaged.setdefault(territory, []).append(row)
        for coach in range(FIRST_COACH, FIRST_COACH + len(TERRITORIES) * COACHES_PER_TERRITORY):
            territory = (coach - FIRST_COACH) // COACHES_PER_TERRITORY
            people = by_coach.get(coach, [])
            current = [r for r in people if r[2] in (Stage.ACCOMPANIED, Stage.EMPLOYED)]
            for row in current[:OPEN_PER_COACH]:
                self.accompaniment(row, coach, territory, open_=True)
            for row in [r for r in people if r[2] == Stage.EXITED]:
                self.accompaniment(row, coach, territory, open_=False)
        for territory, rows in sorted(engaged.items()):
            coaches = [FIRST_COACH + territory * COACHES_PER_TERRITORY + k
                       for k in range(COACHES_PER_TERRITORY)]  # fmt: skip
            for n, row in enumerate(rows[: PENDING_PER_TERRITORY + DECLINED_PER_TERRITORY]):
                self.orientation_only(row, coaches[n % len(coaches)], declined=n % 2 == 1)
        return self.rows

    # --- One person ---------------------------------------------------------------------------

    def orientation_only(self, row, coach, *, declined):
        resident_id, residence_id, _, _, _, given_on = row
        oriented = self.between(max(given_on, self.today - datetime.timedelta(days=20)),
                                self.today - datetime.timedelta(days=1))  # fmt: skip
        answered = oriented + datetime.timedelta(days=2) if declined else None
        self.rows["orientations"].append((
            self.next_id("orientation"), resident_id, ADELIS, None if declined else coach,
            self.rng.choice(ORIENTATION_REASONS), officer_of(residence_id), oriented,
            OrientationStatus.DECLINED if declined else OrientationStatus.PENDING,
            coach if declined else None, answered,
            self.rng.choice(DECLINE_REASONS) if declined else "",
        ))  # fmt: skip
        if declined:
            orientation = self.ids["orientation"]
            self.reminder(
                reminder_key("orientation", orientation, "declined"),
                title=f"Orientation refusée par Adelis : {self.rows['orientations'][-1][-1]}",
                due_at=answered, assignee=officer_of(residence_id), resident=resident_id,
            )  # fmt: skip

    def accompaniment(self, row, coach, territory, *, open_):
        rng, today = self.rng, self.today
        resident_id, residence_id, stage, _, language, given_on = row
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
            rng.choice(ORIENTATION_REASONS), officer_of(residence_id), oriented,
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
        # The hire: an employed person's job; a quarter of the accompanied ones had one that
        # ended early.
        hire = None
        if open_ and stage == Stage.EMPLOYED:
            hire = "active"
        elif open_ and rng.random() < 0.25:
            hire = "ended"
        self.introductions(
            person, INTRODUCTIONS_PER_OPEN if open_ else INTRODUCTIONS_PER_CLOSED, wanted,
            open_=open_, hire=hire,
        )  # fmt: skip

    def wishes(self, resident_id, territory, language, coach, started_on):
        rng = self.rng
        sectors = rng.sample(list(EMPLOYER_SECTORS), rng.choice([1, 1, 2]))
        codes = list(dict.fromkeys(
            o[5] for o in rng.sample(self.openings[territory], 12) if rng.random() < 0.3
        ))[:3] or [self.openings[territory][0][5]]  # fmt: skip
        cities = TERRITORIES[list(TERRITORIES)[territory]]
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

    def introductions(self, person, n, wanted, *, open_, hire):
        """`n` introductions: in progress (open accompaniments: 0 to 3, each on an opening of
        its own), the hire if any, the rest ended (declined by the person, not retained)."""
        rng = self.rng
        _, _, _, _, territory, started_on, last_day = person
        used = set()
        plan = []
        if open_:
            free = self.free[territory]
            for status in rng.sample([PROPOSED, ACCEPTED, SCHEDULED, HELD], rng.randrange(0, 4)):
                if free:
                    opening = free.pop()
                    used.add(opening[0])
                    plan.append((status, opening))
        if hire:
            plan.append((HIRED, None))
        while len(plan) < n:
            plan.append((rng.choice([DECLINED, NOT_RETAINED]), None))
        openings = self.openings[territory]
        for status, opening in plan:
            window = None
            for _ in range(20):
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
                    window = (candidate, start, end)
                    break
            if window is None:
                continue
            candidate, start, end = window
            used.add(candidate[0])
            self.introduction(person, candidate, status, start, end, wanted, hire=hire)

    def introduction(self, person, opening, status, start, end, wanted, *, hire):
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
            self.placement(person, opening, introduction, moments[-1], ended=hire == "ended")

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
            "Fin anticipée." if ended else "", coach, hired_at,
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
