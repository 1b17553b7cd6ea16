"""Demo data: the six residences of the Nantes programme, the two organisations and one user
per role. Invented people and addresses; only `load_demo` writes them, never production."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum import luhn

from employers import services
from employers.enums import (
    ContractType,
    DroppedRequirement,
    NetworkStatus,
    OpeningStatus,
    ProspectingKind,
    ProspectingOutcome,
    Schedule,
    Sector,
    SizeBand,
)
from employers.models import Employer, JobOpening, RomeAppellation
from employment.enums import PostExitSituation
from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User
from o2r.core.demo_sms import demo_sms
from o2r.reminders.models import Reminder
from o2r.reminders.services import reminder_done_by_key, reminder_key
from residents.enums import (
    ExitReason,
    FranceTravailStatus,
    FrenchLevel,
    InternationalProtection,
    NationalityGroup,
    ResidenceKind,
    RightToWorkDocument,
)
from residents.models import Residence, ResidenceMembership

TERRITORY = "Nantes Métropole"

ORGANISATIONS = {
    "adoma": ("Adoma", OrganisationKind.HOUSING),
    "adelis": ("Adelis — Médiation Emploi", OrganisationKind.EMPLOYMENT),
}

RESIDENCES = [
    # name, kind, address, city, capacity
    (
        "Résidence Les Dervallières",
        ResidenceKind.SOCIAL_RESIDENCE,
        "12 rue Auguste Renoir",
        "Nantes",
        148,
    ),
    (
        "Résidence Malakoff",
        ResidenceKind.SOCIAL_RESIDENCE,
        "5 boulevard de Sarrebruck",
        "Nantes",
        120,
    ),
    ("Résidence Bellevue", ResidenceKind.WORKERS_HOSTEL, "40 rue du Jamet", "Nantes", 210),
    (
        "Pension de famille Chantenay",
        ResidenceKind.FAMILY_BOARDING_HOUSE,
        "18 rue des Salorges",
        "Nantes",
        25,
    ),
    (
        "Résidence Île de Nantes",
        ResidenceKind.SOCIAL_RESIDENCE,
        "7 quai François Mitterrand",
        "Nantes",
        96,
    ),
    ("Résidence Pont-Rousseau", ResidenceKind.SOCIAL_RESIDENCE, "3 rue Jean Jaurès", "Rezé", 132),
]

# The residences in a priority neighbourhood (QPV): the funder's breakdown.
PRIORITY_NEIGHBOURHOODS = {"Résidence Les Dervallières", "Résidence Malakoff", "Résidence Bellevue"}

DEMO_PASSWORD = "o2r-demo-2026"  # noqa: S105 - a demo password, printed on purpose

# email, first name, last name, organisation key, role, residences (indexes into RESIDENCES)
# The Adelis accounts work on no residence: their account's territory is the demo's (they see
# its employers).
USERS = [
    ("samia.benali@adoma.demo", "Samia", "Benali", "adoma", Role.INSERTION_OFFICER, range(6)),
    ("marc.legoff@adoma.demo", "Marc", "Le Goff", "adoma", Role.RESIDENCE_STAFF, [0]),
    ("claire.moreau@adelis.demo", "Claire", "Moreau", "adelis", Role.JOB_COACH, []),
    ("helene.garnier@adoma.demo", "Hélène", "Garnier", "adoma", Role.MANAGER, range(6)),
    ("karim.haddad@adelis.demo", "Karim", "Haddad", "adelis", Role.MANAGER, []),
    ("sophie.martin@o2r.demo", "Sophie", "Martin", "adoma", Role.ADMINISTRATOR, []),
]
TERRITORY_ORGANISATIONS = {"adelis"}


class DemoRefused(Exception):
    pass


@transaction.atomic
def demo_load():
    """Creates what is missing and resets the demo passwords; running it twice changes nothing."""
    if settings.PRODUCTION:
        raise DemoRefused("Les données de démonstration ne sont jamais chargées en production.")
    organisations = {
        key: Organisation.objects.update_or_create(name=name, defaults={"kind": kind})[0]
        for key, (name, kind) in ORGANISATIONS.items()
    }
    residences = [
        Residence.objects.update_or_create(
            territory=TERRITORY,
            name=name,
            defaults={
                "kind": kind,
                "address": address,
                "city": city,
                "capacity": capacity,
                "qpv": name in PRIORITY_NEIGHBOURHOODS,
            },
        )[0]
        for name, kind, address, city, capacity in RESIDENCES
    ]
    logins = []
    for email, first_name, last_name, org_key, role, residence_indexes in USERS:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "organisation": organisations[org_key],
                "role": role,
                "is_active": True,
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
                "territory": TERRITORY if org_key in TERRITORY_ORGANISATIONS else "",
            },
        )
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for index in residence_indexes:
            ResidenceMembership.objects.get_or_create(user=user, residence=residences[index])
        logins.append((user, DEMO_PASSWORD))
    users = {u.role: u for u, _ in logins}
    _demo_residents(residents=residences, users=users)
    _demo_outreach(residences=residences, users=users)
    _demo_employers(coach=users[Role.JOB_COACH])
    _demo_employment(users=users, residences=residences)
    demo_sms(residences=residences, users=users)
    _demo_alumni(residences=residences, users=users)
    return logins


# first name, last name, sex, birth year, language, French level, stage, benefit
DEMO_PEOPLE = [
    ("Fatoumata", "Diallo", "female", 1986, "snk", "a2", "accompanied", "rsa"),
    ("Ahmad", "Rahimi", "male", 1994, "prs", "a1", "engaged", None),
    ("Élodie", "Martin", "female", 1979, "fra", "native", "identified", "rsa"),
    ("Oksana", "Kovalenko", "female", 1990, "ukr", "b1", "engaged", None),
    ("Mamadou", "Traoré", "male", 1971, "bam", "a2", "employed", "ass"),
    ("Samira", "Benali", "female", 1983, "ara", "b2", "identified", "rsa_majore"),
    ("Jean-Luc", "Le Guen", "male", 1968, "fra", "native", "exited", "aah"),
    ("Tesfay", "Gebremedhin", "male", 1997, "tir", "a1", "identified", None),
    ("Nguyen", "Van An", "male", 1975, "vie", "a2", None, None),
    ("Aminata", "Ba", "female", 1992, "ful", "a2", "accompanied", "rsa"),
    ("Karim", "Mansouri", "male", 1988, "ara", "b1", None, "prime_activite"),
    ("Hawa", "Sissoko", "female", 1980, "snk", "none", "identified", "rsa"),
    ("Dawit", "Haile", "male", 1991, "tir", "a2", "accompanied", "rsa"),
    ("Mariam", "Keïta", "female", 1989, "bam", "b1", "accompanied", "rsa_majore"),
]
# Registered with France Travail and seen by their referent there this many days ago: not
# "invisible" (DOMAIN.md §1). The others are the programme's invisible public.
DEMO_REFERENT_CONTACTS = {
    "Fatoumata": 40,
    "Ahmad": 25,
    "Oksana": 12,
    "Mamadou": 20,
    "Samira": 60,
    "Aminata": 55,
    "Dawit": 18,
    "Mariam": 30,
}
DEMO_PROTECTION = {"Dawit": InternationalProtection.REFUGEE}


def _demo_residents(*, residents, users):
    """A dozen invented residents along the path, written through the services, once. Those
    the demo coach accompanies ("accompanied", "employed") are brought to "engaged" with the
    sharing consent to her organisation: the employment demo (_demo_employment) orients them
    and walks them on, as the application would."""
    from residents import services
    from residents.enums import ConsentScope, Stage
    from residents.models import Resident

    officer = users[Role.INSERTION_OFFICER]
    coach = users[Role.JOB_COACH]
    if Resident.objects.filter(residence__in=residents).exists():
        return
    today = timezone.localdate()
    path = {
        "engaged": [Stage.ENGAGED],
        "accompanied": [Stage.ENGAGED],
        "employed": [Stage.ENGAGED],
        "exited": [Stage.ENGAGED, Stage.EXITED],
    }
    for index, (first, last, sex, year, language, level, stage, benefit) in enumerate(DEMO_PEOPLE):
        # The consents of the people in the coach's caseload date from before it began.
        caseload = DEMO_CASELOAD_BY_NAME.get(first)
        given_on = today - datetime.timedelta(days=caseload["since"] + 10) if caseload else today
        france_travail = {
            "france_travail_status": ["not_registered", "registered", "unknown"][index % 3]
        }
        if first in DEMO_REFERENT_CONTACTS:
            seen_on = today - datetime.timedelta(days=DEMO_REFERENT_CONTACTS[first])
            france_travail = {
                "france_travail_status": FranceTravailStatus.REGISTERED,
                "last_referent_contact_on": seen_on,
            }
        resident = services.resident_create(
            by=officer,
            enter_programme=stage is not None,
            benefits={benefit: datetime.date(year + 25, 1, 1)} if benefit else None,
            data={
                "first_name": first,
                "last_name": last,
                "sex": sex,
                "birth_date": datetime.date(year, 1 + index % 12, 1 + (index * 7) % 28),
                "phone": f"06 12 00 {index:02d} {index * 3:02d}",
                "residence": residents[index % len(residents)],
                "housing_unit": f"{100 + index * 7}",
                "preferred_language": language,
                "french_level": level,
                "moved_in_on": today - datetime.timedelta(days=200 + 90 * index),
                **france_travail,
                "international_protection": DEMO_PROTECTION.get(
                    first, InternationalProtection.NONE
                ),
            },
        )
        if stage in path:
            services.consent_record(
                resident=resident,
                scope=ConsentScope.ACCOMPANIMENT,
                given_on=given_on,
                method="signed_form",
                by=officer,
            )
        if caseload:
            services.consent_record(
                resident=resident,
                scope=ConsentScope.SHARING,
                given_on=given_on,
                method="signed_form",
                by=officer,
                recipient_organisation=coach.organisation,
            )
        for step in path.get(stage, []):
            services.resident_change_stage(
                resident=resident,
                to=step,
                by=officer,
                reason="Démonstration",
                exit_reason="moved_out" if step == Stage.EXITED else "",
            )
        if stage:
            services.note_add(
                resident=resident,
                by=officer,
                body="Rencontre lors de la permanence dans le hall de la résidence.",
            )
            services.barrier_set(
                resident=resident, code="language", status="identified", by=officer
            )
        if stage in ("engaged", "accompanied"):
            services.action_step_add(
                resident=resident,
                by=officer,
                objective="Mobilité",
                step="Demander la carte de transport solidaire",
                owner="person",
                due_on=today + datetime.timedelta(days=index),
            )


def _demo_token(name):
    """The same form token on every run: the demo's outreach rows are found by it."""
    import uuid

    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://o2r.demo/outreach/{name}")


