"""Who may do what: the one role-by-action table of O2R, pure data.

Every app reads it — residents, reminders, and the apps to come (outreach, employers,
employment, dashboards), including those that do not depend on `residents`. A right is a line
`(profile, action): scope`; a pair that is absent is refused. The scope says on whom the right
holds; each app turns a scope into rows with its own QuerySets (`residents.access` for the
residents' files). Nothing else in the code compares roles: a test fails when a view, a
service or a template does.

The README's access table is generated from this one (`python manage.py access_table`), and a
test fails when the two differ.
"""

from django.db import models
from django.db.models import Q

from o2r.accounts.enums import OrganisationKind, Role


class Profile(models.TextChoices):
    """A role within the kind of organisation it is exercised in."""

    INSERTION_OFFICER = "insertion_officer", "Chargée d'insertion (Adoma)"
    JOB_COACH = "job_coach", "Chargée de mission emploi (Adelis)"
    HOUSING_MANAGER = "housing_manager", "Responsable, Adoma"
    EMPLOYMENT_MANAGER = "employment_manager", "Responsable, Adelis"
    RESIDENCE_STAFF = "residence_staff", "Personnel de résidence"
    ADMINISTRATOR = "administrator", "Administratrice"


# profile -> (role, kind of organisation required, None: any or none)
PROFILES = {
    Profile.INSERTION_OFFICER: (Role.INSERTION_OFFICER, None),
    Profile.JOB_COACH: (Role.JOB_COACH, OrganisationKind.EMPLOYMENT),
    Profile.HOUSING_MANAGER: (Role.MANAGER, OrganisationKind.HOUSING),
    Profile.EMPLOYMENT_MANAGER: (Role.MANAGER, OrganisationKind.EMPLOYMENT),
    Profile.RESIDENCE_STAFF: (Role.RESIDENCE_STAFF, None),
    Profile.ADMINISTRATOR: (Role.ADMINISTRATOR, None),
}


class Action(models.TextChoices):
    RESIDENT_LIST = "resident.list", "Liste des résidents"
    RESIDENT_OPEN = "resident.open", "Ouvrir un dossier"
    RESIDENT_EDIT = "resident.edit", "Modifier un dossier"
    RESIDENT_HISTORY = "resident.history", "Lire l'historique d'un dossier"
    RESIDENT_CREATE = "resident.create", "Créer un dossier"
    RESIDENT_ORIENT = "resident.orient", "Orienter vers une chargée de mission emploi"
    CONSENT_RECORD = "consent.record", "Enregistrer un accord de la personne"
    CONSENT_WITHDRAW = "consent.withdraw", "Enregistrer le retrait d'un accord"
    RESIDENT_ACCOMPANY = "resident.accompany", "Recevoir une orientation (accompagner)"
    RESIDENT_FOLLOW = "resident.follow", "Devenir la chargée d'insertion d'une personne repérée"
    ROSTER_IMPORT = "roster.import", "Importer une liste de résidents"
    RESIDENT_EXPORT = "resident.export", "Exporter la liste (CSV)"
    HEALTH_READ = "health.read", "Informations de santé"
    CONFIDENTIAL_NOTES_READ = "notes.confidential", "Notes confidentielles"
    PERSONAL_DATA_EXPORT = "personal_data.export", "Droit d'accès : exporter un dossier"
    PERSONAL_DATA_ERASE = "personal_data.erase", "Effacer un dossier à la demande"
    OUTREACH_LOG = "outreach.log", "Aller vers : mener une action, noter les contacts"
    OUTREACH_READ = "outreach.read", "Aller vers : actions et chiffres d'une résidence"
    CONTACT_READ = "contact.read", "Lire les contacts d'un résident"
    REFERRAL_FILE = "referral.file", "Signaler une personne (et suivre ses signalements)"
    REFERRAL_HANDLE = "referral.handle", "Traiter les signalements"
    EMPLOYER_READ = "employer.read", "Entreprises : lire les fiches de son territoire"
    EMPLOYER_EDIT = "employer.edit", "Entreprises : créer, modifier, changer le statut"
    EMPLOYER_CONTACT_READ = (
        "employer.contacts",
        "Entreprises : interlocuteurs (données personnelles)",
    )
    PROSPECTING_READ = "prospecting.read", "Prospection : lire les démarches"
    PROSPECTING_LOG = "prospecting.log", "Prospection : noter une démarche"
    OPENING_READ = "opening.read", "Offres d'emploi : lire"
    OPENING_EDIT = "opening.edit", "Offres d'emploi : saisir, modifier, clore"
    ORIENTATION_READ = "orientation.read", "Orientations reçues : fiche de synthèse"
    ORIENTATION_ANSWER = "orientation.answer", "Orientations reçues : accepter, refuser"
    ORIENTATION_ASSIGN = (
        "orientation.assign",
        "Orientations reçues : confier à une chargée de mission",
    )
    ACCOMPANIMENT_READ = "accompaniment.read", "Accompagnement emploi : suivre le parcours"
    ACCOMPANIMENT_WORK = (
        "accompaniment.work",
        "Accompagnement emploi : souhaits, contacts, mises en relation, embauche, suivis, sortie",
    )
    CASELOAD_READ = "caseload.read", "Portefeuille des accompagnements"
    SMS_CAMPAIGN_READ = "sms_campaign.read", "SMS : lire les campagnes et leur avancement"
    SMS_CAMPAIGN_WRITE = "sms_campaign.write", "SMS : écrire, envoyer, annuler une campagne"
    SMS_OUTBOX_READ = "sms.outbox", "SMS : lire les messages envoyés à une personne"
    SMS_RESOLVE = (
        "sms.resolve",
        "SMS : noter une opposition, renvoyer un message incertain",
    )
    SMS_INBOX = "sms.inbox", "SMS : rattacher une réponse d'un numéro inconnu ou partagé"
    DASHBOARD_READ = (
        "dashboard.read",
        "Tableau de bord et rapport au financeur (chiffres agrégés, exports)",
    )
    REMINDERS_OWN = "reminders.own", "Mes rappels"
    WORKER_CHECK = "system.worker_check", "Tester le worker"
    USERS_MANAGE = "system.users", "Gérer les comptes, les résidences, les référentiels"


