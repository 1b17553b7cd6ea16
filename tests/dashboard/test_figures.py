"""Every figure of every panel, on the known small world of world.py (the year 2025, today
15 January 2026): each table of figures.all_tables() is compared cell by cell with numbers
worked out by hand in the comments (people are named by first name, as in world.py).

Also proved here: the job-side filters (organisation and coach) narrow the accompaniment's
figures only; a quarter, a month and a chosen residence; rows of a residence outside the scope
never count; and resident_change_stage keeps on each row what the person was that day, so
that moving her afterwards changes no past figure.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from o2r.dashboard import figures
from o2r.dashboard.filters import DashboardFilterForm
from residents.enums import (
    BarrierCode,
    BarrierStatus,
    Benefit,
    ConsentMethod,
    ConsentScope,
    FranceTravailStatus,
    InternationalProtection,
    Sex,
    Stage,
)
from residents.models import Consent, ResidentBarrier, ResidentBenefit
from residents.services import resident_change_stage
from tests.residents.factories import ResidentFactory

from .world import TODAY, at, populate

pytestmark = pytest.mark.django_db
D = datetime.date

ALL_KEYS = [
    "parcours",
    "tendances",
    "actions",
    "actions_residences",
    "personnes",
    "contacts",
    "signalements",
    "sms",
    "reponses",
    "emploi",
    "suivis",
    "maintien",
    "portefeuilles",
    "entrees_sorties",
    "sorties_par_motif",
    "situation_6_mois",
    "maintien_6_mois",
    "par_sexe",
    "par_age",
    "par_public",
    "contrats_par_sexe",
]
STAGES = ["Repérées", "Entrées (remobilisées)", "Accompagnées (IOD)", "En emploi", "Sorties"]
KINDS = [
    "Permanence dans le hall",
    "Campagne d'affichage",
    "Réunion avec l'équipe de la résidence",
    "Porte-à-porte",
    "Réunion d'information",
    "Événement",
    "Campagne SMS",
]
OUTCOMES = [
    "Intéressé·e",
    "Rendez-vous pris",
    "Pas maintenant",
    "Pas intéressé·e",
    "Pas de réponse",
    "A répondu par SMS",
]
FOLLOW_UP_COLUMNS = ["Faits à temps", "Faits en retard", "Pas faits", "À venir", "Prévus"]
RETENTION_COLUMNS = [
    "Toujours en poste",
    "Plus en poste",
    "Inconnu",
    "À venir",
    "Prévus",
    "Maintien (%)",
]
SEXES = ["Femmes", "Hommes", "Non précisé"]
CONTRACTS = [
    "CDI",
    "CDD",
    "Intérim",
    "CDDI (insertion)",
    "Alternance (apprentissage, professionnalisation)",
    "Contrat aidé (PEC, CIE)",
]
ZERO_CONTRACTS = {label: [0, 0, 0, 0] for label in CONTRACTS[2:]}
REFERRAL_SOURCES_WITHOUT_ROWS = {
    "Responsable insertion sociale": [0, 0, None],
    "Structure partenaire": [0, 0, None],
    "La personne elle-même": [0, 0, None],
}
SITUATIONS = [
    "En emploi durable",
    "En emploi de transition",
    "En formation",
    "Suivie par le droit commun (France Travail, Département…)",
    "Sans emploi, en recherche",
    "Situation inconnue (pas de nouvelles)",
    "Autre",
    "Pas encore relevée",
]


def selection(user, **params):
    form = DashboardFilterForm(QueryDict(urlencode(params, doseq=True)), user=user, today=TODAY)
    chosen = form.selection()
    assert chosen is not None, form.errors
    return chosen


def tables(user, **params):
    return {table.key: table for table in figures.all_tables(selection(user, **params), TODAY)}


def cells(table):
    """{row label: [values]}: every cell of the table."""
    return {row.label: row.values for row in table.rows}


def months(values_by_month):
    """The trend table of 2025: the twelve months, zeros where nothing is said."""
    return {
        f"{month:02d}/2025": values_by_month.get(month, [0, 0, 0, 0, 0]) for month in range(1, 13)
    }


def situations(**counts):
    rows = {label: [counts.get(label, 0)] for label in SITUATIONS}
    rows["Total"] = [sum(counts.values())]
    return rows


# --- The housing manager, the whole year 2025 --------------------------------------------------


def test_the_path(world):
    panel = tables(world.housing_manager, annee="2025")

    path = panel["parcours"]
    assert path.columns == ["Personnes", "Taux de passage (%)", "Délai médian (jours)"]
    assert cells(path) == {
        # Amina, Bakary, Chloé, Emma, Farid, Inès, and Kofi (00:30 on 1 January in Paris);
        # not Dmitri (identified in 2024), Nora (23:30 on 31 December 2024), nor Hugo
        # (Saint-Nazaire).
        "Repérées": [7, None, None],
        # Amina, Bakary, Chloé, Dmitri, Farid. Of the 7 identified in 2025, 4 were engaged
        # afterwards (not Emma, Inès, Kofi): 57.1 %. Days identified: 29 (Farid), 31 (Amina),
        # 60 (Bakary), 61 (Chloé), 61 (Dmitri, since November 2024): median 60.
        "Remobilisées (accord d'accompagnement)": [5, 57.1, 60.0],
        # Amina, Bakary, Dmitri, Farid (Bakary's return from his job counts him once); 4 of
        # the 5 engaged (not Chloé): 80 %. Days engaged: 20, 30, 30, 31: median 30.
        "Accompagnées (IOD)": [4, 80.0, 30.0],
        # Amina, Bakary, Dmitri, Farid, Gloria (accompanied since December 2024); the 4
        # accompanied in 2025 were all hired after: 100 %. Days accompanied: 17 (Dmitri),
        # 20 (Amina), 31 (Farid), 32 (Bakary), 64 (Gloria): median 31.
        "En emploi": [5, 100.0, 31.0],
        # Hired in 2025: Amina (CDI), Bakary (CDD of 3 months), Dmitri (CDI), Farid (CDD of 6
        # months to the day), Gloria (CDI): 4 durable of 5.
        "En emploi durable": [4, 80.0, None],
        # M6 confirms Amina and Dmitri; due: those 2, Bakary (ended early) and Gloria (M6 not
        # done); Farid's is not due before March 2026: 2 of 4.
        "Toujours en emploi 6 mois après l'embauche": [2, 50.0, None],
    }
    assert path.value("En emploi", "Délai médian (jours)") == 31.0

    trends = panel["tendances"]
    assert trends.columns == STAGES
    assert cells(trends) == months(
        {
            1: [3, 1, 0, 0, 0],  # Amina, Bakary, Kofi identified; Dmitri engaged
            2: [1, 1, 1, 1, 0],  # Chloé; Amina; Dmitri; Gloria hired
            3: [1, 1, 1, 1, 0],  # Emma; Bakary; Amina; Dmitri hired
            4: [0, 1, 1, 1, 0],  # Chloé engaged; Bakary accompanied; Amina hired
            5: [0, 0, 0, 1, 1],  # Bakary hired; Emma exited (handover)
            6: [1, 0, 1, 0, 0],  # Farid identified; Bakary back in accompaniment
            7: [0, 1, 0, 0, 1],  # Farid engaged; Chloé exited (health)
            8: [0, 0, 1, 0, 0],  # Farid accompanied
            9: [0, 0, 0, 1, 1],  # Farid hired; Bakary exited (transitional employment)
            10: [1, 0, 0, 0, 0],  # Inès identified
            11: [0, 0, 0, 0, 1],  # Inès exited (lost contact); December: nothing
        }
    )


def test_outreach(world):
    panel = tables(world.housing_manager, annee="2025")

    actions = panel["actions"]
    assert actions.columns == [
        "Actions",
        "Personnes nommées rencontrées",
        "Personnes rencontrées sans nom",
    ]
    assert (
        cells(actions)
        == {
            # 4 hall sessions at Les Dervallières, 2 at Malakoff (not Saint-Nazaire's, nor
            # December 2024's). Named: Amina and Bakary (twice, once counted) in the first, Farid,
            # Chloé (Kofi's closed door is nobody), Inès and Kofi: 6. Unnamed: 3+2+0+1+4+0.
            KINDS[0]: [6, 6, 10],
            KINDS[1]: [2, 0, 0],  # posters: one in each residence
            **{kind: [0, 0, 0] for kind in KINDS[2:]},
            "Total": [8, 6, 10],
        }
    )

    by_residence = panel["actions_residences"]
    assert by_residence.columns == [*KINDS, "Total"]
    assert cells(by_residence) == {
        "Résidence Les Dervallières": [4, 1, 0, 0, 0, 0, 0, 5],
        "Résidence Malakoff": [2, 1, 0, 0, 0, 0, 0, 3],
        "Total": [6, 2, 0, 0, 0, 0, 0, 8],
    }

    # Reached (a two-way contact): Amina, Bakary, Farid, Chloé, Kofi, Inès, Gloria and
    # Chloé's SMS replies, Emma's visit: 8; Dmitri's unanswered call and relay reach nobody.
    assert cells(panel["personnes"]) == {"Personnes jointes": [8], "Contacts notés": [15]}

    contacts = panel["contacts"]
    assert contacts.columns == [*OUTCOMES, "Total"]
    assert cells(contacts) == {
        "Dans le hall": [5, 0, 1, 1, 1, 0, 8],
        "Téléphone": [1, 0, 0, 0, 2, 0, 3],
        "SMS": [0, 0, 0, 0, 0, 2, 2],
        "Visite au logement": [0, 1, 0, 0, 0, 0, 1],
        "Au bureau": [0, 0, 0, 0, 0, 0, 0],
        "Réunion": [0, 0, 0, 0, 0, 0, 0],
        "Par un relais": [1, 0, 0, 0, 0, 0, 1],
        "Total": [7, 1, 1, 1, 3, 2, 15],
    }

    referrals = panel["signalements"]
    assert referrals.columns == ["Signalements", "Pris en charge", "Délai médian (jours)"]
    assert cells(referrals) == {
        "Responsable de résidence": [3, 2, 3.0],  # taken after 2 and 4 days; one waiting
        "Ouvrier de maintenance": [1, 1, 10.0],
        "Voisin·e": [1, 0, None],
        **REFERRAL_SOURCES_WITHOUT_ROWS,
    }

    assert cells(panel["sms"]) == {
        "Reçus par la personne": [5],
        "Envoyés (réception non confirmée)": [1],
        "Échecs": [1],
        "Incertains": [1],
        "Non envoyés ou annulés": [2],  # one skipped, one cancelled
        "En attente d'envoi": [2],  # one pending, one sending
        "SMS écrits": [12],
    }
    assert cells(panel["reponses"]) == {"Réponses reçues": [2], "Oppositions": [2]}


def test_employment(world):
    panel = tables(world.housing_manager, annee="2025")

    activity = panel["emploi"]
    assert activity.columns == ["Nombre", "Part (%)"]
    assert cells(activity) == {
        # The Nantes companies (not Saint-Nazaire's, nor 2024's steps): Le Fournil, Nettoyage
        # Atlantique, Logistique; 6 steps, of which 3 face-to-face meetings (a visit that only
        # set an appointment is none).
        "Entreprises prospectées": [3, None],
        "Démarches de prospection": [6, None],
        "Rencontres avec une entreprise": [3, None],
        # Openings of 2025 in Nantes: 2 + 1 + 1 + 3 positions; all but one hidden.
        "Offres captées": [4, None],
        "Postes offerts": [7, None],
        "Offres du marché caché": [3, 75.0],
        # Proposed in 2025: all but Gloria's (December 2024), Amina's second one included;
        # held in 2025: Amina, Bakary, Farid, Dmitri, and Gloria's (proposed in 2024).
        "Mises en relation proposées": [6, None],
        "Rencontres sur le lieu de travail": [5, None],
        # Amina, Bakary, Dmitri, Farid, Gloria; CDI: Amina, Dmitri, Gloria; 35 h: Amina,
        # Dmitri, Farid.
        "Embauches": [5, None],
        "dont CDI": [3, 60.0],
        "dont temps plein": [3, 60.0],
    }

    follow_ups = panel["suivis"]
    assert follow_ups.columns == [*FOLLOW_UP_COLUMNS, "À temps (%)"]
    assert cells(follow_ups) == {
        # Late: Farid's D+7 (12 days), Amina's M1 (19), Gloria's M3 (9), Lina's M6 (18); not
        # done: Farid's M1, Gloria's M6; Bakary's M3 and M6 were cancelled by his job's end.
        "J+7": [4, 1, 0, 0, 5, 80.0],
        "M+1": [3, 1, 1, 0, 5, 60.0],
        "M+3": [3, 1, 0, 0, 4, 75.0],
        "M+6": [2, 1, 1, 0, 4, 50.0],  # Amina, Dmitri on time; Lina late; Gloria not done
        "Autre suivi": [1, 0, 0, 0, 1, 100.0],
    }

    retention = panel["maintien"]
    assert retention.columns == RETENTION_COLUMNS
    assert cells(retention) == {
        "à 1 mois": [4, 0, 1, 0, 5, 100.0],  # Farid's M1 not done: unknown
        # Amina and Dmitri in post, Gloria no longer, Farid's done without saying: 2 of 3.
        "à 3 mois": [2, 1, 1, 0, 4, 66.7],
        "à 6 mois": [3, 0, 1, 0, 4, 100.0],  # Amina, Dmitri, Lina; Gloria's not done
    }

    caseloads = panel["portefeuilles"]
    assert caseloads.title == "Portefeuilles des chargées de mission (repère : 50)"
    assert caseloads.columns == ["Accompagnements en cours", "Charge (%)"]
    assert cells(caseloads) == {
        # Open on 31 December 2025 (Bakary's ended in September, Hugo's is Saint-Nazaire's),
        # by last name.
        "Paul Durand": [1, 2.0],  # Dmitri
        "Nadia Leroy": [1, 2.0],  # Lina
        "Claire Moreau": [3, 6.0],  # Amina, Farid, Gloria
    }


def test_the_funders_report(world):
    panel = tables(world.housing_manager, annee="2025")

    assert cells(panel["entrees_sorties"]) == {"Entrées": [5], "Sorties": [4]}
    assert cells(panel["sorties_par_motif"]) == {
        "Emploi durable": [0],
        "Emploi de transition": [1],  # Bakary
        "Formation": [0],
        "Relais vers le droit commun (France Travail, Département)": [1],  # Emma
        "Départ de la résidence": [0],  # Nora's is in 2026
        "Ne souhaite plus être accompagné": [0],
        "Perdu de vue": [1],  # Inès (Hugo's is Saint-Nazaire's)
        "Raisons de santé": [1],  # Chloé
        "Autre": [0],
        "Total": [4],
    }
    # Accompaniments ended from 1 July 2024 to 30 June 2025: Omar (durable employment), Xavier
    # (Insertion Plus, looking for a job), Paula (not recorded yet); not Théo (30 June 2024),
    # Sami (Saint-Nazaire) nor Bakary (September 2025).
    assert cells(panel["situation_6_mois"]) == situations(
        **{"En emploi durable": 1, "Sans emploi, en recherche": 1, "Pas encore relevée": 1}
    )
    assert cells(panel["maintien_6_mois"]) == {
        "Confirmé en poste": [2],  # Amina, Dmitri
        "Terminé": [1],  # Bakary
        "Inconnu": [1],  # Gloria
        "Pas encore échu": [1],  # Farid
        "Total": [5],
    }

    # Who they were that day. Identified: Amina F30 (minimum social), Bakary M50
    # (protection, invisible), Chloé F22 (health, RQTH), Emma F (no age), Farid M40, Inès F45
    # (invisible), Kofi (sex not given) 60. Engaged: Amina, Bakary, Chloé, Dmitri M58
    # (minimum social, invisible), Farid. Accompanied: Amina, Bakary, Dmitri, Farid.
    # Employed: those 4 and Gloria F35 (RQTH). Exited: Bakary, Chloé, Emma, Inès. Les
    # Dervallières (QPV): Amina, Bakary, Farid, Gloria.
    by_sex = panel["par_sexe"]
    assert by_sex.columns == STAGES
    assert cells(by_sex) == {
        "Femmes": [4, 2, 1, 2, 3],
        "Hommes": [2, 3, 3, 3, 1],
        "Non précisé": [1, 0, 0, 0, 0],
        "Ensemble": [7, 5, 4, 5, 4],
    }
    assert cells(panel["par_age"]) == {
        "Moins de 26 ans": [1, 1, 0, 0, 1],  # Chloé
        "26 à 44 ans": [2, 2, 2, 3, 0],  # Amina, Farid, Gloria
        "45 à 54 ans": [2, 1, 1, 1, 2],  # Bakary, Inès
        "55 ans et plus": [1, 1, 1, 1, 0],  # Kofi, Dmitri
        "Âge non renseigné": [1, 0, 0, 0, 1],  # Emma
        "Ensemble": [7, 5, 4, 5, 4],
    }
    assert cells(panel["par_public"]) == {
        "Minimum social": [1, 2, 2, 2, 0],
        "Protection internationale": [1, 1, 1, 1, 1],
        "Frein santé": [1, 1, 0, 0, 1],
        "RQTH": [1, 1, 0, 1, 1],
        "« Invisible » (sans suivi France Travail)": [2, 2, 2, 2, 2],
        "Résidence en quartier prioritaire (QPV)": [3, 3, 3, 4, 1],
    }
    contracts = panel["contrats_par_sexe"]
    assert contracts.columns == [*SEXES, "Total"]
    assert cells(contracts) == {
        "CDI": [2, 1, 0, 3],  # Amina, Gloria; Dmitri
        "CDD": [0, 2, 0, 2],  # Bakary, Farid
        **ZERO_CONTRACTS,
        "Total": [2, 3, 0, 5],
    }


def test_every_table_of_the_page_is_checked_here(world):
    # A new table fails this test until its figures are checked above.
    keys = [table.key for table in figures.all_tables(selection(world.housing_manager), TODAY)]
    assert keys == ALL_KEYS


# --- The job side: organisation and coach --------------------------------------------------


def test_the_employment_manager_reads_her_organisations_job_side_only(world):
    """Insertion Plus's rows (Dmitri's accompaniment and hire, Paul Durand's prospecting,
    opening, caseload, Xavier's exit) never count for the Adelis manager; the outreach and the
    first steps of the path are the residences' and do not move."""
    hers = tables(world.employment_manager, annee="2025")
    housing = tables(world.housing_manager, annee="2025")

    for key in ["actions", "actions_residences", "personnes", "contacts", "signalements"]:
        assert cells(hers[key]) == cells(housing[key]), key
    for key in ["sms", "reponses", "entrees_sorties", "sorties_par_motif"]:
        assert cells(hers[key]) == cells(housing[key]), key

    assert cells(hers["parcours"]) == {
        "Repérées": [7, None, None],
        "Remobilisées (accord d'accompagnement)": [5, 57.1, 60.0],
        # Amina, Bakary, Farid: 3 of the 5 engaged; days engaged 20, 30, 31.
        "Accompagnées (IOD)": [3, 60.0, 30.0],
        # Amina, Bakary, Farid, Gloria; days accompanied 20, 31, 32, 64: median 31.5.
        "En emploi": [4, 100.0, 31.5],
        "En emploi durable": [3, 75.0, None],  # Amina, Farid, Gloria of 4
        "Toujours en emploi 6 mois après l'embauche": [1, 33.3, None],  # Amina, of 3 due
    }
    trends = cells(hers["tendances"])
    assert trends["02/2025"] == [1, 1, 0, 1, 0]  # Dmitri's accompaniment is not hers
    assert trends["03/2025"] == [1, 1, 1, 0, 0]  # nor his hire
    assert cells(hers["emploi"]) == {
        "Entreprises prospectées": [3, None],
        "Démarches de prospection": [5, None],  # not Paul Durand's visit
        "Rencontres avec une entreprise": [2, None],
        "Offres captées": [3, None],
        "Postes offerts": [4, None],
        "Offres du marché caché": [2, 66.7],
        "Mises en relation proposées": [5, None],
        "Rencontres sur le lieu de travail": [4, None],
        "Embauches": [4, None],
        "dont CDI": [2, 50.0],
        "dont temps plein": [2, 50.0],
    }
    assert cells(hers["suivis"]) == {
        "J+7": [3, 1, 0, 0, 4, 75.0],
        "M+1": [2, 1, 1, 0, 4, 50.0],
        "M+3": [2, 1, 0, 0, 3, 66.7],
        "M+6": [1, 1, 1, 0, 3, 33.3],
        "Autre suivi": [1, 0, 0, 0, 1, 100.0],
    }
    assert cells(hers["maintien"]) == {
        "à 1 mois": [3, 0, 1, 0, 4, 100.0],
        "à 3 mois": [1, 1, 1, 0, 3, 50.0],
        "à 6 mois": [2, 0, 1, 0, 3, 100.0],
    }
    assert cells(hers["portefeuilles"]) == {"Nadia Leroy": [1, 2.0], "Claire Moreau": [3, 6.0]}
    assert cells(hers["situation_6_mois"]) == situations(
        **{"En emploi durable": 1, "Pas encore relevée": 1}
    )
    assert cells(hers["maintien_6_mois"]) == {
        "Confirmé en poste": [1],
        "Terminé": [1],
        "Inconnu": [1],
        "Pas encore échu": [1],
        "Total": [4],
    }
    assert cells(hers["par_sexe"]) == {
        "Femmes": [4, 2, 1, 2, 3],
        "Hommes": [2, 3, 2, 2, 1],
        "Non précisé": [1, 0, 0, 0, 0],
        "Ensemble": [7, 5, 3, 4, 4],
    }
    assert cells(hers["par_age"]) == {
        "Moins de 26 ans": [1, 1, 0, 0, 1],
        "26 à 44 ans": [2, 2, 2, 3, 0],
        "45 à 54 ans": [2, 1, 1, 1, 2],
        "55 ans et plus": [1, 1, 0, 0, 0],
        "Âge non renseigné": [1, 0, 0, 0, 1],
        "Ensemble": [7, 5, 3, 4, 4],
    }
    assert cells(hers["par_public"]) == {
        "Minimum social": [1, 2, 1, 1, 0],
        "Protection internationale": [1, 1, 1, 1, 1],
        "Frein santé": [1, 1, 0, 0, 1],
        "RQTH": [1, 1, 0, 1, 1],
        "« Invisible » (sans suivi France Travail)": [2, 2, 1, 1, 2],
        "Résidence en quartier prioritaire (QPV)": [3, 3, 3, 4, 1],
    }
    assert cells(hers["contrats_par_sexe"]) == {
        "CDI": [2, 0, 0, 2],
        "CDD": [0, 2, 0, 2],
        **ZERO_CONTRACTS,
        "Total": [2, 2, 0, 4],
    }


