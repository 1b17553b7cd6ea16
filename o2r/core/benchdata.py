"""The large data set of `manage.py bench`: 100,000 residents over 600 residences in 10
territories, each with 3 consents, 2 barriers, 5 notes and about 4 stage changes; and, as a
step of its own (generate_employers, versioned apart so that the residents stay), 20,000
employers over the same territories with 1 or 2 contacts, about 5 prospecting steps and their
status changes each, and 100,000 job openings.

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
- resident i lives in residence 1 + (i - 1) % 600, so each residence holds 166 or 167.
"""

import datetime
import random
import time

from django.db import models
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
from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User
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
    for label, model in {**TABLES, **EMPLOYER_TABLES}.items():
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
