"""The large data set of `manage.py bench`: 100,000 residents over 1,000 residences in 10
territories (national scale), each with 3 consents, 2 barriers, 5 notes, about 4 stage changes
(with the snapshot of their day the dashboards break figures down by) and, for about a third,
a social minimum; and, as a step of its own (generate_employers, versioned apart so that the
residents stay), 20,000 employers over the same territories with 1 or 2 contacts, about 5
prospecting steps and their status changes each, and 100,000 job openings; a third step
(generate_employment), the IOD accompaniment: each of the 60 coaches with 50 open
accompaniments and 2,000 introductions over them, her closed accompaniments, contacts, wishes,
hires and follow-ups, and the reminders the services would have written; and a fourth
(generate_outreach), three years of outreach up to today: 100,000 outreach actions, 2,000,000
contacts, 50,000 referrals, 600 SMS campaigns with their 600,000 messages, and 5,000 SMS
opt-outs.

Written only into its own database (DATABASE_NAME), one transaction per step: residents and
their stage changes are built in Python (names, phones, valid paths) and sent with COPY, the
other rows are fanned out by `INSERT ... SELECT generate_series(...)`, drawing their random
choices from a hash of the row's number (the same data on every run). Invented people
throughout.

Ids are fixed so that SQL can derive who works where without joins:
- organisations: 1 Adoma, 2 Adelis;
- users 1..100: Adoma insertion officers; officer k works on residences 10k-9..10k. User 1 is
  the benchmark's officer (BENCH_OFFICER_EMAIL);
- users 101..160: Adelis job coaches, six per territory, with that territory on their account
  (set by the employers' step); user 101 is the benchmark's coach (BENCH_COACH_ID);
- user 161: Adoma's manager, with a membership on every residence (BENCH_MANAGER_EMAIL), whom
  the dashboard is measured for;
- residences 100t+1..100t+100 are in territory t (0..9), about 15% of them in a priority
  neighbourhood (QPV);
- employer i is in territory (i - 1) % 10, so each territory holds 2,000;
- resident i lives in residence 1 + (i - 1) % 1,000, so each residence holds 100;
- the employment rows are numbered from 1 in the order they are built (coach by coach);
- SMS campaign c is officer 1 + (c - 1) % 100's, to every resident of her 10 residences.
"""

import calendar
import datetime
import functools
import random
import time

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.utils import timezone
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
from o2r.sms import text
from o2r.sms.enums import LegalBasis, OptOutScope, OptOutSource, SkipReason, SmsStatus
from o2r.sms.models import SmsMessage, SmsOptOut
from outreach.enums import (
    ActionKind,
    CampaignStatus,
    Channel,
    Outcome,
    ReferralOutcome,
    ReferralSource,
    ReferralStatus,
)
from outreach.models import Contact, OutreachAction, Referral, SmsCampaign, SmsCampaignVariant
from residents.enums import (
    BarrierCode,
    BarrierStatus,
    Benefit,
    ConsentScope,
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

DATABASE_NAME = "o2r_bench"
# Stored as the comment of the residents table: a generator change means new data.
VERSION = "o2r-bench-data 4"
SEED = 2026

RESIDENTS = 100_000
RESIDENCES = 1_000
RESIDENCES_PER_OFFICER = 10
# The share of residences in a priority neighbourhood (quartier prioritaire de la ville).
QPV_SHARE = 0.15
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
# Adoma's manager, after the coaches: the dashboard's reader, with every residence.
BENCH_MANAGER_ID = FIRST_COACH + len(TERRITORIES) * COACHES_PER_TERRITORY
BENCH_MANAGER_EMAIL = "claire.fontaine@adoma.bench"

RESIDENCE_STEMS = """Jean Jaurès, Victor Hugo, Louise Michel, Les Tilleuls, Pasteur, Jules Ferry,
Gambetta, Les Acacias, Les Peupliers, Marie Curie, Jean Moulin, Lucie Aubrac, Aimé Césaire,
Simone Veil, Les Glycines, Le Moulin, La Roseraie, Les Lilas, Camille Claudel, Danton, Voltaire,
Paul Éluard, Les Érables, Le Clos Fleuri, La Fontaine, Rosa Parks, Nelson Mandela,
Olympe de Gouges, Gisèle Halimi, Joséphine Baker, Les Chênes, Les Marronniers, Le Parc, La Gare,
Les Platanes, Saint-Exupéry, Colette, George Sand, Berlioz, Rameau, Debussy, Ravel,
Les Hirondelles, Les Mésanges, Le Verger, Les Jardins, Les Vignes, Les Sources, Le Belvédère,
L'Horizon, Les Capucines, Les Cèdres, Condorcet, Les Bruyères, Le Canal, Les Mouettes,
Pablo Neruda, Frida Kahlo, Albert Camus, Les Saules, Jacques Prévert, Arthur Rimbaud,
Paul Verlaine, Molière, Émile Zola, Jules Verne, Marcel Pagnol, Édith Piaf, Germaine Tillion,
Jean Monnet, Mendès France, Boris Vian, Louis Aragon, Elsa Triolet, Marguerite Duras,
Toussaint Louverture, Léopold Senghor, Martin Luther King, Anne Frank, Irène Joliot-Curie,
Les Ormes, Les Pins, Les Roses, Les Violettes, Les Coquelicots, Les Bleuets, Les Tournesols,
Le Bocage, La Clairière, Les Prés, Le Ruisseau, La Colline, Le Port, La Marne, La Loire,
Les Étoiles, Les Camélias, Le Val Fleuri, Les Magnolias, Le Grand Pré"""
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
    "benefits": ResidentBenefit,
    "stage changes": StageChange,
    "notes": Note,
}
# The tables of hundreds of thousands of rows: their indexes are built after the rows.
BULK_TABLES = [Resident, Consent, ResidentBarrier, StageChange, Note]
# Rows of the generated data set; other parts of the bench add their own beside them (the SMS
# campaign's residence and its 10,000 recipients), so that these are minimums.
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
    tables = {**TABLES, **EMPLOYER_TABLES, **EMPLOYMENT_TABLES, **OUTREACH_TABLES}
    for label, model in tables.items():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(_table(model)))
        counts[label] = cursor.fetchone()[0]
    return counts