# Past hall sessions: residence index, days ago, start hour, people met who gave no name,
# notes, then contacts (demo first name, outcome, minutes after the start, summary, next step
# in days or None, accompaniment consent).
DEMO_HALL_SESSIONS = [
    (0, 21, 14, 2, "Permanence avec le responsable de résidence ; affiche posée la veille.", [
        ("Fatoumata", "appointment_set", 20, "Rendez-vous au bureau pour le CV.", 5, False),
        ("Jean-Luc", "declined", 55, "Ne cherche plus de travail pour l'instant.", None, False),
    ]),
    (1, 10, 17, 1, "Beaucoup de passage à la sortie du travail.", [
        ("Tesfay", "interested", 15, "Veut une formation en logistique.", None, True),
        ("Ahmad", "not_now", 40, "Repasser après ses cours de français.", None, False),
    ]),
    (2, 3, 9, 0, "", [
        ("Élodie", "interested", 25, "Aimerait reprendre dans l'aide à domicile.", 4, False),
    ]),
]  # fmt: skip
# Outside any session: a call nobody answered.
DEMO_CALLS = [("Samira", "no_answer", 2)]  # first name, outcome, days ago

# Filed by the residence staff: first name, unit, how to reach, source, source name, reason,
# days ago, then what the officer did: None (new), "take", or a closing outcome.
DEMO_REFERRALS = [
    ("Moussa", "214", "Passe à l'accueil le matin.", "residence_manager", "",
     "Cherche du travail dans le bâtiment, m'a demandé à qui s'adresser.", 1, None),
    ("Aïcha", "C12", "06 12 34 56 78", "neighbour", "Une voisine du 2e",
     "Vient d'arriver, ne connaît personne pour l'emploi.", 4, None),
    ("Ibrahim", "305", "Le soir après 18 h, à son logement.", "maintenance_worker", "Yann",
     "A parlé d'un permis de conduire à financer.", 9, "take"),
    ("Rose", "118", "Par le responsable de résidence.", "social_insertion_manager", "",
     "Souhaite reprendre une activité après un arrêt.", 16, "contacted"),
    ("Viktor", "402", "Pas de téléphone connu.", "self", "",
     "Est venu demander de l'aide pour une inscription à France Travail.", 25, "not_reachable"),
]  # fmt: skip


def _demo_outreach(*, residences, users):
    """A few past hall sessions with a contact of every outcome, and referrals filed by the
    residence staff (new, taken, closed), written through outreach.services, once: the form
    tokens are fixed, and the rows of the first run are found by them."""
    import datetime

    import pghistory
    from django.utils import timezone

    from outreach import services
    from outreach.models import OutreachAction, Referral
    from residents.models import Resident

    officer = users[Role.INSERTION_OFFICER]
    staff = users[Role.RESIDENCE_STAFF]
    tokens = [_demo_token(f"action-{n}") for n in range(len(DEMO_HALL_SESSIONS))]
    if OutreachAction.objects.filter(token__in=tokens).exists():
        return
    people = {
        resident.first_name: resident
        for resident in Resident.objects.filter(residence__in=residences)
    }
    now = timezone.now().replace(second=0, microsecond=0)
    for n, (index, days, hour, unnamed, notes, contacts) in enumerate(DEMO_HALL_SESSIONS):
        day = timezone.localdate() - datetime.timedelta(days=days)
        started_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        action = services.outreach_action_start(
            by=officer, residence=residences[index], started_at=started_at, token=tokens[n]
        )
        for first_name, outcome, minutes, summary, next_in, consent in contacts:
            if first_name not in people:  # residents that were there before the demo's
                continue
            services.contact_log(
                by=officer,
                resident=people[first_name],
                outcome=outcome,
                action=action,
                at=started_at + datetime.timedelta(minutes=minutes),
                summary=summary,
                next_step_on=(
                    timezone.localdate() + datetime.timedelta(days=next_in) if next_in else None
                ),
                accompaniment_consent=consent,
                token=_demo_token(f"contact-{n}-{first_name}"),
            )
        if unnamed:
            services.outreach_action_count_unnamed(action=action, by=officer, delta=unnamed)
        services.outreach_action_close(
            action=action, by=officer, ended_at=started_at + datetime.timedelta(hours=2),
            notes=notes,
        )  # fmt: skip
    for first_name, outcome, days in DEMO_CALLS:
        if first_name not in people:
            continue
        services.contact_log(
            by=officer,
            resident=people[first_name],
            outcome=outcome,
            channel="phone",
            at=now - datetime.timedelta(days=days),
            token=_demo_token(f"call-{first_name}"),
        )
    for first_name, unit, reach, source, source_name, reason, days, done in DEMO_REFERRALS:
        referral = services.referral_file(
            by=staff,
            residence=residences[0],  # the staff's residence (USERS)
            first_name=first_name,
            housing_unit=unit,
            how_to_reach=reach,
            source=source,
            source_name=source_name,
            reason=reason,
            token=_demo_token(f"referral-{first_name}"),
        )
        # Filed some days ago, so that the inbox shows their age.
        with pghistory.context(user=staff.pk):
            Referral.objects.filter(pk=referral.pk).update(
                filed_at=now - datetime.timedelta(days=days)
            )
        if done in ("take", "contacted"):
            services.referral_take(referral=referral, by=officer)
        if done and done != "take":
            services.referral_close(referral=referral, by=officer, outcome=done)


# --- Employers ------------------------------------------------------------------------------


def demo_siret(n: int) -> str:
    """An invented SIRET that passes the checks of a real one (stdnum.fr.siret): a SIREN of
    999 1nn nn + its Luhn key, establishment 0001 + the key that makes the 14 digits Luhn-valid.
    Not looked up in the Sirene register: invented, as the names are."""
    siren = f"9991{n:04d}"
    siren += luhn.calc_check_digit(siren)
    nic = f"{siren}0001"
    return nic + luhn.calc_check_digit(nic)