def test_the_coach_filter(world):
    claire = world.coaches["coach_a"]
    panel = tables(world.employment_manager, annee="2025", coach=claire.pk)

    assert cells(panel["parcours"]) == {
        "Repérées": [7, None, None],
        "Remobilisées (accord d'accompagnement)": [5, 57.1, 60.0],
        "Accompagnées (IOD)": [2, 40.0, 30.5],  # Amina (30 days), Farid (31)
        "En emploi": [3, 100.0, 31.0],  # Amina (20), Farid (31), Gloria (64)
        "En emploi durable": [3, 100.0, None],
        "Toujours en emploi 6 mois après l'embauche": [1, 50.0, None],  # Amina; Gloria due
    }
    assert cells(panel["emploi"]) == {
        "Entreprises prospectées": [2, None],
        "Démarches de prospection": [4, None],
        "Rencontres avec une entreprise": [2, None],
        "Offres captées": [2, None],
        "Postes offerts": [3, None],
        "Offres du marché caché": [1, 50.0],
        "Mises en relation proposées": [4, None],  # Amina's two, Farid's two
        "Rencontres sur le lieu de travail": [3, None],  # Amina, Farid, Gloria
        "Embauches": [3, None],
        "dont CDI": [2, 66.7],
        "dont temps plein": [2, 66.7],
    }
    assert cells(panel["suivis"]) == {
        "J+7": [2, 1, 0, 0, 3, 66.7],
        "M+1": [1, 1, 1, 0, 3, 33.3],
        "M+3": [2, 1, 0, 0, 3, 66.7],
        "M+6": [1, 0, 1, 0, 2, 50.0],
        "Autre suivi": [1, 0, 0, 0, 1, 100.0],
    }
    assert cells(panel["portefeuilles"]) == {"Claire Moreau": [3, 6.0]}
    assert cells(panel["situation_6_mois"]) == situations(**{"Pas encore relevée": 1})  # Paula
    assert panel["maintien_6_mois"].value("Pas encore échu", "Embauches") == 1  # Farid
    assert panel["maintien_6_mois"].value("Total", "Embauches") == 3
    assert cells(panel["contrats_par_sexe"])["Total"] == [2, 1, 0, 3]
    # The residences' figures do not move.
    assert panel["actions"].value("Total", "Actions") == 8