def data_ready(cursor):
    """True when the data of this VERSION is there in full (it is written in one transaction,
    so counts suffice; the SMS campaign's recipients may have been added since) and its
    search_text is what residents.normalise computes today."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [Resident._meta.db_table])
    if cursor.fetchone()[0] != VERSION:
        return False
    counts = row_counts(cursor)
    if any(counts[label] < expected for label, expected in EXPECTED.items()):
        return False
    for email, expected in (
        (BENCH_OFFICER_EMAIL, RESIDENCES_PER_OFFICER),
        (BENCH_MANAGER_EMAIL, RESIDENCES),
    ):
        cursor.execute(
            "SELECT count(*) FROM residents_residencemembership m JOIN accounts_user u "
            "ON u.id = m.user_id WHERE u.email = %s",
            [email],
        )
        if cursor.fetchone()[0] != expected:
            return False
    # residents.normalise may have changed since the data was written.
    _, bad = search_text_mismatches(cursor, sample=200)
    return not bad


def search_text_mismatches(cursor, sample=2000):
    """Generated residents of a random sample whose stored search_text differs from what
    residents.normalise.search_text computes (the SMS campaign's recipients, written by
    bench_sms, are not this data's)."""
    cursor.execute(
        "SELECT first_name, last_name, phone, search_text FROM residents_resident "
        "TABLESAMPLE SYSTEM (5) WHERE id <= %s LIMIT %s",
        [RESIDENTS, sample],
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
    to an SQL expression, and `source` is SQL (each a str or a psycopg Composable); fields
    left out get their default."""
    missing = _defaults(model, columns)
    expressions = [sql.SQL(e) if isinstance(e, str) else e for e in columns.values()]
    expressions += [sql.Literal(value) for value in missing.values()]
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} {}").format(
            _table(model),
            sql.SQL(", ").join(map(sql.Identifier, [*columns, *missing])),
            sql.SQL(", ").join(expressions),
            sql.SQL(source) if isinstance(source, str) else source,
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


def _drop_indexes(cursor, written):
    """Drops the indexes of the tables given, and the primary key or unique constraints they
    back, unless a foreign key needs one: building an index once over millions of rows is
    several times faster than keeping it up to date row by row. Returns what _add_indexes
    needs to build them again."""
    cursor.execute(
        "SELECT i.indrelid::regclass::text, ci.relname, c.conname, "
        "coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid)) "
        "FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "AND c.contype IN ('p', 'u', 'x') "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
        "WHERE f.contype = 'f' AND f.conindid = i.indexrelid)",
        [[model._meta.db_table for model in written]],
    )
    indexes = cursor.fetchall()
    for table, index, constraint, _ in indexes:
        if constraint:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.SQL(table), sql.Identifier(constraint)
                )
            )
        else:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
    return indexes


def _add_indexes(cursor, indexes):
    for table, _, constraint, definition in indexes:
        if constraint:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.SQL(table), sql.Identifier(constraint), sql.SQL(definition)
                )
            )
        else:
            cursor.execute(definition)  # pg_get_indexdef's CREATE INDEX


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
    indexes = _drop_indexes(cursor, BULK_TABLES)
    step("organisations", _organisations)
    step("utilisateurs", _users)
    step("résidences", _residences)
    step("rattachements", _memberships)
    # Built with the residents, written after them.
    built = {"stage_changes": [], "barriers": [], "benefits": []}
    step("résidents", _residents, built)
    step("changements", _stage_changes, built["stage_changes"])
    step("accords", _consents)
    step("freins", _barriers, built["barriers"])
    step("minima sociaux", _benefits, built["benefits"])
    del built
    step("notes", _notes)
    started = time.perf_counter()
    _add_indexes(cursor, indexes)
    timings["index"] = time.perf_counter() - started
    log(f"  {'index':<16} {len(indexes):>9} construits {timings['index']:4.1f} s")
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
    for user_id in range(2, BENCH_MANAGER_ID):
        officer = user_id < FIRST_COACH
        domain = "adoma.bench" if officer else "adelis.bench"
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{fold(first).replace(' ', '-')}.{user_id}@{domain}"
        rows.append((
            user_id, email, first, last, ADOMA if officer else ADELIS,
            Role.INSERTION_OFFICER if officer else Role.JOB_COACH,
        ))  # fmt: skip
    rows.append((BENCH_MANAGER_ID, BENCH_MANAGER_EMAIL, "Claire", "Fontaine", ADOMA, Role.MANAGER))
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
            rng.choice(TERRITORIES[territory]), territory, capacity, rng.random() < QPV_SHARE,
            True,
        ))  # fmt: skip
    columns = ["id", "name", "kind", "address", "city", "territory", "capacity", "qpv", "active"]
    return _copy(cursor, Residence, columns, rows)


def _memberships(cursor, rng, now, today):
    """Each residence's officer, and the manager on every residence."""
    rows = [
        (user_id, residence_id, now)
        for residence_id in range(1, RESIDENCES + 1)
        for user_id in (officer_of(residence_id), BENCH_MANAGER_ID)
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


def _residents(cursor, rng, now, today, built):
    return _copy(cursor, Resident, RESIDENT_COLUMNS, _resident_rows(rng, now, today, built))


def _stage_changes(cursor, rng, now, today, rows):
    # In time order, as the application would have written them.
    rows.sort(key=lambda row: row[6])
    return _copy(cursor, StageChange, STAGE_CHANGE_COLUMNS, rows)


def _barriers(cursor, rng, now, today, rows):
    rows.sort(key=lambda row: (row[3], row[0]))  # in the order they were identified
    return _copy(cursor, ResidentBarrier, BARRIER_COLUMNS, rows)


def _benefits(cursor, rng, now, today, rows):
    return _copy(cursor, ResidentBenefit, BENEFIT_COLUMNS, rows)


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


def _resident_rows(rng, now, today, built):
    """Yields resident rows and appends their stage changes, barriers and benefits to
    `built`."""
    utc, eleven = datetime.UTC, datetime.time(11)
    local = timezone.get_current_timezone()
    origins = [
        (key, _split(lasts), _split(females), _split(males), languages, groups)
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

EMPLOYMENT_VERSION = "o2r-bench-employment 2"
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


def _truncate(cursor, models, reminder_owners, versioned):
    """Empties a step's tables and their history, deletes its reminders (by their keys'
    owners) and forgets the step's version (the comment on `versioned`'s table)."""
    tables = [model._meta.db_table for model in models]
    events = [
        event._meta.db_table
        for model in models
        for event in getattr(model, "pgh_event_models", {}).values()
    ]
    cursor.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
            sql.SQL(", ").join(map(sql.Identifier, dict.fromkeys([*tables, *events])))
        )
    )
    cursor.execute(
        "DELETE FROM reminders_reminder WHERE split_part(dedup_key, ':', 1) = ANY(%s)",
        [list(reminder_owners)],
    )
    cursor.execute(sql.SQL("COMMENT ON TABLE {} IS NULL").format(_table(versioned)))


def clear_employment(cursor):
    """Empties the employment tables, their history and their reminders (before the employers
    they point at are rewritten, or before generate_employment writes them again)."""
    _truncate(cursor, EMPLOYMENT_TABLES.values(), EMPLOYMENT_REMINDER_OWNERS, Accompaniment)


def generate_employment(cursor, *, log):
    """Replaces the employment rows through `cursor`; the caller holds the transaction and has
    checked the database. Returns {step: seconds}."""
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
    the day their sharing consent was given, and their sex), and the openings of each
    territory."""
    cursor.execute(
        "SELECT r.id, r.residence_id, r.stage, r.job_coach_id, r.preferred_language, "
        "c.given_on, r.sex FROM residents_resident r "
        "JOIN residents_consent c ON c.resident_id = r.id "
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
        resident_id, residence_id, _, _, _, given_on, _ = row
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
        resident_id, residence_id, stage, _, language, given_on, _ = row
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


# --- Outreach and SMS -----------------------------------------------------------------------
#
# A step of its own (generate_outreach), run when the rows of OUTREACH_VERSION are not there:
# after the residents, whose ids, stage changes and consents it reads. Three years up to today,
# written in SQL: each row's random choices are hashes of its number (_uniform), so that the
# data is the same on every run. The residents met are those in the programme (a contact
# identifies anyone else), between their first stage change (or the start of the three years)
# and their moving out. A contact during an action (about half of them) is with a resident of
# the action's residence, during the action; when the one drawn was not there then, the
# contact is one on its own, at a time of hers. Each SMS campaign is one officer's, to the
# residents of her 10 residences living there on the day: an outreach action in each
# residence, one message per resident, in French or, for those who prefer it, Arabic — sent,
# delivered, failed, unknown, or not sent for no phone, an opt-out made before the launch or a
# withdrawn SMS consent. Referrals are filed and taken by the residence's officer (the bench
# has no residence staff accounts). The history triggers stay off while the rows are written;
# the foreign keys are checked once, at the end.

# Stored as the comment of the contacts table: a generator change means new outreach rows.
OUTREACH_VERSION = "o2r-bench-outreach 1"
OUTREACH_YEARS = 3
OUTREACH_ACTIONS = 100_000  # the SMS campaigns' own included
OUTREACH_CONTACTS = 2_000_000
CONTACTS_WITH_ACTION = 0.5
REFERRALS = 50_000
SMS_CAMPAIGNS = 600  # 6 per officer, each to about 1,000 residents: about 600,000 messages
SMS_OPT_OUTS = 5_000

OUTREACH_TABLES = {
    "actions d'aller vers": OutreachAction,
    "contacts": Contact,
    "signalements": Referral,
    "campagnes SMS": SmsCampaign,
    "SMS": SmsMessage,
    "oppositions SMS": SmsOptOut,
}
OUTREACH_WRITTEN = [
    SmsCampaign,
    SmsCampaign.residences.through,
    SmsCampaignVariant,
    OutreachAction,
    OutreachAction.staff.through,
    Contact,
    Referral,
    SmsOptOut,
    SmsMessage,
]
CONTACT_REMINDER_OWNER = "contact"  # outreach.services.contact_log's reminder_key

FIELD_ACTION_KINDS = {
    ActionKind.HALL_SESSION: 55,
    ActionKind.DOOR_TO_DOOR: 14,
    ActionKind.POSTER: 10,
    ActionKind.TEAM_MEETING: 9,
    ActionKind.INFORMATION_MEETING: 7,
    ActionKind.EVENT: 5,
}
# The actions residents are met at, and the channel of a contact there.
MEETING_CHANNELS = {
    ActionKind.HALL_SESSION: Channel.HALL,
    ActionKind.DOOR_TO_DOOR: Channel.VISIT,
    ActionKind.INFORMATION_MEETING: Channel.MEETING,
    ActionKind.EVENT: Channel.MEETING,
}
LONE_CHANNELS = {
    Channel.PHONE: 45,
    Channel.OFFICE: 25,
    Channel.SMS: 15,
    Channel.RELAY: 10,
    Channel.VISIT: 5,
}
# channel: {outcome: weight}. A reply by SMS is recorded by the application (nobody's).
CHANNEL_OUTCOMES = {
    Channel.HALL: {Outcome.INTERESTED: 30, Outcome.APPOINTMENT_SET: 15, Outcome.NOT_NOW: 40,
                   Outcome.DECLINED: 15},
    Channel.VISIT: {Outcome.INTERESTED: 20, Outcome.APPOINTMENT_SET: 10, Outcome.NOT_NOW: 25,
                    Outcome.DECLINED: 10, Outcome.NO_ANSWER: 35},
    Channel.MEETING: {Outcome.INTERESTED: 35, Outcome.APPOINTMENT_SET: 10,
                      Outcome.NOT_NOW: 45, Outcome.DECLINED: 10},
    Channel.PHONE: {Outcome.INTERESTED: 20, Outcome.APPOINTMENT_SET: 15, Outcome.NOT_NOW: 25,
                    Outcome.DECLINED: 10, Outcome.NO_ANSWER: 30},
    Channel.OFFICE: {Outcome.INTERESTED: 35, Outcome.APPOINTMENT_SET: 30, Outcome.NOT_NOW: 25,
                     Outcome.DECLINED: 10},
    Channel.SMS: {Outcome.REPLIED: 60, Outcome.INTERESTED: 10, Outcome.NO_ANSWER: 30},
    Channel.RELAY: {Outcome.INTERESTED: 30, Outcome.NOT_NOW: 40, Outcome.DECLINED: 10,
                    Outcome.NO_ANSWER: 20},
}  # fmt: skip
CONTACT_SUMMARIES = {
    Outcome.INTERESTED: [
        "Intéressée par l'atelier CV, viendra jeudi.",
        "Cherche un travail dans la propreté, à revoir.",
        "Veut des informations sur l'accompagnement emploi.",
    ],
    Outcome.APPOINTMENT_SET: [
        "Rendez-vous pris au bureau de la résidence.",
        "Rendez-vous fixé avec la chargée d'insertion mardi.",
    ],
    Outcome.NOT_NOW: [
        "Pas disponible en ce moment, à recontacter dans un mois.",
        "Suit une formation jusqu'à l'été.",
        "Travaille en intérim, repassera.",
    ],
    Outcome.DECLINED: ["Ne souhaite pas d'accompagnement.", "Pas intéressé pour l'instant."],
    Outcome.NO_ANSWER: ["Absent.", "Pas de réponse, message laissé.", ""],
    Outcome.REPLIED: ["Réponse au SMS de la campagne."],
}
CONTACT_NEXT_STEP_SHARE = 0.2  # of the appointments set: a next step, and its reminder
ACTION_NOTES = [
    "Permanence calme, quelques nouvelles personnes.",
    "Beaucoup de passage en fin de journée.",
    "Affiches posées dans le hall et aux étages.",
    "Point avec le responsable de résidence sur les personnes à rencontrer.",
    "Présentation du programme et de l'accompagnement emploi.",
]

REFERRAL_SOURCES = {
    ReferralSource.RESIDENCE_MANAGER: 35,
    ReferralSource.SOCIAL_INSERTION_MANAGER: 25,
    ReferralSource.MAINTENANCE_WORKER: 10,
    ReferralSource.NEIGHBOUR: 10,
    ReferralSource.PARTNER: 15,
    ReferralSource.SELF: 5,
}
REFERRAL_SOURCE_NAMES = [
    "M. Girard", "Mme Benali", "M. Traoré", "Mme Le Goff", "M. Haddad", "Mme Moreau",
    "M. Diallo", "Mme Perrin",
]  # fmt: skip
REFERRAL_REASONS = [
    "Cherche du travail, ne sait pas par où commencer.",
    "A perdu son emploi le mois dernier.",
    "Souhaite apprendre le français pour travailler.",
    "Jeune arrivé dans la résidence, sans activité.",
    "A demandé à l'accueil s'il y avait des offres d'emploi.",
]
REFERRAL_HOW_TO_REACH = ["Le soir, au logement", "Par l'accueil de la résidence", ""]
# Filed in the last 30 days: many still open; older: nearly all closed.
RECENT_REFERRAL_STATUSES = {
    ReferralStatus.NEW: 45,
    ReferralStatus.IN_PROGRESS: 35,
    ReferralStatus.CLOSED: 20,
}
OLD_REFERRAL_STATUSES = {
    ReferralStatus.NEW: 2,
    ReferralStatus.IN_PROGRESS: 8,
    ReferralStatus.CLOSED: 90,
}
REFERRAL_OUTCOMES = {
    ReferralOutcome.CONTACTED: 50,
    ReferralOutcome.NOT_REACHABLE: 15,
    ReferralOutcome.NOT_INTERESTED: 15,
    ReferralOutcome.ALREADY_KNOWN: 15,
    ReferralOutcome.OUT_OF_SCOPE: 5,
}

# Campaign texts: (name, {language: template}); {prenom} only, so that a body depends on the
# campaign's text and the person's first name.
SMS_TEMPLATES = [
    ("Permanence emploi dans le hall", {
        "fra": "Bonjour {prenom}, permanence emploi jeudi à 14h dans le hall de votre "
               "résidence. Venez sans rendez-vous !",
        "ara": "مرحبا {prenom}، لقاء حول العمل يوم الخميس الساعة 14 في بهو الإقامة.",
    }),
    ("Atelier CV", {
        "fra": "Bonjour {prenom}, atelier CV et numérique mercredi à 14h dans la salle commune. "
               "Gratuit, sans inscription.",
        "ara": "مرحبا {prenom}، ورشة السيرة الذاتية يوم الأربعاء الساعة 14 في القاعة المشتركة.",
    }),
    ("Réunion d'information", {
        "fra": "{prenom}, des entreprises recrutent près de chez vous. Réunion d'information "
               "lundi à 17h dans la salle commune.",
        "ara": "{prenom}، شركات توظف قرب سكنك. اجتماع إعلامي يوم الاثنين الساعة 17.",
    }),
]  # fmt: skip
SMS_STATUSES = {
    SmsStatus.DELIVERED: 90,
    SmsStatus.SENT: 5,
    SmsStatus.FAILED: 3.5,
    SmsStatus.UNKNOWN: 1.5,
}
SMS_ERRORS = {
    SmsStatus.FAILED: "Numéro non attribué (400).",
    SmsStatus.UNKNOWN: "Pas de réponse de l'opérateur dans le délai.",
}
OPT_OUT_SCOPES = {OptOutScope.ALL: 75, OptOutScope.CAMPAIGNS: 25}
OPT_OUT_SOURCES = {
    OptOutSource.STOP_REPLY: 60,
    OptOutSource.STAFF: 20,
    OptOutSource.HARD_BOUNCE: 10,
    OptOutSource.PROVIDER: 10,
}


def _uniform(number, salt):
    """SQL for a number in [0, 1) drawn from the SQL integer expression `number`: the same for
    the same number and salt, unrelated across salts."""
    return sql.SQL(
        "((hashint8extended(({})::bigint, {}) & 4294967295)::float8 / 4294967296)"
    ).format(sql.SQL(number), sql.Literal(salt))


def _weighted(u, weights):
    """SQL for one key of `weights` ({value: weight}), chosen by the uniform column `u`."""
    total = sum(weights.values())
    *firsts, last = weights
    cases, cumulative = [], 0
    for value in firsts:
        cumulative += weights[value]
        cases.append(
            sql.SQL("WHEN {} < {} THEN {}").format(
                sql.SQL(u), sql.Literal(cumulative / total), sql.Literal(str(value))
            )
        )
    return sql.SQL("CASE {} ELSE {} END").format(sql.SQL(" ").join(cases), sql.Literal(str(last)))


def _pick(u, texts):
    """SQL for one of `texts`, chosen by the uniform column `u`."""
    return sql.SQL("({})[1 + floor({} * {})::int]").format(
        _text_array(texts), sql.SQL(u), sql.Literal(len(texts))
    )


def _officer_sql(residence):
    """SQL for the officer of the residence id `residence` (officer_of)."""
    return f"1 + ({residence} - 1) / {RESIDENCES_PER_OFFICER}"


def outreach_ready(cursor):
    """True when the rows of OUTREACH_VERSION are there (written in one transaction, with the
    comment last; the measured file's long history adds some contacts)."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [Contact._meta.db_table])
    if cursor.fetchone()[0] != OUTREACH_VERSION:
        return False
    cursor.execute("SELECT count(*) FROM outreach_contact")
    return cursor.fetchone()[0] >= OUTREACH_CONTACTS


def clear_outreach(cursor):
    """Empties the outreach and SMS tables, their history and the contacts' reminders (before
    generate_outreach writes them again)."""
    _truncate(cursor, OUTREACH_WRITTEN, [CONTACT_REMINDER_OWNER], Contact)


def generate_outreach(cursor, *, log):
    """Replaces three years of outreach and SMS through `cursor`; the caller holds the
    transaction and has checked the database. Returns {step: seconds}."""
    now = timezone.now().replace(microsecond=0)
    window = _Window(now, timezone.localdate(), OUTREACH_YEARS)
    timings = {}

    def step(label, function):
        started = time.perf_counter()
        count = function()
        timings[label] = time.perf_counter() - started
        log(f"  {label:<18} {count:>9,} lignes  {timings[label]:6.1f} s")

    clear_outreach(cursor)
    # Dropped at the commit; a second run in one transaction (the tests) makes them again.
    cursor.execute(
        "DROP TABLE IF EXISTS pg_temp.bench_people, pg_temp.bench_residence_people, "
        "pg_temp.bench_templates, pg_temp.bench_sms_bodies, pg_temp.bench_actions"
    )
    tables = [model._meta.db_table for model in OUTREACH_WRITTEN]
    tracked = [t for t in (m._meta.db_table for m in _tracked_models()) if t in tables]
    for table in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
    foreign_keys = _drop_foreign_keys(cursor, OUTREACH_WRITTEN)
    indexes = _drop_indexes(cursor, [Contact, SmsMessage])  # 2,000,000 and 600,000 rows
    step("personnes", lambda: _outreach_people(cursor, window))
    step("campagnes SMS", lambda: _campaigns(cursor, window))
    step("actions", lambda: _outreach_actions(cursor, window))
    step("contacts", lambda: _outreach_contacts(cursor, window))
    step("rappels contacts", lambda: _contact_reminders(cursor, window))
    step("signalements", lambda: _referrals(cursor, window))
    step("oppositions SMS", lambda: _opt_outs(cursor, window))
    step("SMS", lambda: _sms_messages(cursor, window))
    started = time.perf_counter()
    _add_indexes(cursor, indexes)
    timings["index"] = time.perf_counter() - started
    log(f"  {'index':<18} {len(indexes):>9} construits {timings['index']:4.1f} s")
    started = time.perf_counter()
    _add_foreign_keys(cursor, foreign_keys)
    label = "clés étrangères"
    timings[label] = time.perf_counter() - started
    log(f"  {label:<18} {len(foreign_keys):>9} vérifiées {timings[label]:5.1f} s")
    for model in OUTREACH_WRITTEN:
        if not isinstance(model._meta.pk, models.AutoField):
            continue  # the SMS: uuids
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
        sql.SQL("COMMENT ON TABLE {} IS {}").format(_table(Contact), sql.Literal(OUTREACH_VERSION))
    )
    return timings


class _Window:
    """The outreach step's period, as SQL literals: [start, now), the days from the first to
    yesterday, and the local time zone."""

    def __init__(self, now, today, years):
        start = now - relativedelta(years=years)
        self.now = sql.Literal(now)
        self.start = sql.Literal(start)
        self.first_day = sql.Literal(timezone.localtime(start).date())
        self.days = sql.Literal((today - timezone.localtime(start).date()).days)
        self.tz = sql.Literal(timezone.get_current_timezone_name())

    def working_day(self, u):
        """SQL for a weekday between the first day and yesterday, drawn by the column `u` (a
        Saturday or Sunday becomes the Friday before, or the Monday after at the start)."""
        day = sql.SQL("({} + floor({} * {})::int)").format(self.first_day, sql.SQL(u), self.days)
        back = sql.SQL("(CASE extract(isodow FROM {d}) WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END)")
        back = back.format(d=day)
        return sql.SQL("({d} - {b} + CASE WHEN {d} - {b} < {first} THEN 3 ELSE 0 END)").format(
            d=day, b=back, first=self.first_day
        )

    def at(self, day, hour, slots_of_30_min):
        """SQL for the moment `slots_of_30_min` (SQL) half hours after `hour` o'clock, local
        time, on `day` (SQL date)."""
        return sql.SQL("(({} + {} + ({}) * interval '30 minutes') AT TIME ZONE {})").format(
            day, sql.Literal(datetime.time(hour)), slots_of_30_min, self.tz
        )


def _outreach_people(cursor, window):
    """Temporary tables of who can be met: the generated residents in the programme, numbered
    residence by residence (n), with the span in which they can be met (from_at, to_at); and
    per residence, the first number and how many."""
    cursor.execute(
        sql.SQL(
            """
            CREATE TEMPORARY TABLE bench_people ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY r.residence_id, r.id) AS n, r.id, r.residence_id,
                   r.first_name, r.housing_unit, r.phone, p.from_at, p.to_at
            FROM residents_resident r
            JOIN (SELECT resident_id, min(changed_at) AS first_at FROM residents_stagechange
                  GROUP BY resident_id) f ON f.resident_id = r.id
            CROSS JOIN LATERAL (
                SELECT greatest(f.first_at, {start}) AS from_at,
                       least(coalesce((r.moved_out_on + time '18:00') AT TIME ZONE {tz},
                                      {now}), {now}) - interval '1 hour' AS to_at
            ) p
            WHERE r.residence_id <= {residences} AND p.from_at < p.to_at
            """
        ).format(
            start=window.start, now=window.now, tz=window.tz, residences=sql.Literal(RESIDENCES)
        )
    )
    count = cursor.rowcount
    cursor.execute("CREATE UNIQUE INDEX ON bench_people (n)")
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_residence_people ON COMMIT DROP AS SELECT residence_id, "
        "min(n) AS first_n, count(*) AS people FROM bench_people GROUP BY residence_id"
    )
    cursor.execute("ANALYZE bench_people")
    cursor.execute("ANALYZE bench_residence_people")
    if not count:
        raise ValueError("Aucun résident dans le programme : générez d'abord les résidents.")
    return count


