"""Business rules of the employers' network. Views, the demo and the bench call these; each is
one transaction. Refusals raise ValidationError with a French message keyed by the field to
blame. A form carries a token: a double submission finds the row the first one wrote."""

import datetime

import pghistory
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from o2r import access
from o2r.access import Action
from o2r.core.services import once, token_lock
from o2r.reminders.services import (
    reminder_delete_by_key,
    reminder_key,
    reminder_upsert,
)
from residents.normalise import fold, printable_text
from residents.validators import parse_phone

from .enums import (
    CONTACT_OUTCOMES,
    DURATION_REQUIRED,
    OUTCOME_STATUS,
    STATUS_RANK,
    ContractType,
    NetworkStatus,
    OpeningStatus,
    Sector,
)
from .models import (
    SUMMARY_MAX,
    Employer,
    EmployerContact,
    EmployerStatusChange,
    JobOpening,
    ProspectingAction,
    RomeAppellation,
    territories_of,
)
from .validators import normalise_naf, normalise_siret

REMINDER_HOUR = datetime.time(9, 0)
MAX_WEEKLY_HOURS = 48
FULL_TIME_HOURS = 35
# Trigram similarity from which two folded names in one city are "near-identical".
NEAR_IDENTICAL = 0.6

# Words of a company name that say its legal form, not who it is.
LEGAL_FORMS = {
    "sarl", "sas", "sasu", "sa", "eurl", "sci", "snc", "scop", "scic", "eirl", "ei", "ets",
    "etablissements", "societe", "ste", "cie", "et", "groupe", "france",
}  # fmt: skip


def employer_name_key(name: str) -> str:
    """'SARL Boulangerie Léon & Fils' -> 'boulangerie leon fils'."""
    words = [word for word in fold(name).split() if word not in LEGAL_FORMS]
    # A name in another script, which folding empties, is kept lower-cased (as name_key does).
    return " ".join(words) or fold(name) or " ".join((name or "").casefold().split())


def _text(value, limit):
    return printable_text(value or "")[:limit].strip()


def _check_territory(by, territory, action):
    if not access.allows(by, action) or territory not in territories_of(by):
        raise ValidationError({"territory": "Vous ne travaillez pas sur ce territoire."})


def _lock(employer) -> Employer:
    return Employer.objects.select_for_update().get(pk=employer.pk)


# --- Employers ------------------------------------------------------------------------------


class EmployerMayBeKnown(ValidationError):
    """The company may already be in the network: `candidates` are the employers the user may
    see that look like it. A SIRET already taken refuses (`blocking`); a similar name in the
    same city asks for a confirmation."""

    def __init__(self, message, *, candidates, blocking):
        super().__init__(message)
        self.candidates = candidates
        self.blocking = blocking


EMPLOYER_FIELDS = [
    "name", "siret", "naf_code", "naf_version", "sector", "size_band", "address", "postcode",
    "city", "territory", "description", "owner",
]  # fmt: skip


def _clean_employer(data: dict) -> dict:
    """Normalised values, or ValidationError keyed by field."""
    errors = {}
    values = dict(data)
    values["name"] = _text(values.get("name"), 200)
    if not values["name"]:
        errors["name"] = "Indiquez le nom de l'entreprise."
    values["city"] = _text(values.get("city"), 120)
    if not values["city"]:
        errors["city"] = "Indiquez la commune."
    if values.get("sector") not in Sector.values:
        errors["sector"] = "Choisissez le secteur d'activité."
    for field, limit in (("address", 300), ("description", 1000)):
        values[field] = _text(values.get(field), limit)
    try:
        values["siret"] = normalise_siret(values.get("siret") or "")
    except ValidationError as error:
        errors["siret"] = error.messages
    try:
        values["naf_code"] = normalise_naf(
            values.get("naf_code") or "", values.get("naf_version") or "naf_rev2"
        )
    except ValidationError as error:
        errors["naf_code"] = error.messages
    postcode = (values.get("postcode") or "").strip()
    if postcode and not (len(postcode) == 5 and postcode.isdigit()):
        errors["postcode"] = "Un code postal a 5 chiffres."
    values["postcode"] = postcode
    if errors:
        raise ValidationError(errors)
    return values