def test_the_housing_manager_may_choose_an_employment_organisation(world):
    panel = tables(world.housing_manager, annee="2025", organisation=world.insertion_plus.pk)

    assert cells(panel["parcours"]) == {
        "Repérées": [7, None, None],
        "Remobilisées (accord d'accompagnement)": [5, 57.1, 60.0],
        "Accompagnées (IOD)": [1, 20.0, 30.0],  # Dmitri only
        "En emploi": [1, 100.0, 17.0],
        "En emploi durable": [1, 100.0, None],
        "Toujours en emploi 6 mois après l'embauche": [1, 100.0, None],
    }
    assert panel["emploi"].value("Démarches de prospection", "Nombre") == 1
    assert panel["emploi"].value("Postes offerts", "Nombre") == 3
    assert cells(panel["portefeuilles"]) == {"Paul Durand": [1, 2.0]}
    assert cells(panel["situation_6_mois"]) == situations(**{"Sans emploi, en recherche": 1})


# --- Other periods and a chosen residence --------------------------------------------------


def test_a_quarter(world):
    chosen = selection(world.housing_manager, periode="trimestre", annee="2025", trimestre="2")
    assert (chosen.start, chosen.end, chosen.label) == (
        D(2025, 4, 1),
        D(2025, 7, 1),
        "2e trimestre 2025",
    )
    panel = {table.key: table for table in figures.all_tables(chosen, TODAY)}

    assert cells(panel["parcours"]) == {
        # Farid identified in June, engaged in July: 0 of 1 within the quarter.
        "Repérées": [1, None, None],
        "Remobilisées (accord d'accompagnement)": [1, 0.0, 61.0],  # Chloé, 61 days
        "Accompagnées (IOD)": [1, 0.0, 20.0],  # Bakary in April (June's return: no step)
        # Amina (accompanied in March) and Bakary; of the quarter's accompanied, Bakary was
        # hired: 1 of 1. Days accompanied: 20 and 32.
        "En emploi": [2, 100.0, 26.0],
        "En emploi durable": [1, 50.0, None],  # Amina's CDI; Bakary's 3-month CDD
        "Toujours en emploi 6 mois après l'embauche": [1, 50.0, None],  # Bakary ended
    }
    assert cells(panel["tendances"]) == {
        "04/2025": [0, 1, 1, 1, 0],
        "05/2025": [0, 0, 0, 1, 1],
        "06/2025": [1, 0, 1, 0, 0],
    }
    assert cells(panel["actions"])["Total"] == [3, 1, 0]  # Farid's hall, two posters