def _campaigns(cursor, window):
    """SMS_CAMPAIGNS launched campaigns (ids 1..), each to the 10 residences of an officer, in
    French and Arabic, with their texts; and the temporary table of every message's body by
    (text, language, first name), rendered and measured as o2r.sms would."""
    launched = window.at(
        window.working_day("u_day"), 10, sql.SQL("floor(u_time * 12)::int")
    )  # 10:00 to 15:30
    names = [name for name, _ in SMS_TEMPLATES]
    count = _insert_select(
        cursor,
        SmsCampaign,
        {
            "id": "c",
            "name": sql.SQL("{} || ' — ' || to_char(({}) AT TIME ZONE {}, 'DD/MM/YYYY')").format(
                _pick_by_index(f"(c - 1) % {len(names)}", names), launched, window.tz
            ),
            "stages": "ARRAY[]::varchar[]",
            "categories": "ARRAY[]::varchar[]",
            "languages": "ARRAY[]::varchar[]",
            "session_at": sql.SQL("{} + (2 + floor(u_day * 5)::int) * interval '1 day'").format(
                launched
            ),
            "session_place": "'Hall de la résidence'",
            "scheduled_at": "NULL",
            "legal_basis": sql.Literal(settings.O2R_SMS_CAMPAIGN_LEGAL_BASIS),
            "status": sql.Literal(CampaignStatus.LAUNCHED.value),
            "created_by_id": f"1 + (c - 1) % {OFFICERS}",
            "created_at": sql.SQL("{} - interval '1 day'").format(launched),
            "launched_by_id": f"1 + (c - 1) % {OFFICERS}",
            "launched_at": launched,
            "cancelled_by_id": "NULL",
            "cancelled_at": "NULL",
            "token": "NULL",
        },
        sql.SQL(
            "FROM (SELECT c, {} AS u_day, {} AS u_time FROM generate_series(1, {}) c) d"
        ).format(_uniform("c", 101), _uniform("c", 102), sql.Literal(SMS_CAMPAIGNS)),
    )
    _insert_select(
        cursor,
        SmsCampaign.residences.through,
        {
            "smscampaign_id": "c.id",
            "residence_id": f"(c.created_by_id - 1) * {RESIDENCES_PER_OFFICER} + k",
        },
        f"FROM outreach_smscampaign c CROSS JOIN generate_series(1, {RESIDENCES_PER_OFFICER}) k "
        "ORDER BY c.id, k",
    )
    variants = [
        (index, language, template)
        for index, (_, templates) in enumerate(SMS_TEMPLATES)
        for language, template in templates.items()
    ]
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_templates (template int, language text, body text) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY bench_templates FROM STDIN") as copy:
        for row in variants:
            copy.write_row(row)
    _insert_select(
        cursor,
        SmsCampaignVariant,
        {"campaign_id": "c.id", "language": "t.language", "body": "t.body"},
        f"FROM outreach_smscampaign c JOIN bench_templates t ON t.template = (c.id - 1) % "
        f"{len(SMS_TEMPLATES)} ORDER BY c.id, t.language",
    )
    cursor.execute(
        "SELECT DISTINCT first_name FROM residents_resident WHERE residence_id <= %s",
        [RESIDENCES],
    )
    first_names = [name for (name,) in cursor.fetchall()]
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_sms_bodies (template int, language text, first_name text, "
        "body text, encoding text, segments int, PRIMARY KEY (template, language, first_name)) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY bench_sms_bodies FROM STDIN") as copy:
        for index, language, template in variants:
            for first_name in first_names:
                body = text.with_signature(text.render(template, {"prenom": first_name}))
                measure = text.measure(body)
                copy.write_row(
                    (index, language, first_name, body, measure.encoding, measure.segments)
                )
    cursor.execute("ANALYZE bench_sms_bodies")
    return count


