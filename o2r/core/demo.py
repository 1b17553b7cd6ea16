"""Demo data: the six residences of the Nantes programme, the two organisations and one user
per role. Invented people and addresses; only `load_demo` writes them, never production."""

from django.conf import settings
from django.db import transaction

from o2r.accounts.enums import OrganisationKind, Role
from o2r.accounts.models import Organisation, User
from residents.enums import ResidenceKind
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

DEMO_PASSWORD = "o2r-demo-2026"  # noqa: S105 - a demo password, printed on purpose

# email, first name, last name, organisation key, role, residences (indexes into RESIDENCES)
USERS = [
    ("samia.benali@adoma.demo", "Samia", "Benali", "adoma", Role.INSERTION_OFFICER, range(6)),
    ("marc.legoff@adoma.demo", "Marc", "Le Goff", "adoma", Role.RESIDENCE_STAFF, [0]),
    ("claire.moreau@adelis.demo", "Claire", "Moreau", "adelis", Role.JOB_COACH, []),
    ("helene.garnier@adoma.demo", "Hélène", "Garnier", "adoma", Role.MANAGER, range(6)),
    ("karim.haddad@adelis.demo", "Karim", "Haddad", "adelis", Role.MANAGER, []),
    ("sophie.martin@o2r.demo", "Sophie", "Martin", "adoma", Role.ADMINISTRATOR, []),
]


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
            defaults={"kind": kind, "address": address, "city": city, "capacity": capacity},
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
]


def _demo_residents(*, residents, users):
    """A dozen invented residents along the path, written through the services, once."""
    import datetime

    from django.utils import timezone

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
        "accompanied": [Stage.ENGAGED, Stage.ACCOMPANIED],
        "employed": [Stage.ENGAGED, Stage.ACCOMPANIED, Stage.EMPLOYED],
        "exited": [Stage.ENGAGED, Stage.EXITED],
    }
    for index, (first, last, sex, year, language, level, stage, benefit) in enumerate(DEMO_PEOPLE):
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
                "moved_in_on": today - datetime.timedelta(days=90 * index),
                "france_travail_status": ["not_registered", "registered", "unknown"][index % 3],
            },
        )
        if stage in path:
            services.consent_record(
                resident=resident,
                scope=ConsentScope.ACCOMPANIMENT,
                given_on=today,
                method="signed_form",
                by=officer,
            )
        for step in path.get(stage, []):
            if step == Stage.ACCOMPANIED:
                services.consent_record(
                    resident=resident,
                    scope=ConsentScope.SHARING,
                    given_on=today,
                    method="signed_form",
                    by=officer,
                    recipient_organisation=coach.organisation,
                )
                services.resident_assign_coach(resident=resident, coach=coach, by=officer)
            services.resident_change_stage(
                resident=resident,
                to=step,
                by=officer,
                reason="Démonstration",
                exit_reason="moved_out" if step == Stage.EXITED else "",
                # Until the employment app records placements, the demo hires as it would.
                via="employment" if step == Stage.EMPLOYED else None,
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