def employer_duplicates(*, by, name: str, city: str, siret: str = "", exclude=None):
    """(same SIRET, similar names in the same city) among the employers `by` may see; the
    SIRET match is looked for everywhere (it is unique), named only if visible."""
    same_siret = Employer.objects.filter(siret=siret) if siret else Employer.objects.none()
    key = employer_name_key(name)
    similar = Employer.objects.visible_to(by).filter(city_key=fold(city))
    if not key:
        similar = similar.none()  # nothing to compare (a name of punctuation only)
    similar = similar.annotate(similarity=TrigramSimilarity("name_key", key)).filter(
        Q(name_key=key) | Q(similarity__gte=NEAR_IDENTICAL) | Q(name_key__contains=key)
    )
    if exclude is not None:
        same_siret = same_siret.exclude(pk=exclude.pk)
        similar = similar.exclude(pk=exclude.pk)
    return list(same_siret[:3]), list(similar.order_by("name_key")[:5])


def employer_create(*, by, data: dict, confirm_similar: bool = False, token=None) -> Employer:
    """A company enters the network as a prospect (unless told otherwise by a later step).
    Refuses a SIRET already in the network; warns about a near-identical name in the same city
    until `confirm_similar`."""
    values = _clean_employer(data)
    _check_territory(by, values.get("territory"), Action.EMPLOYER_EDIT)
    # One transaction: the same form sent twice at once gives one company, not an error.
    with transaction.atomic():
        if token is not None:
            token_lock(token)  # a second submission waits here, then finds the first one's row
            existing = Employer.objects.filter(token=token).first()
            if existing is not None:
                return existing
        same_siret, similar = employer_duplicates(
            by=by, name=values["name"], city=values["city"], siret=values["siret"]
        )
        if same_siret:
            visible = [e for e in same_siret if e.territory in territories_of(by)]
            raise EmployerMayBeKnown(
                "Une entreprise porte déjà ce SIRET"
                + (f" : {visible[0].name}." if visible else " (sur un autre territoire)."),
                candidates=visible,
                blocking=True,
            )
        if similar and not confirm_similar:
            raise EmployerMayBeKnown(
                "Une entreprise au nom très proche existe déjà dans cette commune : "
                "est-ce la même ?",
                candidates=similar,
                blocking=False,
            )

        def create():
            employer = Employer(
                **{field: values.get(field) for field in EMPLOYER_FIELDS if field in values},
                name_key=employer_name_key(values["name"]),
                city_key=fold(values["city"]),
                created_by=by,
                token=token,
            )
            if employer.owner_id is None:
                employer.owner = by
            employer.full_clean(exclude=["created_by", "owner"])
            employer.save()
            EmployerStatusChange.objects.create(
                employer=employer,
                from_status="",
                to_status=employer.status,
                by=by,
                at=employer.created_at,
            )
            return employer

        try:
            employer, _ = once(Employer, token, create)
        except IntegrityError:
            # Two coaches entering the same SIRET at once: the constraint decides.
            raise ValidationError({"siret": "Une entreprise porte déjà ce SIRET."}) from None
        return employer


def employer_update(*, by, employer: Employer, data: dict) -> Employer:
    """Edits the company's description (its status moves through prospecting or
    `employer_status_set`)."""
    values = _clean_employer({**{f: getattr(employer, f) for f in EMPLOYER_FIELDS}, **data})
    _check_territory(by, employer.territory, Action.EMPLOYER_EDIT)
    _check_territory(by, values["territory"], Action.EMPLOYER_EDIT)
    with transaction.atomic():
        employer = _lock(employer)
        if values["siret"] and (
            Employer.objects.filter(siret=values["siret"]).exclude(pk=employer.pk).exists()
        ):
            raise ValidationError({"siret": "Une autre entreprise porte déjà ce SIRET."})
        for field in EMPLOYER_FIELDS:
            if field in values:
                setattr(employer, field, values[field])
        employer.name_key = employer_name_key(employer.name)
        employer.city_key = fold(employer.city)
        employer.full_clean(exclude=["created_by", "owner"])
        try:
            with transaction.atomic():
                employer.save()
        except IntegrityError:
            # Another coach gave this SIRET to another company meanwhile: the constraint decides.
            raise ValidationError({"siret": "Une autre entreprise porte déjà ce SIRET."}) from None
    return employer