def _pick_by_index(index, texts):
    """SQL for texts[index], `index` an SQL integer expression from 0."""
    return sql.SQL("({})[1 + {}]").format(_text_array(texts), sql.SQL(index))


def _outreach_actions(cursor, window):
    """The field actions (each in a residence, on a weekday in working hours, by its officer)
    and the campaigns' (one per campaign and residence, at the launch), in time order; the
    officer is in each one's staff."""
    fields = OUTREACH_ACTIONS - SMS_CAMPAIGNS * RESIDENCES_PER_OFFICER
    started = window.at(window.working_day("u_day"), 9, sql.SQL("floor(u_time * 15)::int"))
    field = sql.SQL(
        """
        SELECT kind, residence, started_at,
               started_at + (1 + floor(u_length * 6)::int) * interval '30 minutes' AS ended_at,
               CASE WHEN kind = {hall} THEN floor(u_unnamed * 9)::int ELSE 0 END AS unnamed,
               CASE WHEN u_notes < 0.3 THEN {notes} ELSE '' END AS notes,
               NULL::bigint AS campaign
        FROM (
            SELECT d.*, {kind} AS kind, 1 + floor(u_residence * {residences})::int AS residence,
                   {started} AS started_at
            FROM (
                SELECT {u1} AS u_residence, {u2} AS u_kind, {u3} AS u_day, {u4} AS u_time,
                       {u5} AS u_length, {u6} AS u_unnamed, {u7} AS u_notes
                FROM generate_series(1, {fields}) g
            ) d
        ) a
        """
    ).format(
        hall=sql.Literal(ActionKind.HALL_SESSION.value),
        notes=_pick("u_notes / 0.3", ACTION_NOTES),
        kind=_weighted("u_kind", FIELD_ACTION_KINDS),
        residences=sql.Literal(RESIDENCES),
        started=started,
        **{f"u{salt}": _uniform("g", 200 + salt) for salt in range(1, 8)},
        fields=sql.Literal(fields),
    )
    campaigns = sql.SQL(
        "SELECT {kind}, cr.residence_id, c.launched_at, c.launched_at, 0, c.name, c.id "
        "FROM outreach_smscampaign c "
        "JOIN outreach_smscampaign_residences cr ON cr.smscampaign_id = c.id"
    ).format(kind=sql.Literal(ActionKind.SMS_CAMPAIGN.value))
    count = _insert_select(
        cursor,
        OutreachAction,
        {
            "kind": "a.kind",
            "residence_id": "a.residence",
            "started_at": "a.started_at",
            "ended_at": "a.ended_at",
            "unnamed_count": "a.unnamed",
            "notes": "a.notes",
            "created_by_id": _officer_sql("a.residence"),
            "campaign_id": "a.campaign",
            "token": "NULL",
        },
        sql.SQL(
            "FROM ({} UNION ALL {}) AS a (kind, residence, started_at, ended_at, unnamed, notes, "
            "campaign) ORDER BY a.started_at, a.residence"
        ).format(field, campaigns),
    )
    _insert_select(
        cursor,
        OutreachAction.staff.through,
        {"outreachaction_id": "a.id", "user_id": "a.created_by_id"},
        "FROM outreach_outreachaction a ORDER BY a.id",
    )
    cursor.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE bench_actions ON COMMIT DROP AS SELECT row_number() OVER "
            "(ORDER BY id) AS n, id, residence_id, kind, started_at, ended_at "
            "FROM outreach_outreachaction WHERE kind = ANY({})"
        ).format(_text_array(MEETING_CHANNELS))
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_actions (n)")
    cursor.execute("ANALYZE bench_actions")
    return count