class Scope(models.TextChoices):
    """On whom a right holds. Each app's QuerySets give the rows of each scope."""

    ALWAYS = "always", "oui"
    MEMBERSHIPS = "memberships", "résidents de ses résidences"
    ASSIGNED = (
        "assigned",
        "résidents qui lui sont confiés, accord de partage à son organisation en cours",
    )
    ORGANISATION = (
        "organisation",
        "résidents confiés à son organisation, accord de partage en cours",
    )
    HEALTH_CONSENT = "health_consent", "avec l'accord santé donné à son organisation"
    OWN_ORGANISATION = "own_organisation", "celles de son organisation"
    TERRITORY = "territory", "celles de son territoire"
    TERRITORY_OPEN = "territory_open", "les offres ouvertes de son territoire"
    ORIENTED = (
        "oriented",
        "orientations en attente vers son organisation, accord de partage en cours",
    )
    OWN = "own", "les siens"


P, A, S = Profile, Action, Scope

ACCESS = {
    (P.INSERTION_OFFICER, A.RESIDENT_LIST): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_OPEN): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_EDIT): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_HISTORY): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_CREATE): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_ORIENT): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.CONSENT_RECORD): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.CONSENT_WITHDRAW): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_FOLLOW): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.ROSTER_IMPORT): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.RESIDENT_EXPORT): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.HEALTH_READ): S.ALWAYS,
    (P.INSERTION_OFFICER, A.CONFIDENTIAL_NOTES_READ): S.OWN_ORGANISATION,
    (P.INSERTION_OFFICER, A.PERSONAL_DATA_EXPORT): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.PERSONAL_DATA_ERASE): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.OUTREACH_LOG): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.OUTREACH_READ): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.CONTACT_READ): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.REFERRAL_FILE): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.REFERRAL_HANDLE): S.MEMBERSHIPS,
    # She talks about jobs with residents: she reads the companies and the open openings of
    # her territory, not the employers' contacts nor the coach's prospecting.
    (P.INSERTION_OFFICER, A.EMPLOYER_READ): S.TERRITORY,
    (P.INSERTION_OFFICER, A.OPENING_READ): S.TERRITORY_OPEN,
    # She co-builds the path: she follows the accompaniment read-only (not the coach's
    # confidential notes: CONFIDENTIAL_NOTES_READ is her own organisation's).
    (P.INSERTION_OFFICER, A.ACCOMPANIMENT_READ): S.MEMBERSHIPS,
    # SMS: she writes the campaigns of her residences, reads what went to their residents,
    # and matches the replies of unknown or shared numbers.
    (P.INSERTION_OFFICER, A.SMS_CAMPAIGN_READ): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.SMS_CAMPAIGN_WRITE): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.SMS_OUTBOX_READ): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.SMS_RESOLVE): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.SMS_INBOX): S.MEMBERSHIPS,
    (P.INSERTION_OFFICER, A.REMINDERS_OWN): S.OWN,
    (P.JOB_COACH, A.RESIDENT_LIST): S.ASSIGNED,
    (P.JOB_COACH, A.RESIDENT_OPEN): S.ASSIGNED,
    (P.JOB_COACH, A.RESIDENT_EDIT): S.ASSIGNED,
    (P.JOB_COACH, A.RESIDENT_HISTORY): S.ASSIGNED,
    (P.JOB_COACH, A.RESIDENT_ACCOMPANY): S.ASSIGNED,
    # The person may tell her coach she withdraws a consent; she gives one to the officer,
    # who collects consents (a coach recording a health consent would grant herself health).
    (P.JOB_COACH, A.CONSENT_WITHDRAW): S.ASSIGNED,
    (P.JOB_COACH, A.HEALTH_READ): S.HEALTH_CONSENT,
    (P.JOB_COACH, A.CONFIDENTIAL_NOTES_READ): S.OWN_ORGANISATION,
    (P.JOB_COACH, A.PERSONAL_DATA_EXPORT): S.ASSIGNED,
    (P.JOB_COACH, A.CONTACT_READ): S.ASSIGNED,
    (P.JOB_COACH, A.EMPLOYER_READ): S.TERRITORY,
    (P.JOB_COACH, A.EMPLOYER_EDIT): S.TERRITORY,
    (P.JOB_COACH, A.EMPLOYER_CONTACT_READ): S.TERRITORY,
    (P.JOB_COACH, A.PROSPECTING_READ): S.TERRITORY,
    (P.JOB_COACH, A.PROSPECTING_LOG): S.TERRITORY,
    (P.JOB_COACH, A.OPENING_READ): S.TERRITORY,
    (P.JOB_COACH, A.OPENING_EDIT): S.TERRITORY,
    # Before she accepts, an orientation shows a summary only (name, residence, why,
    # consents, who oriented): not the file.
    (P.JOB_COACH, A.ORIENTATION_READ): S.ORIENTED,
    (P.JOB_COACH, A.ORIENTATION_ANSWER): S.ORIENTED,
    (P.JOB_COACH, A.ACCOMPANIMENT_READ): S.ASSIGNED,
    (P.JOB_COACH, A.ACCOMPANIMENT_WORK): S.ASSIGNED,
    (P.JOB_COACH, A.CASELOAD_READ): S.OWN,
    # The messages sent to the people she accompanies (an interview's reminder the day
    # before), and their opposition to SMS when they tell her.
    (P.JOB_COACH, A.SMS_OUTBOX_READ): S.ASSIGNED,
    (P.JOB_COACH, A.SMS_RESOLVE): S.ASSIGNED,
    (P.JOB_COACH, A.REMINDERS_OWN): S.OWN,
    (P.HOUSING_MANAGER, A.RESIDENT_LIST): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.RESIDENT_OPEN): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.RESIDENT_EXPORT): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.OUTREACH_READ): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.CONTACT_READ): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.EMPLOYER_READ): S.TERRITORY,
    (P.HOUSING_MANAGER, A.OPENING_READ): S.TERRITORY_OPEN,
    (P.HOUSING_MANAGER, A.ACCOMPANIMENT_READ): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.SMS_CAMPAIGN_READ): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.SMS_OUTBOX_READ): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.DASHBOARD_READ): S.MEMBERSHIPS,
    (P.HOUSING_MANAGER, A.REMINDERS_OWN): S.OWN,
    (P.EMPLOYMENT_MANAGER, A.RESIDENT_LIST): S.ORGANISATION,
    (P.EMPLOYMENT_MANAGER, A.RESIDENT_OPEN): S.ORGANISATION,
    (P.EMPLOYMENT_MANAGER, A.RESIDENT_EXPORT): S.ORGANISATION,
    (P.EMPLOYMENT_MANAGER, A.EMPLOYER_READ): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.EMPLOYER_EDIT): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.EMPLOYER_CONTACT_READ): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.PROSPECTING_READ): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.PROSPECTING_LOG): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.OPENING_READ): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.OPENING_EDIT): S.TERRITORY,
    # She assigns: she answers an orientation by choosing the coach.
    (P.EMPLOYMENT_MANAGER, A.ORIENTATION_READ): S.ORIENTED,
    (P.EMPLOYMENT_MANAGER, A.ORIENTATION_ANSWER): S.ORIENTED,
    (P.EMPLOYMENT_MANAGER, A.ORIENTATION_ASSIGN): S.ORIENTED,
    (P.EMPLOYMENT_MANAGER, A.ACCOMPANIMENT_READ): S.ORGANISATION,
    (P.EMPLOYMENT_MANAGER, A.CASELOAD_READ): S.OWN_ORGANISATION,
    (P.EMPLOYMENT_MANAGER, A.DASHBOARD_READ): S.TERRITORY,
    (P.EMPLOYMENT_MANAGER, A.REMINDERS_OWN): S.OWN,
    (P.RESIDENCE_STAFF, A.REFERRAL_FILE): S.MEMBERSHIPS,
    (P.RESIDENCE_STAFF, A.REMINDERS_OWN): S.OWN,
    (P.ADMINISTRATOR, A.RESIDENT_LIST): S.MEMBERSHIPS,
    (P.ADMINISTRATOR, A.RESIDENT_OPEN): S.MEMBERSHIPS,
    (P.ADMINISTRATOR, A.REMINDERS_OWN): S.OWN,
    (P.ADMINISTRATOR, A.WORKER_CHECK): S.ALWAYS,
    (P.ADMINISTRATOR, A.USERS_MANAGE): S.ALWAYS,
}