# Each step of a company: days ago, kind, outcome, contact (index into its contacts or None),
# summary, next step (days after the step, what) or None. The outcomes move the status
# through employers.services.prospecting_log, as a coach's entries would.
# Each opening: its ROME title, the days ago it was opened and how it closed ((status, days
# ago, reason) or None), and its job analysis (over OPENING_DEFAULTS).
# "status": an explicit change at the end (status, days ago, reason), or None.
OPENING_DEFAULTS = {
    "contract_type": ContractType.CDI,
    "duration_months": None,
    "weekly_hours": 35,
    "full_time": True,
    "schedule": [],
    "working_days": ["mon", "tue", "wed", "thu", "fri"],
    "postcode": "44000",
    "city": "Nantes",
    "car_needed": False,
    "french_level": FrenchLevel.A2,
    "languages_useful": [],
    "hidden_market": True,
    "positions": 1,
}
DEMO_EMPLOYERS = [
    {
        "name": "Entrepôts de l'Estuaire",
        "naf_code": "5210B",
        "sector": Sector.LOGISTICS,
        "size_band": SizeBand.MEDIUM,
        "address": "8 rue de la Fonderie, ZI Carquefou",
        "postcode": "44470",
        "city": "Carquefou",
        "description": "Entrepôt de produits d'épicerie pour la grande distribution de l'Ouest.",
        "contacts": [
            (
                "Gwenaëlle",
                "Le Bihan",
                "Responsable des ressources humaines",
                "02 61 91 10 01",
                "g.lebihan@entrepots-estuaire.example",
            ),
            ("Tomasz", "Nowak", "Chef de quai", "06 12 30 10 02", ""),
        ],
        "steps": [
            (
                150,
                ProspectingKind.CALL,
                ProspectingOutcome.NO_ANSWER,
                None,
                "Standard : rappeler le matin, avant 11 h.",
                None,
            ),
            (
                146,
                ProspectingKind.CALL,
                ProspectingOutcome.MEETING_SET,
                0,
                "Intéressée par le dispositif : rendez-vous sur site.",
                (7, "Visite de l'entrepôt"),
            ),
            (
                139,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                0,
                "Visite avec la RH et le chef de quai : gros besoin en préparation de commandes "
                "avant les fêtes.",
                None,
            ),
            (
                132,
                ProspectingKind.VISIT,
                ProspectingOutcome.JOB_ANALYSED,
                1,
                "Poste de préparateur analysé sur le quai : la commande vocale se fait en français "
                "simple, rien n'est écrit.",
                None,
            ),
            (
                118,
                ProspectingKind.JOB_DATING,
                ProspectingOutcome.PARTNERSHIP,
                0,
                "Job dating à la résidence Bellevue : 9 personnes venues, 4 retenues pour une "
                "immersion.",
                None,
            ),
            (
                20,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                0,
                "Point sur les embauches de l'automne ; de nouveaux besoins en janvier.",
                (30, "Faire le point sur les besoins de janvier"),
            ),
        ],
        "openings": [
            {
                "rome": "Préparateur / Préparatrice de commandes",
                "opened": 132,
                "contract_type": ContractType.CDD,
                "duration_months": 6,
                "schedule": [Schedule.EARLY],
                "postcode": "44470",
                "city": "Carquefou",
                "transport": "Tram 1, arrêt Haluchère, puis bus 95 (25 min depuis Commerce)",
                "french_level": FrenchLevel.A1,
                "languages_useful": ["ara", "prs"],
                "tasks": "Préparer les commandes au casque (commande vocale), filmer les "
                "palettes, ranger sa zone en fin de poste.",
                "requirements_kept": "Porter des colis jusqu'à 15 kg ; comprendre des consignes "
                "orales simples ; être là à 6 h.",
                "requirements_dropped": [
                    DroppedRequirement.CV,
                    DroppedRequirement.EXPERIENCE,
                    DroppedRequirement.WRITTEN_FRENCH,
                ],
                "requirements_dropped_notes": "La commande vocale se règle en français simple ; "
                "pas de test écrit à l'embauche.",
                "onboarding": "Deux jours en binôme avec un préparateur confirmé ; chaussures de "
                "sécurité fournies.",
                "positions": 4,
                "closed": (
                    OpeningStatus.FILLED,
                    100,
                    "Quatre personnes embauchées après l'immersion.",
                ),
            },
            {
                "rome": "Cariste d'entrepôt",
                "opened": 60,
                "postcode": "44470",
                "city": "Carquefou",
                "transport": "Tram 1, arrêt Haluchère, puis bus 95",
                "tasks": "Charger et décharger les camions, ranger les palettes en hauteur.",
                "requirements_kept": "Repérer des emplacements par leur code ; travailler en "
                "équipe sur le quai.",
                "requirements_dropped": [DroppedRequirement.CERTIFICATE, DroppedRequirement.CV],
                "requirements_dropped_notes": "CACES 1, 3 et 5 passés dans l'entreprise pendant "
                "la période d'essai.",
                "onboarding": "Un mois de conduite accompagnée par le chef de quai.",
                "positions": 2,
                "closed": None,
            },
            {
                "rome": "Manutentionnaire",
                "opened": 90,
                "contract_type": ContractType.TEMP,
                "schedule": [Schedule.EARLY],
                "postcode": "44470",
                "city": "Carquefou",
                "transport": "Tram 1, arrêt Haluchère, puis bus 95",
                "tasks": "Décharger les conteneurs de l'arrivage du lundi.",
                "requirements_kept": "Port de charges ; horaires de 5 h à 12 h.",
                "requirements_dropped": [DroppedRequirement.CV],
                "closed": (
                    OpeningStatus.CANCELLED,
                    75,
                    "Pic d'activité absorbé par l'équipe en place.",
                ),
            },
        ],
    },
    {
        "name": "Net'Atlantique Propreté",
        "naf_code": "8121Z",
        "sector": Sector.CLEANING,
        "size_band": SizeBand.MEDIUM,
        "address": "14 boulevard des Anglais",
        "postcode": "44100",
        "city": "Nantes",
        "description": "Nettoyage de bureaux, de commerces et de parties communes.",
        "contacts": [
            ("Mehdi", "Aït Ouali", "Responsable d'exploitation", "06 12 30 20 01", ""),
            (
                "Sandrine",
                "Rivière",
                "Assistante RH",
                "02 61 91 20 02",
                "s.riviere@netatlantique.example",
            ),
        ],
        "steps": [
            (
                175,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                1,
                "Plaquette du dispositif envoyée à la direction.",
                (7, "Relancer après la réunion de direction"),
            ),
            (
                165,
                ProspectingKind.CALL,
                ProspectingOutcome.MEETING_SET,
                0,
                "Rendez-vous pris avec le responsable d'exploitation.",
                None,
            ),
            (
                158,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                0,
                "Beaucoup de temps partiels en coupure et un fort turnover sur les sites de "
                "bureaux.",
                None,
            ),
            (
                150,
                ProspectingKind.VISIT,
                ProspectingOutcome.JOB_ANALYSED,
                0,
                "Poste d'agent de propreté analysé sur un site de bureaux du centre.",
                None,
            ),
            (
                140,
                ProspectingKind.EVENT,
                ProspectingOutcome.PARTNERSHIP,
                0,
                "Convention de partenariat signée au forum emploi de Bellevue.",
                None,
            ),
            (
                12,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                0,
                "Visite du nouveau site de Rezé : deux postes à pourvoir.",
                (21, "Présenter deux candidates pour le site de Rezé"),
            ),
        ],
        "openings": [
            {
                "rome": "Agent / Agente de propreté de locaux",
                "opened": 150,
                "weekly_hours": 24,
                "full_time": False,
                "schedule": [Schedule.EARLY, Schedule.SPLIT],
                "transport": "Tram 1, arrêt Commerce ; premier tram à 5 h 10",
                "french_level": FrenchLevel.A1,
                "languages_useful": ["snk", "bam"],
                "tasks": "Entretien de bureaux (aspiration, sanitaires, poubelles), de 6 h à 9 h "
                "et de 17 h à 19 h.",
                "requirements_kept": "Suivre un planning de tâches en images ; être ponctuelle.",
                "requirements_dropped": [
                    DroppedRequirement.CV,
                    DroppedRequirement.DIPLOMA,
                    DroppedRequirement.WRITTEN_FRENCH,
                ],
                "onboarding": "Une semaine en binôme avec la cheffe d'équipe ; planning des "
                "tâches en pictogrammes.",
                "positions": 3,
                "closed": (OpeningStatus.FILLED, 110, "Trois personnes accompagnées embauchées."),
            },
            {
                "rome": "Agent / Agente de propreté de locaux",
                "opened": 10,
                "weekly_hours": 26,
                "full_time": False,
                "schedule": [Schedule.EARLY],
                "postcode": "44400",
                "city": "Rezé",
                "transport": "Tram 3, arrêt Trocardière",
                "tasks": "Entretien d'une agence bancaire et de ses parties communes.",
                "requirements_kept": "Savoir lire un planning en pictogrammes.",
                "requirements_dropped": [DroppedRequirement.CV, DroppedRequirement.EXPERIENCE],
                "onboarding": "Trois jours en binôme sur le site.",
                "positions": 2,
                "closed": None,
            },
            {
                "rome": "Agent / Agente de nettoyage industriel",
                "opened": 45,
                "contract_type": ContractType.CDD,
                "duration_months": 3,
                "schedule": [Schedule.NIGHT],
                "postcode": "44800",
                "city": "Saint-Herblain",
                "transport": "Tram 1, arrêt François Mitterrand, puis 10 min à pied",
                "french_level": FrenchLevel.A2,
                "tasks": "Nettoyage des lignes d'une usine agroalimentaire, de 22 h à 5 h.",
                "requirements_kept": "Respecter les consignes d'hygiène et de sécurité.",
                "requirements_dropped": [
                    DroppedRequirement.DIPLOMA,
                    DroppedRequirement.DRIVING_LICENCE,
                ],
                "requirements_dropped_notes": "Le site est desservi par le tram de nuit le "
                "week-end ; une navette de l'entreprise en semaine.",
                "onboarding": "Formation hygiène la première nuit, tuteur désigné.",
                "hidden_market": False,
                "closed": None,
            },
        ],
    },
    {
        "name": "Brasserie La Cale Sèche",
        "naf_code": "5610A",
        "sector": Sector.HOSPITALITY,
        "size_band": SizeBand.SMALL,
        "address": "3 quai des Antilles",
        "postcode": "44200",
        "city": "Nantes",
        "description": "Brasserie de 120 couverts sur l'Île de Nantes, service midi et soir.",
        "contacts": [
            ("Julien", "Tessier", "Gérant", "06 12 30 30 01", "julien@lacaleseche.example"),
            ("Fatou", "Ndiaye", "Cheffe de cuisine", "", ""),
        ],
        "steps": [
            (
                120,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                0,
                "Passage après le service de midi : la plonge n'arrive pas à suivre.",
                None,
            ),
            (
                113,
                ProspectingKind.VISIT,
                ProspectingOutcome.JOB_ANALYSED,
                1,
                "Poste de plongeur analysé avec la cheffe : les horaires en coupure sont le vrai "
                "frein.",
                None,
            ),
            (
                95,
                ProspectingKind.CALL,
                ProspectingOutcome.PARTNERSHIP,
                0,
                "D'accord pour accueillir des personnes en immersion à chaque saison.",
                None,
            ),
            (
                8,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                0,
                "Cherche un commis pour la saison.",
                (10, "Proposer des candidats commis"),
            ),
        ],
        "openings": [
            {
                "rome": "Plongeur / Plongeuse en restauration",
                "opened": 113,
                "weekly_hours": 30,
                "full_time": False,
                "schedule": [Schedule.SPLIT, Schedule.WEEKEND],
                "working_days": ["tue", "wed", "thu", "fri", "sat"],
                "postcode": "44200",
                "transport": "Chronobus C5, arrêt Quai des Antilles",
                "french_level": FrenchLevel.NONE,
                "languages_useful": ["ara", "tir"],
                "tasks": "Plonge, rangement de la vaisselle, nettoyage de la cuisine en fin de "
                "service.",
                "requirements_kept": "Tenir le rythme du coup de feu ; deux jours de repos fixes.",
                "requirements_dropped": [
                    DroppedRequirement.CV,
                    DroppedRequirement.EXPERIENCE,
                    DroppedRequirement.WRITTEN_FRENCH,
                ],
                "onboarding": "Deux jours d'immersion payés avant l'embauche ; repas pris sur "
                "place.",
                "closed": (
                    OpeningStatus.FILLED,
                    80,
                    "Embauche en CDI après deux jours d'immersion.",
                ),
            },
            {
                "rome": "Commis / Commise de cuisine",
                "opened": 8,
                "contract_type": ContractType.CDD,
                "duration_months": 5,
                "weekly_hours": 39,
                "schedule": [Schedule.SPLIT, Schedule.WEEKEND],
                "working_days": ["tue", "wed", "thu", "fri", "sat"],
                "postcode": "44200",
                "transport": "Chronobus C5, arrêt Quai des Antilles",
                "tasks": "Épluchage, mise en place, dressage des entrées.",
                "requirements_kept": "Règles d'hygiène de base (formation donnée sur place).",
                "requirements_dropped": [DroppedRequirement.DIPLOMA, DroppedRequirement.CV],
                "onboarding": "La cheffe forme sur les fiches recettes en photos.",
                "closed": None,
            },
        ],
    },
    {
        "name": "Domicile Services Erdre et Loire",
        "naf_code": "8810A",
        "sector": Sector.CARE,
        "size_band": SizeBand.MEDIUM,
        "address": "22 rue de la Bastille",
        "postcode": "44000",
        "city": "Nantes",
        "description": "Aide et accompagnement à domicile des personnes âgées, Nantes Nord et "
        "Orvault.",
        "contacts": [
            (
                "Oksana",
                "Melnyk",
                "Responsable de secteur",
                "06 12 30 40 01",
                "o.melnyk@dsel.example",
            ),
        ],
        "steps": [
            (
                70,
                ProspectingKind.EMAIL,
                ProspectingOutcome.NO_ANSWER,
                None,
                "Courriel au service recrutement.",
                None,
            ),
            (
                62,
                ProspectingKind.CALL,
                ProspectingOutcome.MEETING_SET,
                0,
                "La responsable de secteur rappelle : rendez-vous à l'agence.",
                None,
            ),
            (
                55,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                0,
                "Besoin permanent, surtout les week-ends ; le permis est leur premier filtre.",
                None,
            ),
            (
                41,
                ProspectingKind.VISIT,
                ProspectingOutcome.JOB_ANALYSED,
                0,
                "Poste analysé : un secteur desservi par le tram 2 rend le permis inutile.",
                (60, "Bilan de la première embauche"),
            ),
        ],
        "openings": [
            {
                "rome": "Aide à domicile",
                "opened": 41,
                "weekly_hours": 28,
                "full_time": False,
                "schedule": [Schedule.WEEKEND, Schedule.SPLIT],
                "working_days": ["mon", "tue", "wed", "thu", "sat", "sun"],
                "transport": "Tram 2, arrêts Santos-Dumont à Orvault-Grand Val ; trajets entre "
                "deux domiciles payés",
                "french_level": FrenchLevel.B1,
                "tasks": "Courses, repas, entretien du logement et compagnie auprès de personnes "
                "âgées.",
                "requirements_kept": "Parler avec les personnes aidées ; discrétion.",
                "requirements_dropped": [
                    DroppedRequirement.DRIVING_LICENCE,
                    DroppedRequirement.VEHICLE,
                    DroppedRequirement.DIPLOMA,
                ],
                "requirements_dropped_notes": "Vélo à assistance électrique prêté par "
                "l'association.",
                "onboarding": "Trois interventions en doublon ; formation gestes et postures la "
                "première semaine.",
                "positions": 2,
                "closed": None,
            },
            {
                "rome": "Auxiliaire de vie",
                "opened": 55,
                "contract_type": ContractType.CDD,
                "duration_months": 6,
                "weekly_hours": 30,
                "full_time": False,
                "french_level": FrenchLevel.B1,
                "transport": "Tram 2, arrêt Chêne des Anglais",
                "tasks": "Aide au lever et au coucher d'une personne dépendante.",
                "requirements_dropped": [DroppedRequirement.DIPLOMA],
                "closed": (OpeningStatus.CANCELLED, 30, "La personne aidée est entrée en EHPAD."),
            },
        ],
    },
    {
        "name": "Bâtiments Le Floch et Associés",
        "naf_code": "4399C",
        "sector": Sector.BUILDING,
        "size_band": SizeBand.SMALL,
        "address": "9 rue des Chevaliers",
        "postcode": "44400",
        "city": "Rezé",
        "description": "Maçonnerie générale et rénovation de logements sociaux.",
        "contacts": [
            ("Rui", "Ferreira", "Chef de chantier", "06 12 30 50 01", ""),
            ("Anne", "Le Floch", "Gérante", "02 61 91 50 02", "a.lefloch@lefloch-batiment.example"),
        ],
        "steps": [
            (
                95,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                1,
                "La gérante veut en parler à son chef de chantier.",
                (7, "Rappeler la gérante"),
            ),
            (
                86,
                ProspectingKind.CALL,
                ProspectingOutcome.MEETING_SET,
                0,
                "Rendez-vous sur un chantier à Rezé.",
                None,
            ),
            (
                80,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                0,
                "Visite du chantier de la rue Jean Jaurès ; recherche des manœuvres fiables.",
                None,
            ),
            (
                33,
                ProspectingKind.VISIT,
                ProspectingOutcome.JOB_ANALYSED,
                0,
                "Poste de manœuvre analysé : départ du dépôt en camion, pas besoin de permis.",
                (45, "Organiser une immersion d'une semaine"),
            ),
        ],
        "openings": [
            {
                "rome": "Manoeuvre bâtiment",
                "opened": 33,
                "contract_type": ContractType.CDD,
                "duration_months": 6,
                "schedule": [Schedule.EARLY],
                "postcode": "44400",
                "city": "Rezé",
                "transport": "Tram 3, arrêt Rezé Hôtel de Ville ; départ du dépôt à 7 h",
                "languages_useful": ["por"],
                "tasks": "Approvisionner les maçons, gâcher le mortier, nettoyer le chantier.",
                "requirements_kept": "Port de charges ; travail en extérieur par tous les temps.",
                "requirements_dropped": [
                    DroppedRequirement.DRIVING_LICENCE,
                    DroppedRequirement.VEHICLE,
                    DroppedRequirement.CV,
                    DroppedRequirement.EXPERIENCE,
                ],
                "requirements_dropped_notes": "Le camion de l'entreprise part du dépôt.",
                "onboarding": "Équipements de protection fournis ; accueil sécurité le premier "
                "matin ; binôme avec un maçon.",
                "positions": 2,
                "closed": None,
            },
            {
                "rome": "Aide-maçon / Aide-maçonne",
                "opened": 80,
                "contract_type": ContractType.CDD,
                "duration_months": 3,
                "postcode": "44400",
                "city": "Rezé",
                "transport": "Tram 3, arrêt Espace Diderot",
                "requirements_dropped": [DroppedRequirement.EXPERIENCE],
                "closed": (
                    OpeningStatus.CANCELLED,
                    60,
                    "Chantier reporté au printemps (permis de construire).",
                ),
            },
        ],
    },
    {
        "name": "Marché Frais de Bellevue",
        "naf_code": "4711D",
        "sector": Sector.RETAIL,
        "size_band": SizeBand.SMALL,
        "address": "Centre commercial Bellevue, place Mendès-France",
        "postcode": "44800",
        "city": "Saint-Herblain",
        "description": "Supermarché de quartier, ouvert 7 jours sur 7.",
        "contacts": [("Karim", "Benslimane", "Directeur du magasin", "02 61 91 60 01", "")],
        "steps": [
            (
                30,
                ProspectingKind.VISIT,
                ProspectingOutcome.NO_ANSWER,
                None,
                "Directeur absent ; carte laissée à l'accueil.",
                None,
            ),
            (
                14,
                ProspectingKind.CALL,
                ProspectingOutcome.MEETING_SET,
                0,
                "Rendez-vous au magasin pour parler des postes en rayon.",
                (18, "Rendez-vous au magasin"),
            ),
        ],
        "openings": [],
    },
    {
        "name": "Paysages de la Sèvre",
        "naf_code": "8130Z",
        "sector": Sector.GREEN_SPACES,
        "size_band": SizeBand.MICRO,
        "address": "5 chemin de la Ramée",
        "postcode": "44120",
        "city": "Vertou",
        "description": "Entretien de jardins de copropriétés et d'espaces verts communaux.",
        "contacts": [("Yann", "Guillou", "Gérant", "06 12 30 70 01", "")],
        "steps": [
            (48, ProspectingKind.CALL, ProspectingOutcome.NO_ANSWER, None, "Messagerie.", None),
            (
                44,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                0,
                "Recrutera au printemps pour les tontes ; rappeler dans un mois.",
                (35, "Rappeler pour la saison des tontes"),
            ),
        ],
        "openings": [],
    },
    {
        "name": "Hôtel du Quai de la Fosse",
        "naf_code": "5510Z",
        "sector": Sector.HOSPITALITY,
        "size_band": SizeBand.SMALL,
        "address": "31 quai de la Fosse",
        "postcode": "44000",
        "city": "Nantes",
        "description": "Hôtel de 60 chambres près de la gare maritime.",
        "contacts": [("Ana", "Pereira", "Gouvernante générale", "02 61 91 80 01", "")],
        "steps": [
            (
                60,
                ProspectingKind.VISIT,
                ProspectingOutcome.NOT_NOW,
                0,
                "Équipe d'étage complète jusqu'à l'été ; intéressée pour la saison.",
                (120, "Recontacter avant la saison"),
            ),
        ],
        "openings": [],
    },
    {
        "name": "EHPAD Les Jardins de Chantenay",
        "naf_code": "8710A",
        "sector": Sector.HEALTH_SOCIAL,
        "size_band": SizeBand.MEDIUM,
        "address": "40 boulevard de la Liberté",
        "postcode": "44100",
        "city": "Nantes",
        "description": "Établissement de 90 lits ; recrute en restauration et en entretien.",
        "contacts": [("Christine", "Hamon", "Directrice adjointe", "02 61 91 90 01", "")],
        "steps": [
            (
                21,
                ProspectingKind.CALL,
                ProspectingOutcome.NO_ANSWER,
                None,
                "Standard : la directrice adjointe est là le mardi.",
                None,
            ),
            (
                7,
                ProspectingKind.CALL,
                ProspectingOutcome.NO_ANSWER,
                0,
                "Messagerie ; message laissé.",
                (7, "Rappeler la directrice adjointe"),
            ),
        ],
        "openings": [],
    },
    {
        "name": "Messagerie Express Loire",
        "naf_code": "5229A",
        "sector": Sector.LOGISTICS,
        "size_band": SizeBand.MEDIUM,
        "address": "2 rue Nungesser, zone aéroportuaire",
        "postcode": "44340",
        "city": "Bouguenais",
        "description": "Tri et livraison de colis ; recrute des agents de quai avant les fêtes.",
        "contacts": [("Jean-Baptiste", "Caillaud", "Responsable d'agence", "02 61 91 10 10", "")],
        "steps": [],
        "openings": [],
    },
    {
        "name": "Restauration Collective Loire Océan",
        "naf_code": "5629A",
        "sector": Sector.HOSPITALITY,
        "size_band": SizeBand.MEDIUM,
        "address": "6 rue du Bois Briand",
        "postcode": "44300",
        "city": "Nantes",
        "description": "Cuisine centrale : repas des cantines scolaires et des entreprises.",
        "contacts": [
            ("Ibrahima", "Sow", "Chef de production", "06 12 31 10 01", ""),
            ("Laurence", "Bouvier", "Responsable RH", "02 61 91 11 02", "l.bouvier@rclo.example"),
        ],
        "steps": [
            (
                232,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                1,
                "Une personne accompagnée, embauchée à la plonge en CDI, commence lundi : "
                "d'accord pour des points de suivi. Rappeler pour leurs autres besoins.",
                None,
            ),
            (
                200,
                ProspectingKind.CALL,
                ProspectingOutcome.MEETING_SET,
                1,
                "Rendez-vous à la cuisine centrale.",
                None,
            ),
            (
                192,
                ProspectingKind.VISIT,
                ProspectingOutcome.MET,
                1,
                "Visite de la cuisine centrale ; besoins en plonge et en conditionnement.",
                None,
            ),
            (
                185,
                ProspectingKind.VISIT,
                ProspectingOutcome.JOB_ANALYSED,
                0,
                "Poste de plongeur analysé avec le chef de production.",
                None,
            ),
            (
                170,
                ProspectingKind.JOB_DATING,
                ProspectingOutcome.PARTNERSHIP,
                1,
                "Job dating à la cuisine centrale : 6 personnes reçues, 2 embauchées.",
                None,
            ),
            (
                50,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                1,
                "Perte du marché des cantines : plus d'embauche prévue.",
                None,
            ),
        ],
        "openings": [
            {
                "rome": "Plongeur / Plongeuse en restauration",
                "opened": 185,
                "schedule": [Schedule.EARLY],
                "postcode": "44300",
                "transport": "Tram 1, arrêt Ranzay",
                "french_level": FrenchLevel.A1,
                "tasks": "Lavage des bacs et des chariots de la cuisine centrale, de 6 h à 13 h.",
                "requirements_kept": "Port de charges ; chaussures de sécurité (fournies).",
                "requirements_dropped": [DroppedRequirement.CV, DroppedRequirement.EXPERIENCE],
                "onboarding": "Une semaine en binôme.",
                "positions": 2,
                "closed": (OpeningStatus.FILLED, 165, "Deux personnes embauchées au job dating."),
            },
            {
                "rome": "Employé polyvalent / Employée polyvalente de restauration",
                "opened": 160,
                "contract_type": ContractType.CDD,
                "duration_months": 6,
                "schedule": [Schedule.EARLY],
                "postcode": "44300",
                "transport": "Tram 1, arrêt Ranzay",
                "tasks": "Conditionnement des repas en barquettes.",
                "requirements_dropped": [DroppedRequirement.DIPLOMA],
                "closed": (OpeningStatus.CANCELLED, 50, "Marché perdu : poste supprimé."),
            },
        ],
        "status": (
            NetworkStatus.INACTIVE,
            45,
            "Marché des cantines perdu : plus de recrutement prévu cette année.",
        ),
    },
    {
        "name": "Blanchisserie de la Beaujoire",
        "naf_code": "9601A",
        "sector": Sector.INDUSTRY,
        "size_band": SizeBand.MEDIUM,
        "address": "17 route de Saint-Joseph",
        "postcode": "44300",
        "city": "Nantes",
        "description": "Blanchisserie industrielle (linge d'hôtels et de cliniques).",
        "contacts": [("Philippe", "Rondeau", "Directeur de site", "02 61 91 12 01", "")],
        "steps": [
            (
                110,
                ProspectingKind.CALL,
                ProspectingOutcome.CALL_BACK,
                0,
                "Intéressé, attend la fin du rachat du site.",
                (30, "Relancer après le rachat"),
            ),
            (
                78,
                ProspectingKind.CALL,
                ProspectingOutcome.DECLINED,
                0,
                "Le nouveau groupe recrute par son agence d'intérim uniquement.",
                None,
            ),
        ],
        "openings": [],
        "status": (
            NetworkStatus.INACTIVE,
            77,
            "Recrutement confié à une agence d'intérim par le nouveau propriétaire.",
        ),
    },
]
CONTACT_FIELDS = ("first_name", "last_name", "role", "phone", "email")
# The hour of the day each kind of step is noted at.
STEP_HOURS = {
    ProspectingKind.CALL: 10,
    ProspectingKind.EMAIL: 9,
    ProspectingKind.VISIT: 14,
    ProspectingKind.EVENT: 14,
    ProspectingKind.JOB_DATING: 9,
}