def _outreach_contacts(cursor, window):
    cursor.execute("SELECT count(*) FROM bench_people")
    people = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM bench_actions")
    actions = cursor.fetchone()[0]
    meeting_channel = sql.SQL("CASE a.kind {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(str(kind)), sql.Literal(str(channel)))
            for kind, channel in MEETING_CHANNELS.items()
        )
    )
    outcome = sql.SQL("CASE ch.channel {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(
                sql.Literal(str(channel)), _weighted("d.u_outcome", weights)
            )
            for channel, weights in CHANNEL_OUTCOMES.items()
        )
    )
    summary = sql.SQL("CASE oc.outcome {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(str(o)), _pick("d.u_summary", texts))
            for o, texts in CONTACT_SUMMARIES.items()
        )
    )
    source = sql.SQL(
        """
        FROM (
            SELECT g, {u1} AS u_with, {u2} AS u_action, {u3} AS u_who, {u4} AS u_at,
                   {u5} AS u_alone, {u6} AS u_channel, {u7} AS u_outcome, {u8} AS u_summary,
                   {u9} AS u_next
            FROM generate_series(1, {contacts}) g
        ) d
        LEFT JOIN bench_actions a
            ON a.n = CASE WHEN d.u_with < {share} THEN 1 + floor(d.u_action * {actions})::int END
        LEFT JOIN bench_residence_people rp ON rp.residence_id = a.residence_id
        JOIN bench_people p ON p.n = coalesce(rp.first_n + floor(d.u_who * rp.people)::int,
                                              1 + floor(d.u_who * {people})::int)
        CROSS JOIN LATERAL (
            SELECT a.started_at + d.u_at * (a.ended_at - a.started_at) AS at
        ) during
        CROSS JOIN LATERAL (
            SELECT coalesce(p.residence_id = a.residence_id
                            AND during.at BETWEEN p.from_at AND p.to_at, false) AS met
        ) m
        CROSS JOIN LATERAL (
            SELECT CASE WHEN m.met THEN during.at
                        ELSE p.from_at + d.u_alone * (p.to_at - p.from_at) END AS at,
                   CASE WHEN m.met THEN {meeting_channel} ELSE {lone_channel} END AS channel
        ) ch
        CROSS JOIN LATERAL (SELECT {outcome} AS outcome) oc
        ORDER BY ch.at, p.id
        """
    ).format(
        **{f"u{salt}": _uniform("g", 300 + salt) for salt in range(1, 10)},
        contacts=sql.Literal(OUTREACH_CONTACTS),
        share=sql.Literal(CONTACTS_WITH_ACTION),
        actions=sql.Literal(actions),
        people=sql.Literal(people),
        meeting_channel=meeting_channel,
        lone_channel=_weighted("d.u_channel", LONE_CHANNELS),
        outcome=outcome,
    )
    next_step = sql.SQL(
        "CASE WHEN oc.outcome = {} AND d.u_next < {} THEN (ch.at AT TIME ZONE {})::date + 3 "
        "+ floor(d.u_next / {} * 12)::int END"
    ).format(
        sql.Literal(Outcome.APPOINTMENT_SET.value),
        sql.Literal(CONTACT_NEXT_STEP_SHARE),
        window.tz,
        sql.Literal(CONTACT_NEXT_STEP_SHARE),
    )
    return _insert_select(
        cursor,
        Contact,
        {
            "resident_id": "p.id",
            "action_id": "CASE WHEN m.met THEN a.id END",
            "residence_id": "p.residence_id",
            "channel": "ch.channel",
            "at": "ch.at",
            "by_id": sql.SQL("CASE WHEN oc.outcome <> {} THEN {} END").format(
                sql.Literal(Outcome.REPLIED.value), sql.SQL(_officer_sql("p.residence_id"))
            ),
            "outcome": "oc.outcome",
            "summary": summary,
            "next_step_on": next_step,
            "token": "NULL",
        },
        source,
    )