def employer_status_set(*, by, employer: Employer, status: str, reason: str) -> Employer:
    """An explicit change of network status: the only way back, and the way to and from
    "inactive". A reason is required."""
    reason = _text(reason, 300)
    errors = {}
    if status not in NetworkStatus.values:
        errors["status"] = "Choisissez un statut."
    if not reason:
        errors["reason"] = "Dites pourquoi le statut change."
    if errors:
        raise ValidationError(errors)
    _check_territory(by, employer.territory, Action.EMPLOYER_EDIT)
    with transaction.atomic():
        employer = _lock(employer)
        if employer.status == status:
            return employer
        EmployerStatusChange.objects.create(
            employer=employer, from_status=employer.status, to_status=status, by=by, reason=reason
        )
        employer.status = status
        employer.save(update_fields=["status", "updated_at"])
    return employer


def _forward_status(current: str, implied: str) -> str | None:
    """The status a prospecting outcome moves the company to, or None (never backward; an
    inactive company stays so until someone reactivates it)."""
    if current == NetworkStatus.INACTIVE:
        return None
    if STATUS_RANK[implied] > STATUS_RANK[current]:
        return implied
    return None


# --- Contacts -------------------------------------------------------------------------------


def _clean_contact(data):
    errors = {}
    values = {
        "first_name": _text(data.get("first_name"), 100),
        "last_name": _text(data.get("last_name"), 100),
        "role": _text(data.get("role"), 150),
        "email": (data.get("email") or "").strip()[:254],
        "phone_raw": _text(data.get("phone"), 40),
        "phone": "",
    }
    if not values["last_name"]:
        errors["last_name"] = "Indiquez au moins le nom."
    if values["phone_raw"]:
        try:
            values["phone"], _ = parse_phone(values["phone_raw"])
        except ValidationError as error:
            errors["phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    return values


def employer_contact_add(*, by, employer: Employer, data: dict, token=None) -> EmployerContact:
    values = _clean_contact(data)
    _check_territory(by, employer.territory, Action.EMPLOYER_EDIT)

    def create():
        contact = EmployerContact(employer=employer, token=token, **values)
        contact.full_clean(exclude=["employer"])
        contact.save()
        return contact

    with transaction.atomic(), pghistory.context(user=by.pk):
        contact, _ = once(EmployerContact, token, create)
    return contact


def employer_contact_update(*, by, contact: EmployerContact, data: dict) -> EmployerContact:
    """Changes what `data` gives; the other fields keep their values."""
    current = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone_raw or contact.phone,
    }
    values = _clean_contact({**current, **data})
    _check_territory(by, contact.employer.territory, Action.EMPLOYER_EDIT)
    with transaction.atomic(), pghistory.context(user=by.pk):
        for field, value in values.items():
            setattr(contact, field, value)
        contact.active = bool(data.get("active", contact.active))
        contact.full_clean(exclude=["employer"])
        contact.save()
    return contact


# --- Prospecting ----------------------------------------------------------------------------