def _days_ago(days, hour):
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _demo_employers(*, coach):
    """A dozen invented companies of the Nantes area, at every network status, written through
    employers.services by the demo coach: contacts, steps over the last months (the statuses
    and reminders follow from them), openings open, filled and cancelled. A company whose SIRET
    is already there is left as it is."""
    titles = {
        title.label: title
        for title in RomeAppellation.objects.select_related("rome").filter(
            label__in={o["rome"] for e in DEMO_EMPLOYERS for o in e["openings"]}
        )
    }
    for n, entry in enumerate(DEMO_EMPLOYERS, start=1):
        siret = demo_siret(n)
        if Employer.objects.filter(siret=siret).exists():
            continue
        fields = ("name", "naf_code", "sector", "size_band", "address", "postcode", "city")
        employer = services.employer_create(
            by=coach,
            data={
                **{field: entry[field] for field in fields},
                "siret": siret,
                "description": entry["description"],
                "territory": TERRITORY,
            },
            confirm_similar=True,
        )
        # Entered in the network a few days before its first step.
        entered = _days_ago(max([days for days, *_ in entry["steps"]], default=2) + 3, 9)
        Employer.objects.filter(pk=employer.pk).update(created_at=entered)
        employer.status_changes.update(at=entered)
        contacts = [
            services.employer_contact_add(
                by=coach, employer=employer, data=dict(zip(CONTACT_FIELDS, contact, strict=True))
            )
            for contact in entry["contacts"]
        ]
        _demo_steps(coach=coach, employer=employer, contacts=contacts, steps=entry["steps"])
        _demo_openings(coach=coach, employer=employer, openings=entry["openings"], titles=titles)
        if entry.get("status"):
            status, days, reason = entry["status"]
            services.employer_status_set(by=coach, employer=employer, status=status, reason=reason)
            employer.status_changes.filter(to_status=status, reason=reason).update(
                at=_days_ago(days, 11)
            )