def _contact_reminders(cursor, window):
    """The officer's reminder of each contact's next step (outreach.services.contact_log),
    done two hours after it was due when that is past."""
    due = sql.SQL("((c.next_step_on + {}) AT TIME ZONE {})").format(
        sql.Literal(datetime.time(9)), window.tz
    )
    return _insert_select(
        cursor,
        Reminder,
        {
            "kind": "'staff_task'",
            "assignee_id": "c.by_id",
            "resident_id": "c.resident_id",
            "employer_id": "NULL",
            "title": "'Prochaine étape après un contact d''aller vers'",
            "due_at": due,
            "done_at": sql.SQL(
                "CASE WHEN {due} + interval '2 hours' < {now} THEN {due} + interval '2 hours' END"
            ).format(due=due, now=window.now),
            "dedup_key": sql.SQL("{} || ':' || c.id").format(sql.Literal(CONTACT_REMINDER_OWNER)),
            "source": "'automatic'",
            "created_at": "c.at",
        },
        "FROM outreach_contact c WHERE c.next_step_on IS NOT NULL ORDER BY c.id",
    )


def _referrals(cursor, window):
    """Referrals of people in the programme, filed in their span by the residence's officer;
    a new one names a person not yet linked to her file half the time; taken within 10 days,
    closed within 30 with an outcome."""
    cursor.execute("SELECT count(*) FROM bench_people")
    people = cursor.fetchone()[0]
    officer = sql.SQL(_officer_sql("p.residence_id"))
    status = sql.SQL("CASE WHEN f.filed_at > {now} - interval '30 days' THEN {recent} "
                     "ELSE {old} END").format(
        now=window.now,
        recent=_weighted("d.u_status", RECENT_REFERRAL_STATUSES),
        old=_weighted("d.u_status", OLD_REFERRAL_STATUSES),
    )  # fmt: skip
    unlinked = sql.SQL("(s.status = {} AND d.u_unlinked < 0.5)").format(
        sql.Literal(ReferralStatus.NEW.value)
    )
    source = sql.SQL(
        """
        FROM (
            SELECT g, {u1} AS u_who, {u2} AS u_filed, {u3} AS u_status, {u4} AS u_unlinked,
                   {u5} AS u_source, {u6} AS u_name, {u7} AS u_reason, {u8} AS u_taken,
                   {u9} AS u_closed, {u10} AS u_outcome, {u11} AS u_reach
            FROM generate_series(1, {referrals}) g
        ) d
        JOIN bench_people p ON p.n = 1 + floor(d.u_who * {people})::int
        CROSS JOIN LATERAL (SELECT p.from_at + d.u_filed * (p.to_at - p.from_at) AS filed_at) f
        CROSS JOIN LATERAL (SELECT {status} AS status) s
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.status <> {new} THEN least(
                f.filed_at + (1 + d.u_taken * 9) * interval '1 day', {now} - interval '1 minute'
            ) END AS taken_at
        ) t
        ORDER BY f.filed_at, p.id
        """
    ).format(
        **{f"u{salt}": _uniform("g", 400 + salt) for salt in range(1, 12)},
        referrals=sql.Literal(REFERRALS),
        people=sql.Literal(people),
        status=status,
        new=sql.Literal(ReferralStatus.NEW.value),
        now=window.now,
    )
    closed = sql.SQL("s.status = {}").format(sql.Literal(ReferralStatus.CLOSED.value))
    return _insert_select(
        cursor,
        Referral,
        {
            "residence_id": "p.residence_id",
            "resident_id": sql.SQL("CASE WHEN {} THEN NULL ELSE p.id END").format(unlinked),
            "first_name": sql.SQL("CASE WHEN {} THEN p.first_name ELSE '' END").format(unlinked),
            "housing_unit": sql.SQL("CASE WHEN {} THEN p.housing_unit ELSE '' END").format(
                unlinked
            ),
            "how_to_reach": sql.SQL("CASE WHEN {} THEN {} ELSE '' END").format(
                unlinked, _pick("d.u_reach", REFERRAL_HOW_TO_REACH)
            ),
            "source": _weighted("d.u_source", REFERRAL_SOURCES),
            "source_name": _pick("d.u_name", REFERRAL_SOURCE_NAMES),
            "reason": _pick("d.u_reason", REFERRAL_REASONS),
            "status": "s.status",
            "outcome": sql.SQL("CASE WHEN {} THEN {} ELSE '' END").format(
                closed, _weighted("d.u_outcome", REFERRAL_OUTCOMES)
            ),
            "filed_by_id": officer,
            "filed_at": "f.filed_at",
            "taken_by_id": sql.SQL("CASE WHEN t.taken_at IS NOT NULL THEN {} END").format(officer),
            "taken_at": "t.taken_at",
            "closed_at": sql.SQL(
                "CASE WHEN {} THEN least(t.taken_at + d.u_closed * interval '30 days', {}) END"
            ).format(closed, window.now),
            "token": "NULL",
        },
        source,
    )