def prospecting_log(
    *,
    by,
    employer: Employer,
    kind: str,
    outcome: str,
    at: datetime.datetime | None = None,
    summary: str = "",
    contact: EmployerContact | None = None,
    next_step_on: datetime.date | None = None,
    next_step: str = "",
    token=None,
) -> ProspectingAction:
    """Records a step with a company. An outcome that says the company was reached, met or
    became a partner moves its status forward (never back); a next step becomes a reminder for
    the step's author."""
    now = timezone.now()
    at = at or now
    errors = {}
    if at > now + datetime.timedelta(minutes=5):
        errors["at"] = "Une démarche se note une fois faite : la date est dans le futur."
    if next_step_on is not None and next_step_on < timezone.localdate(at):
        errors["next_step_on"] = "La prochaine étape ne peut pas précéder la démarche."
    if contact is not None and contact.employer_id != employer.pk:
        errors["contact"] = "Cet interlocuteur n'est pas de cette entreprise."
    if errors:
        raise ValidationError(errors)
    _check_territory(by, employer.territory, Action.PROSPECTING_LOG)

    def create():
        action = ProspectingAction(
            employer=employer, kind=kind, outcome=outcome, at=at, by=by, contact=contact,
            summary=_text(summary, SUMMARY_MAX), next_step_on=next_step_on,
            next_step=_text(next_step, 200), token=token,
        )  # fmt: skip
        action.full_clean(exclude=["employer", "by", "contact"])
        action.save()
        return action

    with transaction.atomic():
        locked = _lock(employer)
        action, created = once(ProspectingAction, token, create)
        if not created:
            return action
        if outcome in CONTACT_OUTCOMES:
            # GREATEST ignores NULL: a first contact sets it, an older step keeps the newest.
            Employer.objects.filter(pk=locked.pk).update(
                last_contact_at=Greatest("last_contact_at", Value(at))
            )
        moved_to = _forward_status(locked.status, OUTCOME_STATUS[outcome])
        if moved_to:
            EmployerStatusChange.objects.create(
                employer=locked, from_status=locked.status, to_status=moved_to, by=by, at=at,
                prospecting_action=action,
            )  # fmt: skip
            Employer.objects.filter(pk=locked.pk).update(status=moved_to, updated_at=timezone.now())
        if next_step_on:
            reminder_upsert(
                dedup_key=reminder_key("prospecting", action.pk),
                assignee=by,
                employer=locked,
                title=f"{locked.name} : {action.next_step or 'relancer'}",
                due_at=timezone.make_aware(datetime.datetime.combine(next_step_on, REMINDER_HOUR)),
            )
    employer.refresh_from_db(fields=["status", "last_contact_at"])
    return action


def prospecting_next_step_clear(*, action: ProspectingAction) -> None:
    reminder_delete_by_key(dedup_key=reminder_key("prospecting", action.pk))


# --- Job openings ---------------------------------------------------------------------------

OPENING_FIELDS = [
    "title", "rome_appellation", "contract_type", "duration_months", "weekly_hours",
    "full_time", "schedule", "working_days", "postcode", "city", "transport", "car_needed",
    "french_level", "languages_useful", "tasks", "requirements_kept", "requirements_dropped",
    "requirements_dropped_notes", "onboarding", "hidden_market", "positions", "opened_on",
]  # fmt: skip


def _clean_opening(values: dict) -> dict:
    errors = {}
    values = dict(values)
    for field, limit in (
        ("title", 200), ("city", 120), ("transport", 200), ("tasks", 2000),
        ("requirements_kept", 1000), ("requirements_dropped_notes", 300), ("onboarding", 1000),
    ):  # fmt: skip
        values[field] = _text(values.get(field), limit)
    appellation = values.get("rome_appellation")
    if not isinstance(appellation, RomeAppellation):
        errors["rome_appellation"] = "Choisissez le métier dans la liste ROME."
    elif not values["title"]:
        values["title"] = appellation.label[:200]
    hours = values.get("weekly_hours")
    if hours is None:
        errors["weekly_hours"] = "Indiquez la durée hebdomadaire."
    elif not 0 < hours <= MAX_WEEKLY_HOURS:
        errors["weekly_hours"] = (
            f"La durée hebdomadaire est comprise entre 0 et {MAX_WEEKLY_HOURS} heures "
            "(la durée maximale du travail)."
        )
    if values.get("full_time") and hours is not None and 0 < hours < FULL_TIME_HOURS:
        errors["full_time"] = (
            f"Un temps plein compte au moins {FULL_TIME_HOURS} heures par semaine : "
            "décochez « Temps plein » ou corrigez les heures."
        )
    contract = values.get("contract_type")
    duration = values.get("duration_months")
    if contract in DURATION_REQUIRED and not duration:
        errors["duration_months"] = "Indiquez la durée du contrat, en mois."
    if contract == ContractType.CDI and duration:
        errors["duration_months"] = "Un CDI n'a pas de durée : laissez ce champ vide."
    if duration is not None and not 1 <= duration <= 60:
        errors["duration_months"] = "La durée est comprise entre 1 et 60 mois."
    positions = values.get("positions")
    if positions is None:
        positions = 1
    if not 1 <= positions <= 500:
        errors["positions"] = "Le nombre de postes est compris entre 1 et 500."
    values["positions"] = positions
    postcode = (values.get("postcode") or "").strip()
    if postcode and not (len(postcode) == 5 and postcode.isdigit()):
        errors["postcode"] = "Un code postal a 5 chiffres."
    values["postcode"] = postcode
    if not values["city"]:
        errors["city"] = "Indiquez la commune du lieu de travail."
    if values.get("opened_on") and values["opened_on"] > timezone.localdate():
        errors["opened_on"] = "Une offre s'ouvre au plus tard aujourd'hui."
    if errors:
        raise ValidationError(errors)
    return values