def _demo_steps(*, coach, employer, contacts, steps):
    actions = []
    for days, kind, outcome, contact, summary, next_step in steps:
        at = _days_ago(days, STEP_HOURS[kind])
        next_in, next_what = next_step or (None, "")
        actions.append(
            services.prospecting_log(
                by=coach,
                employer=employer,
                kind=kind,
                outcome=outcome,
                at=at,
                summary=summary,
                contact=contacts[contact] if contact is not None else None,
                next_step_on=at.date() + datetime.timedelta(days=next_in) if next_in else None,
                next_step=next_what,
            )
        )
    # A step followed by another was followed up: its reminder is done.
    for action in actions[:-1]:
        reminder_done_by_key(dedup_key=reminder_key("prospecting", action.pk))


def _demo_openings(*, coach, employer, openings, titles):
    today = timezone.localdate()
    for analysis in openings:
        analysis = dict(analysis)
        title, days, closing = (analysis.pop(key) for key in ("rome", "opened", "closed"))
        opening = services.job_opening_open(
            by=coach,
            employer=employer,
            data={
                **OPENING_DEFAULTS,
                **analysis,
                "rome_appellation": titles[title],
                "opened_on": today - datetime.timedelta(days=days),
            },
        )
        JobOpening.objects.filter(pk=opening.pk).update(created_at=_days_ago(days, 16))
        if closing:
            status, closed_days, reason = closing
            services.job_opening_close(
                by=coach,
                opening=opening,
                status=status,
                closed_on=today - datetime.timedelta(days=closed_days),
                reason=reason,
            )


# --- Employment -----------------------------------------------------------------------------