# A second factor (TOTP) is offered to everyone, and required of these profiles when the
# setting O2R_MFA_REQUIRED is on (production).
MFA_REQUIRED = frozenset({P.HOUSING_MANAGER, P.EMPLOYMENT_MANAGER, P.ADMINISTRATOR})


_PROFILE_BY_ROLE = {(role, kind): profile for profile, (role, kind) in PROFILES.items()}


def profile_of(user) -> Profile | None:
    """The profile of an active user, or None (anonymous, inactive, or a role exercised in a
    kind of organisation that gives it no rights, such as a manager of no organisation)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    kind = user.organisation.kind if user.organisation_id else None
    return _PROFILE_BY_ROLE.get((user.role, kind)) or _PROFILE_BY_ROLE.get((user.role, None))


def scope_of(user, action: Action) -> Scope | None:
    """On whom `user` may do `action`; None: refused."""
    return ACCESS.get((profile_of(user), action))


def allows(user, action: Action) -> bool:
    return scope_of(user, action) is not None


def mfa_required(user) -> bool:
    return profile_of(user) in MFA_REQUIRED


def users_with(action: Action) -> Q:
    """A filter on users: those whose profile holds `action` (e.g. the coaches one may
    orient a person to)."""
    condition = Q(pk__in=[])
    for (profile, granted), _ in ACCESS.items():
        if granted != action:
            continue
        role, kind = PROFILES[profile]
        profile_q = Q(role=role, is_active=True)
        if kind is not None:
            profile_q &= Q(organisation__kind=kind)
        condition |= profile_q
    return condition


def rights_of(user) -> dict[str, Scope]:
    """{"resident_list": Scope, ...} for templates: `{% if rights.resident_orient %}`. Only
    says what the profile may do in general; whether it holds on one resident is the app's
    scope check."""
    profile = profile_of(user)
    return {action.name.lower(): scope for (who, action), scope in ACCESS.items() if who == profile}


def markdown_table() -> str:
    """The README's access table: one row per action, one column per profile."""
    profiles = list(Profile)
    lines = [
        "| action | " + " | ".join(p.label for p in profiles) + " |",
        "|---|" + "---|" * len(profiles),
    ]
    for action in Action:
        cells = [ACCESS.get((p, action)) for p in profiles]
        lines.append(
            f"| {action.label} | "
            + " | ".join(cell.label if cell else "—" for cell in cells)
            + " |"
        )
    mfa = ", ".join(p.label for p in profiles if p in MFA_REQUIRED)
    lines.append("")
    lines.append(f"Second facteur exigé (avec `O2R_MFA_REQUIRED`) : {mfa}.")
    return "\n".join(lines)