def _opt_outs(cursor, window):
    """SMS_OPT_OUTS numbers of generated residents, one each, at a moment of the three years;
    the officer wrote down the ones the person asked her for."""
    return _insert_select(
        cursor,
        SmsOptOut,
        {
            "phone": "r.phone",
            "scope": _weighted("r.u_scope", OPT_OUT_SCOPES),
            "source": "r.source",
            "residence_id": "r.residence_id",
            "created_at": "r.created_at",
            "created_by_id": sql.SQL("CASE WHEN r.source = {} THEN {} END").format(
                sql.Literal(OptOutSource.STAFF.value), sql.SQL(_officer_sql("r.residence_id"))
            ),
        },
        sql.SQL(
            """
            FROM (
                SELECT r.*, {source} AS source, {start} + r.u_at * ({now} - {start}) AS created_at
                FROM (
                    SELECT id, phone, residence_id, {u1} AS u_pick, {u2} AS u_scope,
                           {u3} AS u_source, {u4} AS u_at
                    FROM residents_resident WHERE phone <> '' AND residence_id <= {residences}
                    ORDER BY u_pick LIMIT {opt_outs}
                ) r
            ) r
            ORDER BY r.created_at, r.id
            """
        ).format(
            source=_weighted("r.u_source", OPT_OUT_SOURCES),
            start=window.start,
            now=window.now,
            **{f"u{salt}": _uniform("id", 500 + salt) for salt in range(1, 5)},
            residences=sql.Literal(RESIDENCES),
            opt_outs=sql.Literal(SMS_OPT_OUTS),
        ),
    )