# The demo coach's caseload, written through employment.services in this order (an opening
# is free for another person once the introduction before ends: one candidate at a time).
# "person": a first name of DEMO_PEOPLE; "since": days since the accompaniment began (the
# orientation 3 days before, the consents 10 days before); "assign": her manager accepts it
# for her. Wishes name their jobs by the ROME titles of the demo openings. Contacts: days ago,
# with whom, channel, summary, confidential, employer (name) or None, next step (what, in how
# many days) or None. Introductions: the opening (employer, ROME title) and its steps, each
# (status, days ago, details); an interview still to come has "in_days". "placement": a hire
# through no introduction (the person found it on her own), its follow-ups done and its end.
DEMO_CASELOAD = [
    {
        "person": "Mamadou",
        "since": 120,
        "reason": "Cherche un emploi stable dans la logistique ; a conduit des chariots au port "
        "de Dakar. Motivé, disponible tout de suite.",
        "wishes": {
            "wanted": ["Cariste d'entrepôt", "Manutentionnaire"],
            "wanted_titles": "Cariste, agent de quai",
            "wanted_sectors": [Sector.LOGISTICS],
            "not_wanted": "Pas de travail de nuit.",
            "hours_min": 30,
            "hours_max": 39,
            "available_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "schedules_ok": [Schedule.EARLY],
            "transport": ["public", "bike"],
            "max_commute_minutes": 60,
            "reachable_cities": ["Nantes", "Carquefou", "Saint-Herblain", "Rezé"],
            "languages": ["bam", "fra"],
            "experience": "Dix ans de conduite de chariots élévateurs au port de Dakar, sans "
            "CACES français ; manutention en intérim à Nantes en 2019.",
        },
        "contacts": [
            (118, "person", "meeting", "Premier rendez-vous : parcours, souhaits, contraintes. "
             "Veut un CDI, à temps plein.", False, None, None),
            (80, "person", "phone", "Point sur les offres de la logistique ; partant pour "
             "Carquefou malgré le trajet.", False, None, None),
            (63, "employer", "phone", "Avec le chef de quai : CACES passés dans l'entreprise "
             "pendant la période d'essai ; prise de poste à 6 h.", False,
             "Entrepôts de l'Estuaire", None),
            (12, "person", "phone", "Tout va bien au quai ; fatigué par les horaires du matin, "
             "il s'y fait.", False, None, None),
        ],
        "introductions": [
            (("Entrepôts de l'Estuaire", "Cariste d'entrepôt"), [
                ("proposed", 75, {}),
                ("accepted", 73, {}),
                ("interview_scheduled", 70, {"place": "Entrepôt, 8 rue de la Fonderie, "
                                             "Carquefou (quai n° 3)",
                                             "contact": "Tomasz Nowak, chef de quai"}),
                ("interview_held", 62, {"notes": "Essai de conduite réussi ; le chef de quai "
                                        "le prend."}),
                ("hired", 45, {
                    "contract_type": ContractType.CDI,
                    "start_days": 35,
                    "weekly_hours": 35,
                    "trial_months": 2,
                    "job_title": "Cariste d'entrepôt",
                    "onboarding_first_days": "Accueil sécurité le lundi à 6 h, chaussures et "
                    "gilet fournis ; une semaine en binôme sur le quai.",
                    "onboarding_tasks": "Déchargement des camions au transpalette, puis "
                    "chariot frontal une fois le CACES 1 obtenu.",
                    "onboarding_rhythm": "De 6 h à 13 h, du lundi au vendredi.",
                    "onboarding_helper": "Tomasz Nowak, chef de quai",
                    # milestone, days after the hire, with whom, still in the job (None: not
                    # said), notes, issues
                    "follow_ups": [
                        ("d7", 7, "both", None, "Bon début selon le chef de quai ; Mamadou "
                         "content de l'équipe.", "Trajet long le matin : le premier bus est à "
                         "5 h 10."),
                    ],
                }),
            ]),
        ],
    },
    {
        "person": "Aminata",
        "since": 45,
        "reason": "Souhaite travailler en cuisine ; a fait une formation d'aide-cuisinière à "
        "Conakry. Deux enfants scolarisés.",
        "wishes": {
            "wanted": ["Commis / Commise de cuisine", "Plongeur / Plongeuse en restauration"],
            "wanted_titles": "Commis de cuisine, plonge",
            "wanted_sectors": [Sector.HOSPITALITY, Sector.CARE],
            "not_wanted": "Pas de soirée après 20 h : personne pour garder les enfants.",
            "hours_min": 24,
            "hours_max": 39,
            "available_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "schedules_ok": [Schedule.SPLIT, Schedule.WEEKEND, Schedule.EARLY],
            "transport": ["public", "walk"],
            "max_commute_minutes": 40,
            "reachable_cities": ["Nantes", "Rezé"],
            "childcare": "arranged",
            "languages": ["ful", "fra"],
            "experience": "Formation d'aide-cuisinière (six mois) ; cuisine pour les fêtes du "
            "foyer de la résidence.",
        },
        "contacts": [
            (44, "person", "meeting", "Premier rendez-vous : souhaits, horaires possibles avec "
             "l'école des enfants.", False, None, None),
            (20, "person", "meeting", "Dette de loyer évoquée ; elle en parle avec la résidence. "
             "Ne pas en faire état auprès des employeurs.", True, None, None),
            (9, "person", "phone", "D'accord pour rencontrer la brasserie La Cale Sèche ; "
             "cherche une voisine pour le samedi.", False, None,
             ("Fixer la rencontre à la brasserie La Cale Sèche", 4)),
        ],
        "introductions": [
            (("Domicile Services Erdre et Loire", "Aide à domicile"), [
                ("proposed", 40, {}),
                ("accepted", 39, {}),
                ("interview_scheduled", 36, {"place": "Agence, 22 rue de Strasbourg, Nantes",
                                             "contact": "la responsable de secteur"}),
                ("interview_held", 30, {"notes": "Bon contact ; le français écrit inquiète "
                                        "l'agence (cahier de liaison chez les personnes)."}),
                ("not_retained", 28, {"reason": "language", "notes": "Niveau B1 demandé pour "
                                      "le cahier de liaison."}),
            ]),
            (("Brasserie La Cale Sèche", "Commis / Commise de cuisine"), [
                ("proposed", 11, {}),
                ("accepted", 9, {"notes": "Intéressée, surtout par le service du midi."}),
            ]),
        ],
    },
    {
        "person": "Fatoumata",
        "since": 60,
        "reason": "Veut travailler tôt le matin dans la propreté ; a besoin d'aide pour les "
        "trajets et les démarches en français écrit.",
        "wishes": {
            "wanted": [
                "Agent / Agente de propreté de locaux",
                "Agent / Agente de nettoyage industriel",
            ],
            "wanted_titles": "Agente de propreté, ménage de bureaux",
            "wanted_sectors": [Sector.CLEANING],
            "not_wanted": "Pas de travail de nuit : elle rentre seule en tram.",
            "hours_min": 20,
            "hours_max": 30,
            "available_days": ["mon", "tue", "wed", "thu", "fri"],
            "schedules_ok": [Schedule.EARLY, Schedule.SPLIT],
            "transport": ["public", "walk"],
            "max_commute_minutes": 45,
            "reachable_cities": ["Nantes", "Rezé", "Saint-Herblain"],
            "languages": ["snk", "bam"],
            "experience": "Deux ans de ménage chez des particuliers à Bamako ; entretien des "
            "parties communes de sa résidence, bénévole.",
        },
        "contacts": [
            (58, "person", "meeting", "Premier rendez-vous : parcours, souhaits, trajets en "
             "tram repérés ensemble.", False, None, None),
            (26, "person", "phone", "A refusé le poste de nuit ; on cherche le matin, à Rezé "
             "ou à Nantes.", False, None, None),
            (2, "person", "meeting", "Préparation de la rencontre chez Net'Atlantique : trajet, "
             "tenue, questions à poser.", False, None,
             ("Accompagner Fatoumata à la rencontre chez Net'Atlantique", 3)),
        ],
        "introductions": [
            (("Net'Atlantique Propreté", "Agent / Agente de nettoyage industriel"), [
                ("proposed", 30, {}),
                ("declined", 27, {"reason": "hours", "notes": "Poste de nuit : elle ne veut "
                                  "pas rentrer seule."}),
            ]),
            (("Net'Atlantique Propreté", "Agent / Agente de propreté de locaux"), [
                ("proposed", 12, {}),
                ("accepted", 10, {}),
                ("interview_scheduled", 5, {"in_days": 3, "hour": 9,
                                            "place": "Siège, 14 boulevard des Anglais, Nantes",
                                            "contact": "Mehdi Aït Ouali"}),
            ]),
        ],
    },
    {
        "person": "Dawit",
        "since": 30,
        "assign": True,
        "reason": "Réfugié, veut travailler dans le bâtiment ; habitué aux chantiers en "
        "Érythrée. Cours de français le soir.",
        "wishes": {
            "wanted": ["Manoeuvre bâtiment", "Cariste d'entrepôt"],
            "wanted_titles": "Manœuvre, aide sur les chantiers",
            "wanted_sectors": [Sector.BUILDING, Sector.LOGISTICS],
            "hours_min": 35,
            "available_days": ["mon", "tue", "wed", "thu", "fri"],
            "schedules_ok": [Schedule.EARLY],
            "transport": ["public", "bike"],
            "max_commute_minutes": 50,
            "reachable_cities": ["Nantes", "Rezé", "Carquefou", "Vertou"],
            "languages": ["tir", "amh"],
            "experience": "Cinq ans sur des chantiers de maçonnerie à Asmara.",
        },
        "contacts": [
            (29, "person", "meeting", "Premier rendez-vous, avec une interprète en tigrinya.",
             False, None, None),
            (3, "both", "workplace", "Rencontre sur le chantier de Rezé avec le chef de "
             "chantier : bon contact, réponse attendue cette semaine.", False,
             "Bâtiments Le Floch et Associés", None),
        ],
        "introductions": [
            (("Bâtiments Le Floch et Associés", "Manoeuvre bâtiment"), [
                ("proposed", 20, {}),
                ("accepted", 18, {}),
                ("interview_scheduled", 15, {"place": "Chantier, 12 rue Jean Jaurès, Rezé",
                                             "contact": "M. Le Floch"}),
                ("interview_held", 3, {"notes": "L'employeur répond d'ici vendredi."}),
            ]),
            (("Entrepôts de l'Estuaire", "Cariste d'entrepôt"), [
                ("proposed", 2, {}),
            ]),
        ],
    },
    {
        "person": "Mariam",
        "since": 150,
        "reason": "Mère seule d'une fille de 6 ans ; veut un emploi en journée, dans "
        "l'hôtellerie ou l'aide à domicile.",
        "wishes": {
            "wanted": ["Aide à domicile", "Agent / Agente de propreté de locaux"],
            "wanted_titles": "Aide à domicile, ménage en journée",
            "wanted_sectors": [Sector.CARE, Sector.CLEANING, Sector.HOSPITALITY],
            "not_wanted": "Pas d'horaires après 17 h : sa fille sort de l'école à 16 h 30.",
            "hours_min": 20,
            "hours_max": 30,
            "available_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "schedules_ok": [Schedule.SPLIT, Schedule.WEEKEND],
            "transport": ["public"],
            "max_commute_minutes": 40,
            "reachable_cities": ["Nantes"],
            "childcare": "needed",
            "languages": ["bam", "fra"],
            "experience": "Femme de chambre dans un hôtel de Bamako pendant quatre ans.",
        },
        "contacts": [
            (148, "person", "meeting", "Premier rendez-vous : souhaits, garde de sa fille.",
             False, None, None),
            (92, "person", "workplace", "Visite à l'hôtel pendant sa première semaine : elle "
             "apprend vite.", False, None, None),
            (86, "person", "meeting", "Retour sur la fin de son contrat : on cherche en "
             "journée seulement.", False, None, None),
            (16, "person", "phone", "Une place en crèche municipale se libère en janvier ; "
             "d'accord pour voir l'aide à domicile, en journée.", False, None, None),
        ],
        "placement": {
            "employer": "Hôtel du Quai de la Fosse",
            "contract_type": ContractType.CDD,
            "start_days": 100,
            "months": 6,
            "weekly_hours": 30,
            "trial_days": 14,
            "job_title": "Employée d'étage",
            "onboarding_first_days": "Deux jours avec la gouvernante pour apprendre l'ordre "
            "des chambres.",
            "onboarding_tasks": "Chambres à blanc d'abord, puis les recouches.",
            "onboarding_rhythm": "De 8 h à 14 h, un week-end sur deux.",
            "onboarding_helper": "Ana Pereira, gouvernante générale",
            "follow_ups": [
                ("d7", 7, "employee", None, "Se plaît à l'hôtel ; fatiguée par les week-ends.",
                 ""),
            ],
            "ended": (
                12,
                "trial_employee",
                "Planning changé en horaires du soir : incompatible avec la garde de sa fille.",
            ),
        },
        "introductions": [
            (("Domicile Services Erdre et Loire", "Aide à domicile"), [
                ("proposed", 6, {}),
            ]),
        ],
    },
]  # fmt: skip
DEMO_CASELOAD_BY_NAME = {entry["person"]: entry for entry in DEMO_CASELOAD}

# Oriented to the demo organisation, not (yet) accompanied: first name, days ago, reason, then
# the answer (None: waiting for the demo coach; else the manager's decline, days ago, reason).
DEMO_ORIENTATIONS = [
    ("Oksana", 2, "Comptable en Ukraine, veut reprendre un emploi vite, même hors de son "
     "métier ; disponible en journée, parle russe et un peu anglais.", None),
    ("Ahmad", 18, "Cherche un travail dans la restauration ; suit des cours de français.",
     (15, "Ahmad suit le cours de français intensif de l'association le matin jusqu'en juin : "
      "nous ne pourrions pas lui proposer de rencontres avant. À réorienter à la fin du "
      "cours.")),
]  # fmt: skip


