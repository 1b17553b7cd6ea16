"""Forms of the introductions and placements screens: proposing an opening, the next steps of
an introduction, recording a hire, a follow-up in the job, the end of a job. They check what
the user typed (a real date, a choice of the list, a length); employment.services decides and
refuses in French, keyed by field (`add_service_errors`)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from employers.enums import ContractType
from employers.forms.openings import HoursField
from employers.models import Employer, JobOpening
from o2r.core.forms import TimeInput, TokenForm
from residents.forms import DateInput
from residents.normalise import printable_text

from ..enums import (
    DeclinedReason,
    FollowUpWith,
    IntroductionStatus,
    Milestone,
    NotRetainedReason,
    PlacementEndReason,
)
from .accompaniment import EmployerField, EmployerSearch, employer_id, employer_search

# Dates outside these are typing mistakes ("0202" for "2026"), refused before the services.
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
# The manual search among the territory's open openings; the hire form's list of an
# employer's open openings.
SEARCH_MAX = 100
OPENINGS_LISTED = 200
REAL_DATE = "Saisissez une date réelle, par exemple 26/11/2026."
CHOOSE = "Choisissez dans la liste."


def _plausible(value):
    if value and not EARLIEST <= value <= LATEST:
        raise ValidationError("Date invraisemblable.")


def _date(label, *, required=True, required_message="Indiquez la date.", help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        validators=[_plausible],
        error_messages={"required": required_message, "invalid": REAL_DATE},
    )


def _text(label, max_length, *, required=False, rows=None, help_text="", message=""):
    attrs = {"maxlength": max_length}
    widget = (
        forms.Textarea(attrs={**attrs, "rows": rows})
        if rows
        else forms.TextInput(attrs={**attrs, "autocomplete": "off"})
    )
    errors = {"max_length": f"{max_length} caractères au plus."}
    if message:
        errors["required"] = message
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=widget,
        help_text=help_text,
        error_messages=errors,
    )


def _choice(label, choices, *, message, widget=None):
    return forms.ChoiceField(
        label=label,
        choices=[("", "Choisissez…"), *choices],
        widget=widget or forms.Select,
        error_messages={"required": message, "invalid_choice": CHOOSE},
    )


def search_query(value) -> str:
    """What was typed in the openings search, as it may be searched for."""
    if not isinstance(value, str):
        return ""
    return printable_text(value[:SEARCH_MAX]).strip()


# --- Proposing an opening -----------------------------------------------------------------


class ProposeForm(TokenForm):
    """One opening put to the person. Any opening the user may read is accepted here: whether
    it may be proposed (open, not already, one candidate at a time) is the service's to say."""

    opening = forms.ModelChoiceField(
        queryset=JobOpening.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choisissez l'offre à proposer.",
            "invalid_choice": "Cette offre n'existe pas ou plus.",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opening"].queryset = JobOpening.objects.visible_to(user)


# --- The next steps of an introduction ----------------------------------------------------


class MoveForm(forms.Form):
    """One legal move of an introduction; `to` is posted beside it (not prefixed)."""

    to: str
    title: str
    submit: str

    def __init__(self, *args, introduction, **kwargs):
        kwargs.setdefault("prefix", self.to)
        super().__init__(*args, **kwargs)
        self.introduction = introduction

    def service_kwargs(self) -> dict:
        return {"notes": self.cleaned_data.get("notes", "")}


class AcceptForm(MoveForm):
    to = IntroductionStatus.ACCEPTED
    title = "La personne accepte"
    submit = "Elle accepte"

    notes = _text("En quelques mots (facultatif)", 300)


class ScheduleForm(MoveForm):
    """The meeting at the workplace: when, where (by default the opening's address), whom to
    ask for. Shown again once scheduled, to move it to another day."""

    to = IntroductionStatus.INTERVIEW_SCHEDULED
    title = "Rencontre sur le lieu de travail"
    submit = "Prévoir la rencontre"

    interview_on = _date("Le", required_message="Indiquez le jour de la rencontre.")
    interview_time = forms.TimeField(
        label="À",
        widget=TimeInput(),
        error_messages={
            "required": "Indiquez l'heure de la rencontre.",
            "invalid": "Saisissez une heure, par exemple 09:30.",
        },
    )
    interview_place = _text(
        "Lieu",
        300,
        required=True,
        message="Indiquez le lieu de la rencontre (le poste de travail).",
    )
    interview_contact = _text(
        "Qui demander (facultatif)", 150, help_text="La personne qui vous accueille sur place."
    )

    def __init__(self, *args, introduction, **kwargs):
        opening = introduction.opening
        if introduction.status == IntroductionStatus.INTERVIEW_SCHEDULED:
            self.title = "Déplacer la rencontre"
            self.submit = "Déplacer la rencontre"
            local = timezone.localtime(introduction.interview_at)
            initial = {
                "interview_on": local.date(),
                "interview_time": local.time().replace(second=0, microsecond=0),
                "interview_place": introduction.interview_place,
                "interview_contact": introduction.interview_contact,
            }
        else:
            initial = {"interview_place": workplace(opening)}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, introduction=introduction, **kwargs)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        at = datetime.datetime.combine(data["interview_on"], data["interview_time"])
        return {
            "interview_at": timezone.make_aware(at),
            "interview_place": data["interview_place"],
            "interview_contact": data["interview_contact"],
        }