def test_a_month(world):
    chosen = selection(world.housing_manager, periode="mois", annee="2025", mois="9")
    assert chosen.label == "septembre 2025"
    panel = {table.key: table for table in figures.all_tables(chosen, TODAY)}

    assert cells(panel["parcours"]) == {
        "Repérées": [0, None, None],
        "Remobilisées (accord d'accompagnement)": [0, None, None],
        "Accompagnées (IOD)": [0, None, None],
        # Farid, after 31 days accompanied (in August: no rate within September).
        "En emploi": [1, None, 31.0],
        "En emploi durable": [1, 100.0, None],
        "Toujours en emploi 6 mois après l'embauche": [0, None, None],  # not due yet
    }
    assert cells(panel["tendances"]) == {"09/2025": [0, 0, 0, 1, 1]}
    assert cells(panel["suivis"]) == {
        "J+7": [0, 1, 0, 0, 1, 0.0],  # Farid's, late
        "M+1": [0, 0, 0, 0, 0, None],
        "M+3": [0, 0, 0, 0, 0, None],
        "M+6": [1, 0, 0, 0, 1, 100.0],  # Dmitri's
    }
    assert cells(panel["maintien"]) == {
        "à 1 mois": [0, 0, 0, 0, 0, None],
        "à 3 mois": [0, 0, 0, 0, 0, None],
        "à 6 mois": [1, 0, 0, 0, 1, 100.0],
    }
    # Open on 30 September: Bakary's ended on the 15th.
    assert cells(panel["portefeuilles"]) == {
        "Paul Durand": [1, 2.0],
        "Nadia Leroy": [1, 2.0],
        "Claire Moreau": [3, 6.0],
    }
    assert cells(panel["situation_6_mois"]) == situations()  # none ended in March 2025