# Further along: three people whose path began 10 to 14 months ago, so that a year's figures
# show every outcome (a hire still held six months on, the situation six months after an exit,
# exits for several reasons, people under international protection). Each is created engaged,
# the consents given 10 days before the accompaniment (as for the caseload), then accompanied
# like DEMO_CASELOAD's people (same keys) up to her exit: (days ago, coded reason, notes, the
# situation six months later or None: recorded a few days after it fell due). "resident": the
# file; "dates": its date fields, in days from today; "benefit": (minimum social, since how
# many days); "note": the officer's note of the first meeting.
DEMO_ALUMNI = [
    {
        "person": "Hodan",
        "resident": {
            "last_name": "Warsame",
            "sex": "female",
            "birth_date": datetime.date(1993, 4, 12),
            "phone": "06 12 00 90 11",
            "residence": 2,
            "housing_unit": "B 214",
            "preferred_language": "som",
            "french_level": FrenchLevel.A2,
            "nationality_group": NationalityGroup.NON_EU,
            "international_protection": InternationalProtection.REFUGEE,
            "right_to_work_document": RightToWorkDocument.RESIDENT_CARD,
            "france_travail_status": FranceTravailStatus.REGISTERED,
        },
        "dates": {
            "moved_in_on": -900,
            "right_to_work_expires_on": 2600,
            "last_referent_contact_on": -45,
        },
        "benefit": ("rsa", 1000),
        "note": "Rencontrée à la permanence du hall avec une voisine qui traduisait ; veut "
        "travailler vite, le matin.",
        "since": 290,
        "reason": "Réfugiée, veut un emploi stable le matin, en cuisine ou en entretien ; a "
        "travaillé en cuisine dans un restaurant de Nairobi.",
        "wishes": {
            "wanted": [
                "Plongeur / Plongeuse en restauration",
                "Agent / Agente de propreté de locaux",
            ],
            "wanted_titles": "Plonge, cuisine collective, entretien",
            "wanted_sectors": [Sector.HOSPITALITY, Sector.CLEANING],
            "not_wanted": "Pas de travail le soir.",
            "hours_min": 30,
            "hours_max": 35,
            "available_days": ["mon", "tue", "wed", "thu", "fri"],
            "schedules_ok": [Schedule.EARLY],
            "transport": ["public", "walk"],
            "max_commute_minutes": 50,
            "reachable_cities": ["Nantes", "Saint-Herblain"],
            "languages": ["som", "eng"],
            "experience": "Trois ans en cuisine dans un restaurant de Nairobi (plonge, épluchage).",
        },
        "contacts": [
            (
                288,
                "person",
                "meeting",
                "Premier rendez-vous avec une interprète en somali : "
                "parcours, souhaits. Veut un CDI, le matin.",
                False,
                None,
                None,
            ),
            (
                245,
                "person",
                "meeting",
                "A posé seule sa candidature à la cuisine centrale de "
                "Loire Océan ; préparation de l'entretien.",
                False,
                None,
                None,
            ),
            (
                200,
                "both",
                "workplace",
                "Visite à la cuisine centrale avec le chef de "
                "production : elle tient le rythme ; des consignes en images l'aideraient.",
                False,
                "Restauration Collective Loire Océan",
                None,
            ),
            (
                70,
                "person",
                "phone",
                "Toujours à la plonge ; aimerait passer au conditionnement "
                "et prépare le code de la route.",
                False,
                None,
                None,
            ),
        ],
        "placement": {
            "employer": "Restauration Collective Loire Océan",
            "contract_type": ContractType.CDI,
            "start_days": 228,
            "weekly_hours": 35,
            "trial_months": 2,
            "job_title": "Agente de plonge",
            "onboarding_first_days": "Accueil hygiène et sécurité ; une semaine en binôme à la "
            "plonge.",
            "onboarding_tasks": "Lavage des bacs et des chariots, puis rangement de la réserve.",
            "onboarding_rhythm": "De 6 h à 13 h, du lundi au vendredi.",
            "onboarding_helper": "Ibrahima Sow, chef de production",
            "follow_ups": [
                ("d7", 7, "both", True, "Bonne intégration ; l'équipe la trouve rapide.", ""),
                (
                    "m1",
                    33,
                    "employee",
                    True,
                    "Contente de son poste ; le lever à 4 h 45 est dur.",
                    "Premier tram à 5 h 10 : arrivée juste à l'heure.",
                ),
                (
                    "m3",
                    94,
                    "employer",
                    True,
                    "Période d'essai validée ; le chef de production lui confie aussi la réserve.",
                    "",
                ),
                (
                    "m6",
                    186,
                    "both",
                    True,
                    "Toujours en poste, en CDI ; à l'aise dans l'équipe.",
                    "",
                ),
            ],
        },
        "exit": (
            30,
            ExitReason.DURABLE_EMPLOYMENT,
            "En CDI depuis plus de six mois, période d'essai validée.",
            None,
        ),
    },
    {
        "person": "Yusuf",
        "resident": {
            "last_name": "Karimi",
            "sex": "male",
            "birth_date": datetime.date(1984, 9, 3),
            "phone": "06 12 00 90 22",
            "residence": 4,
            "housing_unit": "312",
            "preferred_language": "pus",
            "french_level": FrenchLevel.A1,
            "nationality_group": NationalityGroup.NON_EU,
            "international_protection": InternationalProtection.SUBSIDIARY,
            "right_to_work_document": RightToWorkDocument.MULTI_YEAR_PERMIT,
            "france_travail_status": FranceTravailStatus.REGISTERED,
        },
        "dates": {
            "moved_in_on": -700,
            "right_to_work_expires_on": 800,
            "last_referent_contact_on": -20,
        },
        "benefit": ("rsa", 1200),
        "note": "Venu à la permanence avec son voisin de palier ; parle pachto et un peu de dari.",
        "since": 390,
        "reason": "Bénéficiaire de la protection subsidiaire, maçon en Afghanistan ; veut "
        "reprendre son métier. Cours de français le soir.",
        "wishes": {
            "wanted": ["Manoeuvre bâtiment", "Aide-maçon / Aide-maçonne"],
            "wanted_titles": "Maçon, manœuvre",
            "wanted_sectors": [Sector.BUILDING],
            "hours_min": 35,
            "available_days": ["mon", "tue", "wed", "thu", "fri"],
            "schedules_ok": [Schedule.EARLY],
            "transport": ["public", "bike"],
            "max_commute_minutes": 45,
            "reachable_cities": ["Nantes", "Rezé"],
            "languages": ["pus", "prs"],
            "experience": "Huit ans de maçonnerie à Jalalabad, sans diplôme reconnu en France.",
        },
        "contacts": [
            (
                388,
                "person",
                "meeting",
                "Premier rendez-vous avec un interprète en pachto : parcours de maçon, souhaits.",
                False,
                None,
                None,
            ),
            (
                330,
                "person",
                "meeting",
                "Le français écrit bloque les chantiers (consignes de "
                "sécurité) : inscrit au cours intensif du soir.",
                False,
                None,
                None,
            ),
            (
                262,
                "person",
                "phone",
                "Un CAP maçon pour adultes l'intéresse : le financement passe par France Travail.",
                False,
                None,
                None,
            ),
            (
                226,
                "person",
                "meeting",
                "Rendez-vous à trois avec sa conseillère France "
                "Travail : elle prend le relais pour la formation.",
                False,
                None,
                None,
            ),
        ],
        "exit": (
            220,
            ExitReason.HANDOVER,
            "Relais vers sa conseillère France Travail pour un CAP maçon en formation d'adultes.",
            PostExitSituation.TRAINING,
        ),
    },
    {
        "person": "Damien",
        "resident": {
            "last_name": "Roussel",
            "sex": "male",
            "birth_date": datetime.date(1987, 2, 21),
            "phone": "06 12 00 90 33",
            "residence": 5,
            "housing_unit": "27",
            "preferred_language": "fra",
            "french_level": FrenchLevel.NATIVE,
            "nationality_group": NationalityGroup.FRENCH,
            "france_travail_status": FranceTravailStatus.REGISTERED,
        },
        # Registered, but no contact with his referent for more than a year: "invisible".
        "dates": {"moved_in_on": -500, "last_referent_contact_on": -420},
        "benefit": ("rsa", 800),
        "note": "Rencontré au local vélos ; veut reprendre l'intérim.",
        "since": 300,
        "reason": "A travaillé en intérim dans la logistique jusqu'en 2019 ; veut reprendre, "
        "CACES à repasser.",
        "wishes": {
            "wanted": ["Cariste d'entrepôt", "Manutentionnaire"],
            "wanted_titles": "Cariste, préparateur de commandes",
            "wanted_sectors": [Sector.LOGISTICS],
            "hours_min": 35,
            "available_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "schedules_ok": [Schedule.EARLY, Schedule.NIGHT],
            "transport": ["public", "scooter"],
            "max_commute_minutes": 45,
            "reachable_cities": ["Rezé", "Nantes", "Bouguenais", "Carquefou"],
            "languages": ["fra"],
            "experience": "Préparation de commandes et chariot en intérim, de 2012 à 2019 ; "
            "CACES 3 périmé.",
        },
        "contacts": [
            (
                298,
                "person",
                "meeting",
                "Premier rendez-vous : veut un poste de cariste ; repasser le CACES d'abord.",
                False,
                None,
                None,
            ),
            (
                240,
                "person",
                "phone",
                "Absent au rendez-vous ; au téléphone, il dit traverser une période difficile.",
                False,
                None,
                None,
            ),
            (
                170,
                "person",
                "message",
                "SMS pour un nouveau rendez-vous : pas de réponse.",
                False,
                None,
                None,
            ),
        ],
        "exit": (
            75,
            ExitReason.LOST_CONTACT,
            "Sans nouvelles depuis trois mois malgré les "
            "appels, les SMS et un passage à la résidence.",
            None,
        ),
    },
]


def _demo_employment(*, users, residences):
    """The demo coach's caseload at every step, written through employment.services: an
    orientation waiting for her and one her manager declined; accompaniments with wishes,
    contacts and introductions at each step; a hire on a CDI with its D+7 follow-up done and
    the M1 one due; a job ended early. Written once (the orientations tell), then dated back
    as if it had happened over the last months."""
    from employment.models import Orientation
    from residents.enums import Stage
    from residents.models import Resident

    people = {r.first_name: r for r in Resident.objects.filter(residence__in=residences)}
    if Orientation.objects.filter(resident__in=people.values()).exists():
        return
    officer = users[Role.INSERTION_OFFICER]
    coach = users[Role.JOB_COACH]
    manager = User.objects.get(email="karim.haddad@adelis.demo")
    employers = {e.name: e for e in Employer.objects.filter(territory=TERRITORY)}
    openings = {
        (o.employer.name, o.rome_appellation.label): o
        for o in JobOpening.objects.filter(
            employer__in=employers.values(), status="open"
        ).select_related("employer", "rome_appellation")
    }
    # Residents a database of an older demo brought elsewhere are left as they are.
    engaged = {name: r for name, r in people.items() if r.stage == Stage.ENGAGED}
    for entry in DEMO_CASELOAD:
        if entry["person"] in engaged:
            _demo_accompaniment(
                entry, resident=engaged[entry["person"]], officer=officer, coach=coach,
                manager=manager, employers=employers, openings=openings,
            )  # fmt: skip
    for first_name, days, reason, answer in DEMO_ORIENTATIONS:
        if first_name in engaged:
            _demo_orientation(
                engaged[first_name], days=days, reason=reason, answer=answer, officer=officer,
                coach=coach, manager=manager,
            )  # fmt: skip


def _demo_alumni(*, residences, users):
    """DEMO_ALUMNI, each written once (found again by name) through the services: the file,
    the consents and the engagement, then the accompaniment as the caseload's is written, up
    to the exit. Run after the caseload (_demo_employment reads its orientations to know it
    was written) and the SMS (their campaign would count these people among its recipients)."""
    from residents import services
    from residents.enums import ConsentScope, Stage
    from residents.models import Resident

    officer = users[Role.INSERTION_OFFICER]
    coach = users[Role.JOB_COACH]
    manager = User.objects.get(email="karim.haddad@adelis.demo")
    employers = {e.name: e for e in Employer.objects.filter(territory=TERRITORY)}
    there = set(
        Resident.objects.filter(residence__in=residences).values_list("first_name", "last_name")
    )
    today = timezone.localdate()
    for entry in DEMO_ALUMNI:
        data = {"first_name": entry["person"], **entry["resident"]}
        if (data["first_name"], data["last_name"]) in there:
            continue
        data["residence"] = residences[data["residence"]]
        for field, days in entry["dates"].items():
            data[field] = today + datetime.timedelta(days=days)
        benefit, since = entry["benefit"]
        resident = services.resident_create(
            by=officer, data=data, benefits={benefit: today - datetime.timedelta(days=since)}
        )
        given_on = today - datetime.timedelta(days=entry["since"] + 10)
        for scope, recipient in (
            (ConsentScope.ACCOMPANIMENT, None),
            (ConsentScope.SHARING, coach.organisation),
        ):
            services.consent_record(
                resident=resident,
                scope=scope,
                given_on=given_on,
                method="signed_form",
                by=officer,
                recipient_organisation=recipient,
            )
        services.resident_change_stage(
            resident=resident, to=Stage.ENGAGED, by=officer, reason="Démonstration"
        )
        services.note_add(resident=resident, by=officer, body=entry["note"])
        _demo_accompaniment(
            entry,
            resident=resident,
            officer=officer,
            coach=coach,
            manager=manager,
            employers=employers,
            openings={},
        )