def workplace(opening) -> str:
    """The opening's address: the employer's street when the job is in its town."""
    employer = opening.employer
    town = " ".join(part for part in (opening.postcode, opening.city) if part)
    if employer.address and employer.city.casefold() == opening.city.casefold():
        return f"{employer.name}, {employer.address}, {town}"
    return f"{employer.name}, {town}"


class HeldForm(MoveForm):
    to = IntroductionStatus.INTERVIEW_HELD
    title = "La rencontre a eu lieu"
    submit = "Rencontre faite"

    held_on = _date("Le")
    notes = _text("Comment ça s'est passé (facultatif)", 300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return {"held_on": self.cleaned_data["held_on"], "notes": self.cleaned_data["notes"]}


class NotRetainedForm(MoveForm):
    to = IntroductionStatus.NOT_RETAINED
    title = "L'employeur ne retient pas la personne"
    submit = "Non retenue"

    reason = _choice(
        "Motif de l'employeur", NotRetainedReason.choices, message="Choisissez le motif."
    )
    notes = _text("Précision (facultatif)", 300)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "notes": self.cleaned_data["notes"]}


class DeclinedForm(MoveForm):
    to = IntroductionStatus.DECLINED
    title = "La personne décline"
    submit = "Elle décline"

    reason = _choice("Motif de la personne", DeclinedReason.choices, message="Choisissez le motif.")
    notes = _text("Précision (facultatif)", 300)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "notes": self.cleaned_data["notes"]}


# The form of each move, in the order the page shows them.
MOVE_FORMS = {
    form.to: form for form in (AcceptForm, ScheduleForm, HeldForm, NotRetainedForm, DeclinedForm)
}


# --- Recording a hire ---------------------------------------------------------------------


class OpeningField(forms.ModelChoiceField):
    """An opening the user may read (a closed one is the service's to refuse, in French); the
    list offers the open ones of the company chosen (`PlacementForm.list_openings`)."""

    def label_from_instance(self, opening):
        return f"{opening.title} ({opening.city})"


NO_OPENING = "Sans offre : trouvé par la personne, ou hors des offres suivies"