def _sms_messages(cursor, window):
    """One message per campaign and resident of its residences living there that day (what
    outreach.campaigns.campaign_launch hands to the outbox), each with the timestamps of its
    status."""
    launched_on = sql.SQL("(c.launched_at AT TIME ZONE {})::date").format(window.tz)
    # The order of outreach.campaigns.campaign_audience: phone, opt-out, SMS consent.
    skip = sql.SQL(
        """
        CASE WHEN r.phone = '' THEN {no_phone}
             WHEN NOT r.phone_is_mobile THEN {not_mobile}
             WHEN EXISTS (SELECT 1 FROM sms_smsoptout o WHERE o.phone = r.phone
                          AND o.created_at < c.launched_at) THEN {opted_out}
             WHEN k.withdrawn AND NOT k.standing THEN {withdrawn}
             WHEN c.legal_basis = {consent} AND NOT k.standing THEN {no_consent}
             ELSE '' END
        """
    ).format(
        no_phone=sql.Literal(SkipReason.NO_PHONE.value),
        not_mobile=sql.Literal(SkipReason.NOT_MOBILE.value),
        opted_out=sql.Literal(SkipReason.OPTED_OUT.value),
        withdrawn=sql.Literal(SkipReason.CONSENT_WITHDRAWN.value),
        consent=sql.Literal(LegalBasis.CONSENT.value),
        no_consent=sql.Literal(SkipReason.NO_CONSENT.value),
    )
    # o2r.sms.services.sms_consent_checks on the day of the launch.
    consent = sql.SQL(
        """
        SELECT coalesce(bool_or(k.given_on <= {day} AND (k.withdrawn_on IS NULL
                                                          OR k.withdrawn_on > {day})), false)
                   AS standing,
               coalesce(bool_or(k.withdrawn_on <= {day}), false) AS withdrawn
        FROM residents_consent k WHERE k.resident_id = r.id AND k.scope = {sms}
        """
    ).format(day=launched_on, sms=sql.Literal(ConsentScope.SMS.value))
    number = "(m.campaign::bigint * 100000000 + m.resident)"
    status = sql.SQL("CASE WHEN m.skip_reason <> '' THEN {} ELSE {} END").format(
        sql.Literal(SmsStatus.SKIPPED.value), _weighted("m.u_status", SMS_STATUSES)
    )
    went = sql.SQL("s.status <> {}").format(sql.Literal(SmsStatus.SKIPPED.value))
    sent = sql.SQL("s.status IN ({}, {})").format(
        sql.Literal(SmsStatus.SENT.value), sql.Literal(SmsStatus.DELIVERED.value)
    )
    delivered = sql.SQL("s.status = {}").format(sql.Literal(SmsStatus.DELIVERED.value))
    error = sql.SQL("CASE s.status {} ELSE '' END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(str(k)), sql.Literal(v))
            for k, v in SMS_ERRORS.items()
        )
    )
    source = sql.SQL(
        """
        FROM (
            SELECT c.id AS campaign, c.launched_at, c.created_by_id, c.legal_basis,
                   r.id AS resident, r.residence_id, r.phone, r.first_name,
                   CASE WHEN r.preferred_language = 'ara' THEN 'ara' ELSE 'fra' END AS language,
                   {skip} AS skip_reason,
                   {u1} AS u_status, {u2} AS u_queued, {u3} AS u_claimed, {u4} AS u_delivered
            FROM outreach_smscampaign c
            JOIN outreach_smscampaign_residences cr ON cr.smscampaign_id = c.id
            JOIN residents_resident r ON r.residence_id = cr.residence_id
            CROSS JOIN LATERAL ({consent}) k
            WHERE r.moved_out_on IS NULL OR r.moved_out_on > {launched_on}
        ) m
        JOIN bench_sms_bodies b ON b.template = (m.campaign - 1) % {templates}
            AND b.language = m.language AND b.first_name = m.first_name
        CROSS JOIN LATERAL (SELECT {status} AS status) s
        CROSS JOIN LATERAL (
            SELECT m.launched_at + floor(m.u_queued * 300) * interval '1 second' AS queued_at
        ) q
        CROSS JOIN LATERAL (
            SELECT q.queued_at + (1 + floor(m.u_claimed * 30)) * interval '1 second' AS claimed_at
        ) cl
        ORDER BY m.launched_at, m.campaign, m.resident
        """
    ).format(
        skip=skip,
        consent=consent,
        **{
            f"u{salt}": _uniform("c.id::bigint * 100000000 + r.id", 600 + salt)
            for salt in range(1, 5)
        },
        launched_on=launched_on,
        templates=sql.Literal(len(SMS_TEMPLATES)),
        status=status,
    )
    return _insert_select(
        cursor,
        SmsMessage,
        {
            "id": sql.SQL("md5({} || m.campaign || ':' || m.resident)::uuid").format(
                sql.Literal("o2r-bench-sms:")
            ),
            "resident_id": "m.resident",
            "owner_kind": "'campaign'",
            "owner_id": "m.campaign",
            "to": "m.phone",
            "body": sql.SQL("CASE WHEN {} THEN b.body ELSE '' END").format(went),
            "language": "m.language",
            "encoding": sql.SQL("CASE WHEN {} THEN b.encoding ELSE {} END").format(
                went, sql.Literal(text.measure("").encoding)
            ),
            "segments": sql.SQL("CASE WHEN {} THEN b.segments ELSE 0 END").format(went),
            "legal_basis": "m.legal_basis",
            "status": "s.status",
            "skip_reason": "m.skip_reason",
            "error": error,
            "not_before": "m.launched_at",
            "attempts": sql.SQL("CASE WHEN {} THEN 1 ELSE 0 END").format(went),
            "provider_id": sql.SQL("CASE WHEN {} THEN 'bench-' || {} ELSE '' END").format(
                sent, sql.SQL(number)
            ),
            "dedup_key": "'campaign:' || m.campaign || ':resident:' || m.resident",
            "residence_id": "m.residence_id",
            "created_at": "m.launched_at",
            "created_by_id": "m.created_by_id",
            "queued_at": sql.SQL("CASE WHEN {} THEN q.queued_at END").format(went),
            "claimed_at": sql.SQL("CASE WHEN {} THEN cl.claimed_at END").format(went),
            "sent_at": sql.SQL("CASE WHEN {} THEN cl.claimed_at + interval '1 second' END").format(
                sent
            ),
            "delivered_at": sql.SQL(
                "CASE WHEN {} THEN cl.claimed_at + (6 + floor(m.u_delivered * 115)) "
                "* interval '1 second' END"
            ).format(delivered),
            "reported_at": sql.SQL(
                "CASE WHEN {} THEN cl.claimed_at + (6 + floor(m.u_delivered * 115)) "
                "* interval '1 second' END"
            ).format(delivered),
            "resent_by_id": "NULL",
            "resent_at": "NULL",
            "resend_reason": "''",
        },
        source,
    )