def _demo_orientation(resident, *, days, reason, answer, officer, coach, manager):
    from employment import services
    from employment.models import Orientation
    from residents import services as resident_services
    from residents.enums import ConsentScope

    resident_services.consent_record(
        resident=resident, scope=ConsentScope.SHARING, method="signed_form", by=officer,
        given_on=timezone.localdate() - datetime.timedelta(days=days),
        recipient_organisation=coach.organisation,
    )  # fmt: skip
    orientation = services.orientation_create(
        resident=resident, organisation=coach.organisation, reason=reason, by=officer,
        coach=coach if answer is None else None,
    )  # fmt: skip
    Orientation.objects.filter(pk=orientation.pk).update(oriented_at=_days_ago(days, 15))
    if answer is not None:
        answered_days, decline_reason = answer
        services.orientation_decline(orientation=orientation, by=manager, reason=decline_reason)
        answered_at = _days_ago(answered_days, 10)
        Orientation.objects.filter(pk=orientation.pk).update(answered_at=answered_at)
        Reminder.objects.filter(
            dedup_key=reminder_key("orientation", orientation.pk, "declined")
        ).update(due_at=answered_at, created_at=answered_at)


def _demo_accompaniment(entry, *, resident, officer, coach, manager, employers, openings):
    from employment import services
    from employment.models import Accompaniment, Orientation

    since = entry["since"]
    orientation = services.orientation_create(
        resident=resident, organisation=coach.organisation, reason=entry["reason"], by=officer,
        coach=None if entry.get("assign") else coach,
    )  # fmt: skip
    if entry.get("assign"):
        accompaniment = services.orientation_accept(orientation=orientation, by=manager,
                                                    coach=coach)  # fmt: skip
    else:
        accompaniment = services.orientation_accept(orientation=orientation, by=coach)
    # Begun `since` days ago: the services date what they write today.
    started_on = timezone.localdate() - datetime.timedelta(days=since)
    Orientation.objects.filter(pk=orientation.pk).update(
        oriented_at=_days_ago(since + 3, 14), answered_at=_days_ago(since, 11)
    )
    Accompaniment.objects.filter(pk=accompaniment.pk).update(started_on=started_on)
    accompaniment.started_on = started_on
    # identified (met in the hall), engaged (the consents), accompanied
    moments = [_days_ago(since + 25, 15), _days_ago(since + 10, 11), _days_ago(since, 11)]
    wishes = dict(entry["wishes"])
    wanted = wishes.pop("wanted")
    wishes["wanted_rome"] = list(
        RomeAppellation.objects.filter(label__in=wanted).values_list("rome_id", flat=True)
    )
    services.wishes_save(accompaniment=accompaniment, by=coach, data=wishes)
    for days, with_whom, channel, summary, confidential, employer, next_step in entry["contacts"]:
        what, in_days = next_step or ("", None)
        services.coach_contact_add(
            accompaniment=accompaniment, by=coach, with_whom=with_whom, channel=channel,
            at=_days_ago(days, 10), summary=summary, confidential=confidential,
            employer=employers[employer] if employer else None, next_step=what,
            next_step_on=timezone.localdate() + datetime.timedelta(days=in_days)
            if in_days else None,
        )  # fmt: skip
    if entry.get("placement"):
        moments += _demo_own_placement(
            entry["placement"], accompaniment=accompaniment, coach=coach, employers=employers
        )
    for (employer, title), steps in entry.get("introductions", []):
        moments += _demo_introduction(
            accompaniment=accompaniment, opening=openings[(employer, title)], steps=steps,
            coach=coach,
        )  # fmt: skip
    if entry.get("exit"):
        moments.append(_demo_exit(entry["exit"], accompaniment=accompaniment, coach=coach))
    _demo_backdate_path(resident, moments, by=officer)


def _placement_data(spec, today):
    start_on = today - datetime.timedelta(days=spec["start_days"])
    data = {
        key: spec[key]
        for key in ("contract_type", "weekly_hours", "job_title", "onboarding_first_days",
                    "onboarding_tasks", "onboarding_rhythm", "onboarding_helper")
    }  # fmt: skip
    data["start_on"] = start_on
    if spec.get("months"):
        data["end_on"] = start_on + relativedelta(months=spec["months"], days=-1)
    if spec.get("trial_months"):
        data["trial_period_end_on"] = start_on + relativedelta(months=spec["trial_months"])
    if spec.get("trial_days"):
        data["trial_period_end_on"] = start_on + datetime.timedelta(days=spec["trial_days"])
    return data


def _demo_follow_ups(placement, follow_ups, *, coach):
    from employment import services

    for milestone, after, with_whom, still_employed, notes, issues in follow_ups:
        services.follow_up_record(
            follow_up=placement.follow_ups.get(milestone=milestone), by=coach,
            done_on=placement.start_on + datetime.timedelta(days=after), with_whom=with_whom,
            still_employed=still_employed, notes=notes, issues=issues,
        )  # fmt: skip


def _demo_own_placement(spec, *, accompaniment, coach, employers):
    """A job the person found on her own: the hire, its follow-ups done, its early end.
    Returns the moments of the stage changes it made (employed, back to accompanied)."""
    from employment import services
    from employment.models import Placement

    today = timezone.localdate()
    data = {**_placement_data(spec, today), "employer": employers[spec["employer"]]}
    placement = services.placement_record(accompaniment=accompaniment, by=coach, data=data)
    Placement.objects.filter(pk=placement.pk).update(
        created_at=_days_ago(spec["start_days"] + 2, 16)
    )
    _demo_follow_ups(placement, spec.get("follow_ups", []), coach=coach)
    moments = [_days_ago(spec["start_days"] + 2, 16)]
    if spec.get("ended"):
        after, reason, notes = spec["ended"]
        services.placement_end(
            placement=placement, by=coach, reason=reason, notes=notes,
            ended_on=placement.start_on + datetime.timedelta(days=after),
        )  # fmt: skip
        moments.append(_days_ago(spec["start_days"] - after, 17))
    return moments


def _demo_exit(spec, *, accompaniment, coach):
    """The accompaniment closed `days` ago for a coded reason (the person leaves the
    programme) and, when given, her situation six months later, recorded a few days after it
    fell due. Returns the moment of the exit (its stage change)."""
    from employment import services
    from employment.models import Accompaniment

    days, reason, notes, situation = spec
    today = timezone.localdate()
    accompaniment = services.accompaniment_close(
        accompaniment=accompaniment,
        by=coach,
        exit_reason=reason,
        notes=notes,
        ended_on=today - datetime.timedelta(days=days),
    )
    exited_at = _days_ago(days, 17)
    reminder = Reminder.objects.filter(
        dedup_key=reminder_key("accompaniment", accompaniment.pk, "post_exit")
    )
    reminder.update(created_at=exited_at)
    if situation:
        services.accompaniment_record_post_exit(
            accompaniment=accompaniment, by=coach, situation=situation
        )
        recorded_on = min(accompaniment.post_exit_due_on + datetime.timedelta(days=3), today)
        Accompaniment.objects.filter(pk=accompaniment.pk).update(post_exit_recorded_on=recorded_on)
        reminder.update(done_at=_days_ago((today - recorded_on).days, 10))
    return exited_at


def _demo_introduction(*, accompaniment, opening, steps, coach):
    """Walks one introduction through `steps` with the services, then dates each step back.
    Returns the moment of the stage change it made (a hire), if any."""
    from employment import services
    from employment.models import Introduction, IntroductionStep, Placement

    today = timezone.localdate()
    now = timezone.now()
    introduction = services.introduction_propose(
        accompaniment=accompaniment, opening=opening, by=coach,
        reasons=[f"Métier souhaité : {opening.rome_appellation.label}"],
    )  # fmt: skip
    dates = {"proposed_at": _days_ago(steps[0][1], 10)}
    step_moments = [dates["proposed_at"]]
    moments = []
    for index, (status, days, details) in enumerate(steps[1:], start=1):
        at = _days_ago(days, 10 + index)
        if status == "interview_scheduled":
            if "in_days" in details:
                day = today + datetime.timedelta(days=details["in_days"])
                interview_at = timezone.make_aware(
                    datetime.datetime.combine(day, datetime.time(details["hour"]))
                )
            else:  # held since: scheduled now, dated back below
                interview_at = now + datetime.timedelta(hours=1)
                later = next(d for s, d, _ in steps if s == "interview_held")
                dates["interview_at"] = _days_ago(later, 10)
            services.introduction_move(
                introduction=introduction, to=status, by=coach, interview_at=interview_at,
                interview_place=details["place"], interview_contact=details["contact"],
            )  # fmt: skip
        elif status == "interview_held":
            services.introduction_move(
                introduction=introduction, to=status, by=coach, notes=details.get("notes", "")
            )
            dates["interview_held_on"] = at.date()
        elif status == "hired":
            placement = services.placement_record(
                accompaniment=accompaniment, by=coach, introduction=introduction,
                data=_placement_data(details, today),
            )  # fmt: skip
            Placement.objects.filter(pk=placement.pk).update(created_at=at)
            _demo_follow_ups(placement, details.get("follow_ups", []), coach=coach)
            dates["ended_at"] = at
            moments.append(at)
        else:  # accepted, not retained, declined
            services.introduction_move(
                introduction=introduction, to=status, by=coach,
                reason=details.get("reason", ""), notes=details.get("notes", ""),
            )  # fmt: skip
            if status in ("not_retained", "declined"):
                dates["ended_at"] = at
        step_moments.append(at)
    Introduction.objects.filter(pk=introduction.pk).update(**dates)
    for step, at in zip(introduction.steps.order_by("pk"), step_moments, strict=True):
        IntroductionStep.objects.filter(pk=step.pk).update(at=at)
    return moments


def _demo_backdate_path(resident, moments, *, by):
    """Dates the person's stage changes (identified, engaged, accompanied, ...) at `moments`,
    the note of her first meeting with them, and recomputes her last interaction."""
    import pghistory

    from residents.models import Note, Resident, StageChange
    from residents.services import resident_recompute_last_interaction

    changes = list(StageChange.objects.filter(resident=resident).order_by("changed_at", "pk"))
    previous = None
    for change, at in zip(changes, moments, strict=True):
        since = previous if change.from_stage else None
        StageChange.objects.filter(pk=change.pk).update(changed_at=at, from_stage_since=since)
        previous = at
    with pghistory.context(user=by.pk):
        Resident.objects.filter(pk=resident.pk).update(stage_changed_at=moments[-1])
        Note.objects.filter(resident=resident).update(
            created_at=moments[0] + datetime.timedelta(minutes=30)
        )
    resident_recompute_last_interaction(resident=resident)