def test_a_chosen_residence(world):
    panel = tables(world.housing_manager, annee="2025", residence=world.malakoff.pk)

    # Malakoff: Chloé, Emma, Inès, Kofi identified; Chloé and Dmitri engaged; Dmitri
    # accompanied and hired.
    assert [row.values[0] for row in panel["parcours"].rows] == [4, 2, 1, 1, 1, 1]
    assert cells(panel["actions_residences"]) == {
        "Résidence Malakoff": [2, 1, 0, 0, 0, 0, 0, 3],
        "Total": [2, 1, 0, 0, 0, 0, 0, 3],
    }
    assert cells(panel["personnes"]) == {"Personnes jointes": [4], "Contacts notés": [8]}
    assert cells(panel["portefeuilles"]) == {"Paul Durand": [1, 2.0], "Nadia Leroy": [1, 2.0]}


def test_rows_outside_the_scope_never_count(world):
    """The same rows again, all in Saint-Nazaire (its residence and its company): no figure
    moves, for either manager."""

    def everything(user):
        return [
            (table.key, table.columns, cells(table))
            for table in figures.all_tables(selection(user, annee="2025"), TODAY)
        ]

    before = {user: everything(user) for user in (world.housing_manager, world.employment_manager)}
    populate(
        world,
        copy=1,
        residences={"in_qpv": world.salines, "malakoff": world.salines},
        employers=world.employers["estuaire"],
    )

    for user, figures_before in before.items():
        assert everything(user) == figures_before