class PlacementForm(EmployerSearch, TokenForm):
    """The contract and the onboarding plan agreed with the employer. With an introduction,
    its opening and employer are the hire's (no field for them); otherwise the employer, found
    by the type-ahead, and the opening if there was one (a person may find a job on her own),
    among the employer's open ones: listed once the employer is chosen (`openings_of` says
    for which company the list was shown)."""

    employer_q = employer_search(
        "Employeur",
        help_text="Tapez quelques lettres de son nom ou son SIRET, puis choisissez-le dans la "
        "liste.",
    )
    employer = EmployerField(label="Employeur")
    opening = OpeningField(
        label="Offre (facultatif)",
        queryset=JobOpening.objects.none(),
        required=False,
        empty_label=NO_OPENING,
        error_messages={"invalid_choice": "Choisissez une offre de la liste."},
    )
    job_title = _text(
        "Poste", 200, help_text="Le nom du poste sur le contrat (par défaut, celui de l'offre)."
    )
    contract_type = _choice("Contrat", ContractType.choices, message="Choisissez le contrat.")
    start_on = _date("Premier jour", required_message="Indiquez le premier jour du contrat.")
    end_on = _date(
        "Fin prévue",
        required=False,
        help_text="Pour un CDD, un CDDI, une alternance ou une mission d'intérim ; vide pour un "
        "CDI.",
    )
    weekly_hours = HoursField(label="Heures par semaine")
    trial_period_end_on = _date("Fin de la période d'essai (facultatif)", required=False)
    onboarding_first_days = _text(
        "Les premiers jours",
        500,
        rows=2,
        help_text="Par exemple : accueil à 7 h par la cheffe d'équipe, deux jours en binôme.",
    )
    onboarding_tasks = _text("Les tâches confiées d'abord", 500, rows=2)
    onboarding_rhythm = _text(
        "Le rythme", 300, help_text="Par exemple : mi-temps la première semaine."
    )
    onboarding_helper = _text("Qui l'aide sur place", 150)

    SERVICE_FIELDS = [
        "job_title",
        "contract_type",
        "start_on",
        "end_on",
        "weekly_hours",
        "trial_period_end_on",
        "onboarding_first_days",
        "onboarding_tasks",
        "onboarding_rhythm",
        "onboarding_helper",
    ]

    def __init__(self, *args, user, introduction=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        opening = introduction.opening if introduction is not None else None
        if opening is not None:
            initial.setdefault("job_title", opening.title)
            initial.setdefault("contract_type", opening.contract_type)
            initial.setdefault("weekly_hours", opening.weekly_hours)
        super().__init__(*args, **kwargs)
        self.introduction = introduction
        self.openings_of = None
        self.openings_listed = 0
        if introduction is not None:
            del self.fields["employer_q"]
            del self.fields["employer"]
            del self.fields["opening"]
            return
        self.fields["employer"].queryset = Employer.objects.visible_to(user)
        readable = JobOpening.objects.visible_to(user)
        self.fields["opening"].queryset = readable.select_related("employer")
        self.list_openings(readable)

    def list_openings(self, readable):
        """The opening list: the open openings of the company sent (ticked, or the hidden
        id; on a GET, `initial["employer"]`), one query; without a company, none."""
        field = self.fields["opening"]
        if self.is_bound:
            raw = self.fields["employer"].widget.value_from_datadict(
                self.data, self.files, self.add_prefix("employer")
            )
        else:
            raw = self.initial.get("employer")
        self.openings_of = employer_id(raw)
        if self.openings_of is None:
            field.help_text = "Ses offres ouvertes s'affichent une fois l'employeur choisi."
            field.widget.choices = [("", NO_OPENING)]
            return
        openings = list(
            readable.open()
            .filter(employer=self.openings_of)
            .order_by("title", "-opened_on", "pk")[:OPENINGS_LISTED]
        )
        self.openings_listed = len(openings)
        if not openings:
            field.help_text = "Cet employeur n'a pas d'offre ouverte."
        field.widget.choices = [
            ("", NO_OPENING),
            *((opening.pk, field.label_from_instance(opening)) for opening in openings),
        ]

    def clean(self):
        data = super().clean()
        if self.introduction is not None:
            return data
        self.check_employer_text(data)
        opening, employer = data.get("opening"), data.get("employer")
        if opening is not None and employer is not None and opening.employer_id != employer.pk:
            self.add_error("opening", f"Cette offre est celle de {opening.employer.name}.")
        if (
            employer is not None
            and opening is None
            and self.openings_listed
            and employer_id(self.data.get("openings_of")) != employer.pk
            and "opening" not in self.errors
        ):
            # Chosen without the script that lists its openings: they are shown now.
            self.add_error(
                "opening",
                f"{employer.name} a des offres ouvertes : choisissez celle de l'embauche, ou "
                "« Sans offre ».",
            )
        if opening is None and employer is None and "employer" not in self.errors:
            self.add_error("employer", "Choisissez l'employeur.")
        if opening is None and not data.get("job_title") and "job_title" not in self.errors:
            self.add_error("job_title", "Indiquez le poste.")
        return data

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}
        if self.introduction is None:
            data["employer"] = self.cleaned_data["employer"]
            data["opening"] = self.cleaned_data["opening"]
        return data


# --- Follow-ups and the end of a job ------------------------------------------------------

STILL_EMPLOYED = [("", "Non renseigné"), ("yes", "Oui"), ("no", "Non")]


class FollowUpForm(forms.Form):
    """A follow-up done: when, with whom, what was said, the difficulties; "still in the job?"
    (required on the M6 one, which is what counts)."""

    done_on = _date("Fait le", required_message="Indiquez le jour du suivi.")
    with_whom = forms.ChoiceField(
        label="Avec",
        choices=FollowUpWith.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez avec qui le suivi a été fait.",
            "invalid_choice": CHOOSE,
        },
    )
    still_employed = forms.TypedChoiceField(
        label="Toujours en poste ?",
        choices=STILL_EMPLOYED,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOOSE},
    )
    notes = _text("Ce qui s'est dit", 500, rows=2)
    issues = _text("Difficultés relevées (facultatif)", 500, rows=2)

    def __init__(self, *args, follow_up, **kwargs):
        kwargs.setdefault("prefix", f"suivi-{follow_up.pk}")
        kwargs.setdefault("initial", {"done_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        if follow_up.milestone == Milestone.M6:
            self.fields["still_employed"].label = "Toujours en poste ? (obligatoire à M+6)"
            self.fields["still_employed"].choices = STILL_EMPLOYED[1:]

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PlacementEndForm(forms.Form):
    ended_on = _date("Dernier jour", required_message="Indiquez le dernier jour.")
    reason = _choice(
        "Motif", PlacementEndReason.choices, message="Choisissez le motif de la fin du contrat."
    )
    notes = _text("Précision (facultatif)", 300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "fin")
        kwargs.setdefault("initial", {"ended_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