def job_opening_open(*, by, employer: Employer, data: dict, token=None) -> JobOpening:
    """A job opening captured with the employer, after the job analysis."""
    values = _clean_opening(data)
    if values.get("opened_on") is None:
        # Left empty: captured today (the model's default).
        values.pop("opened_on", None)
    _check_territory(by, employer.territory, Action.OPENING_EDIT)

    def create():
        opening = JobOpening(
            employer=employer,
            **{field: values[field] for field in OPENING_FIELDS if field in values},
            rome=values["rome_appellation"].rome,
            created_by=by,
            token=token,
        )
        opening.full_clean(exclude=["employer", "created_by", "rome", "rome_appellation"])
        opening.save()
        return opening

    with transaction.atomic():
        _lock(employer)
        opening, _ = once(JobOpening, token, create)
    return opening


def job_opening_update(*, by, opening: JobOpening, data: dict) -> JobOpening:
    """Edits an open opening (a closed one is a record of what happened)."""
    _check_territory(by, opening.employer.territory, Action.OPENING_EDIT)
    current = {field: getattr(opening, field) for field in OPENING_FIELDS}
    values = _clean_opening({**current, **data})
    with transaction.atomic():
        opening = JobOpening.objects.select_for_update().get(pk=opening.pk)
        if not opening.is_open:
            raise ValidationError("Cette offre est close : elle ne se modifie plus.")
        if values.get("opened_on") is None:
            values["opened_on"] = opening.opened_on
        for field in OPENING_FIELDS:
            setattr(opening, field, values[field])
        opening.rome = values["rome_appellation"].rome
        opening.full_clean(exclude=["employer", "created_by", "rome", "rome_appellation"])
        opening.save()
    return opening


def job_opening_close(
    *, by, opening: JobOpening, status: str, closed_on: datetime.date | None = None, reason=""
) -> JobOpening:
    """Filled or cancelled, on a day between its opening and today."""
    closed_on = closed_on or timezone.localdate()
    errors = {}
    if status not in (OpeningStatus.FILLED, OpeningStatus.CANCELLED):
        errors["status"] = "Choisissez : pourvue ou annulée."
    if closed_on > timezone.localdate():
        errors["closed_on"] = "La date de clôture est au plus tard aujourd'hui."
    if errors:
        raise ValidationError(errors)
    _check_territory(by, opening.employer.territory, Action.OPENING_EDIT)
    with transaction.atomic():
        opening = JobOpening.objects.select_for_update().get(pk=opening.pk)
        if not opening.is_open:
            # A second click on "Pourvue": the first one decided.
            return opening
        # On the locked row: its opening day may have moved since the form was shown.
        if closed_on < opening.opened_on:
            raise ValidationError(
                {
                    "closed_on": "La clôture ne peut pas précéder l'ouverture "
                    f"({opening.opened_on:%d/%m/%Y})."
                }
            )
        opening.status = status
        opening.closed_on = closed_on
        opening.close_reason = _text(reason, 300)
        opening.save(update_fields=["status", "closed_on", "close_reason", "updated_at"])
    return opening


def job_opening_reopen(*, by, opening: JobOpening) -> JobOpening:
    """Undoes a closing made by mistake."""
    _check_territory(by, opening.employer.territory, Action.OPENING_EDIT)
    with transaction.atomic():
        opening = JobOpening.objects.select_for_update().get(pk=opening.pk)
        opening.status = OpeningStatus.OPEN
        opening.closed_on = None
        opening.close_reason = ""
        opening.save(update_fields=["status", "closed_on", "close_reason", "updated_at"])
    return opening