# --- What a stage change keeps ---------------------------------------------------------------


@pytest.fixture
def awa(officer, coach, nantes_residences):
    """Born on 1 April 1990: 34 in March 2025, 35 in April. RSA (and the prime d'activité,
    which is no minimum social), refugee, RQTH, a health barrier being addressed, not
    registered with France Travail (so "invisible"), Claire Moreau as her coach."""
    person = ResidentFactory(
        first_name="Awa",
        last_name="Koné",
        residence=nantes_residences[0],
        stage=None,
        sex=Sex.FEMALE,
        birth_date=D(1990, 4, 1),
        international_protection=InternationalProtection.REFUGEE,
        rqth=True,
        france_travail_status=FranceTravailStatus.NOT_REGISTERED,
        job_coach=coach,
    )
    ResidentBenefit.objects.create(resident=person, benefit=Benefit.RSA)
    ResidentBenefit.objects.create(resident=person, benefit=Benefit.PRIME_ACTIVITE)
    ResidentBarrier.objects.create(
        resident=person,
        code=BarrierCode.HEALTH,
        status=BarrierStatus.BEING_ADDRESSED,
        identified_on=D(2025, 1, 1),
    )
    Consent.objects.create(
        resident=person,
        scope=ConsentScope.ACCOMPANIMENT,
        given_on=D(2025, 4, 1),
        method=ConsentMethod.ORAL,
        recorded_by=officer,
    )
    return person


def _walk(person, officer, time_machine):
    """Identified on 10 March 2025, engaged on 14 April 2025, through the service."""
    time_machine.move_to(at(2025, 3, 10), tick=False)
    first = resident_change_stage(resident=person, to=Stage.IDENTIFIED, by=officer)
    time_machine.move_to(at(2025, 4, 14), tick=False)
    second = resident_change_stage(resident=person, to=Stage.ENGAGED, by=officer)
    return first, second


def test_a_stage_change_keeps_the_person_as_she_was_that_day(
    awa, officer, coach, adelis, nantes_residences, time_machine
):
    first, second = _walk(awa, officer, time_machine)

    kept = {
        "residence_id": nantes_residences[0].pk,
        "coach_id": coach.pk,
        "organisation_id": adelis.pk,
        "sex": Sex.FEMALE,
        "social_minimum": True,  # the RSA
        "international_protection": True,
        "health_barrier": True,
        "rqth": True,
        "invisible": True,
    }
    for change in (first, second):
        change.refresh_from_db()
        assert {field: getattr(change, field) for field in kept} == kept
    assert (first.age, second.age) == (34, 35)  # her age on each day
    assert first.from_stage_since is None
    assert second.from_stage_since == first.changed_at == at(2025, 3, 10)
    assert second.changed_at == at(2025, 4, 14)


def test_the_prime_dactivite_alone_a_lifted_barrier_and_asylum_are_not_kept_as_categories(
    officer, nantes_residences, time_machine
):
    time_machine.move_to(at(2025, 3, 10), tick=False)
    person = ResidentFactory(
        residence=nantes_residences[1],
        stage=None,
        birth_date=None,
        france_travail_status=FranceTravailStatus.REGISTERED,
        last_referent_contact_on=D(2025, 2, 1),  # five weeks ago: followed
        # An asylum seeker is not yet under international protection (BPI).
        international_protection=InternationalProtection.ASYLUM_SEEKER,
    )
    ResidentBenefit.objects.create(resident=person, benefit=Benefit.PRIME_ACTIVITE)
    ResidentBarrier.objects.create(
        resident=person,
        code=BarrierCode.HEALTH,
        status=BarrierStatus.LIFTED,
        identified_on=D(2025, 1, 1),
        lifted_on=D(2025, 2, 1),
    )

    change = resident_change_stage(resident=person, to=Stage.IDENTIFIED, by=officer)

    change.refresh_from_db()
    assert change.residence_id == nantes_residences[1].pk
    assert (change.coach_id, change.organisation_id, change.age) == (None, None, None)
    assert change.sex == Sex.UNSPECIFIED
    assert not change.social_minimum
    assert not change.health_barrier
    assert not change.international_protection
    assert not change.rqth
    assert not change.invisible


def test_moving_afterwards_changes_no_past_figure(
    awa, officer, adoma_manager, nantes_residences, time_machine
):
    in_qpv, malakoff = nantes_residences[:2]
    _walk(awa, officer, time_machine)

    def figures_of(residence):
        panel = tables(adoma_manager, annee="2025", residence=residence.pk)
        return {key: cells(panel[key]) for key in ("parcours", "par_sexe", "par_public")}

    before = figures_of(in_qpv)
    assert before["parcours"]["Repérées"][0] == 1
    assert before["par_public"]["Minimum social"] == [1, 1, 0, 0, 0]

    # She moves to Malakoff, leaves the RSA, her barrier is lifted, she changes coach.
    awa.residence = malakoff
    awa.rqth = False
    awa.job_coach = None
    awa.save()
    awa.benefits.all().delete()
    awa.barriers.update(status=BarrierStatus.LIFTED, lifted_on=D(2025, 5, 1))

    assert figures_of(in_qpv) == before
    assert figures_of(malakoff)["parcours"]["Repérées"][0] == 0
