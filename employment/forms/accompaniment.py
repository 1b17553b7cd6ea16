"""Forms of the accompaniment page: the coach's contacts, the exit and the situation six
months later, and the person's wishes and constraints."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from employers.enums import Schedule, Sector, Weekday
from employers.forms.openings import toggles
from employers.models import Employer
from o2r import access
from o2r.access import Action
from o2r.core.forms import TimeInput, TokenForm
from residents.enums import LANGUAGES
from residents.forms import DateInput
from residents.normalise import fold

from ..enums import Childcare, CoachChannel, ContactWith, PostExitSituation, Transport
from ..models import SUMMARY_MAX
from ..services import MAX_CITIES

OLDEST = datetime.date(2000, 1, 1)
NEXT_STEP_HORIZON = datetime.timedelta(days=366)
DATE_INVALID = "Saisissez une date réelle, par exemple 26/11/2026."
CHOICE_INVALID = "Choisissez dans la liste."
# A ROME job sheet: a letter and four digits ("K2204").
ROME_CODE = re.compile(r"[A-Z][0-9]{4}")
MAX_ROME = 20
CITY_SEPARATORS = re.compile(r"[\n;,]+")


def _text(label, max_length, *, rows=None, help_text=""):
    attrs = {"maxlength": max_length}
    widget = (
        forms.Textarea(attrs={**attrs, "rows": rows})
        if rows
        else forms.TextInput(attrs={**attrs, "autocomplete": "off"})
    )
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=widget,
        help_text=help_text,
        error_messages={"max_length": f"{max_length} caractères au plus."},
    )


def _date(label, *, required=False, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={"required": "Indiquez la date.", "invalid": DATE_INVALID},
    )


def _choice(label, choices, *, required=True, widget=None, message=CHOICE_INVALID):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=widget or forms.Select,
        error_messages={"required": message, "invalid_choice": CHOICE_INVALID},
    )


def _whole(label, *, low, high, help_text=""):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "invalid": "Indiquez un nombre entier.",
            "min_value": f"Au moins {low}.",
            "max_value": f"Au plus {high}.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": low, "max": high}),
    )


# --- A company, found by the type-ahead ------------------------------------------------------

EMPLOYER_QUERY_MAX = 100
EMPLOYER_MISSING = "Choisissez l'entreprise dans la liste des résultats."
EMPLOYER_UNKNOWN = (
    "Cette entreprise n'est pas de votre territoire ou n'existe plus : cherchez-la, puis "
    "choisissez-la dans la liste."
)
# A company's id: digits, few enough for a PostgreSQL bigint.
EMPLOYER_ID = re.compile(r"[0-9]{1,18}")


def employer_label(employer) -> str:
    return f"{employer.name} ({employer.city})" if employer.city else employer.name


def employer_id(value) -> int | None:
    """A posted company id as a number; None when empty or not an id."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and EMPLOYER_ID.fullmatch(value.strip()):
        return int(value)
    return None


class EmployerPickWidget(forms.HiddenInput):
    """The chosen company's id. A company ticked among the results (`<name>_pick`, what a
    browser without JavaScript sends) wins over the hidden value the script fills."""

    # Its errors show beside the search box, not among the hidden fields' (_form_errors.html).
    is_hidden = False

    def value_from_datadict(self, data, files, name):
        return data.get(f"{name}_pick") or data.get(name)


class EmployerField(forms.ModelChoiceField):
    """A company the user may read, by its id; anything that is not an id is refused before the
    database sees it (NUL bytes, quotes, 10,000 characters). The form gives the queryset."""

    widget = EmployerPickWidget

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Employer.objects.none(),
            required=False,
            error_messages={"invalid_choice": EMPLOYER_UNKNOWN},
            **kwargs,
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = employer_id(value)
        if number is None:
            raise ValidationError(EMPLOYER_UNKNOWN, code="invalid_choice")
        return super().to_python(str(number))

    def label_from_instance(self, obj):
        return employer_label(obj)


def employer_search(label, *, help_text):
    """The box one types a company's name or SIRET in (employment/_employer_search.html)."""
    return forms.CharField(
        label=label,
        max_length=EMPLOYER_QUERY_MAX,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "search"}),
        error_messages={"max_length": f"{EMPLOYER_QUERY_MAX} caractères au plus."},
    )


class EmployerSearch:
    """A company typed in `employer_q` and chosen in `employer` (the forms declare both
    fields). The company field holds no list: the type-ahead (employers:typeahead) finds the
    companies, and the form shown again beside a refused choice lists those matching what was
    typed (employment.views.accompaniment.employer_box)."""

    def employer_query(self) -> str:
        """What is in the search box, as sent."""
        value = self.data.get("employer_q", "") if self.is_bound else ""
        return value[:EMPLOYER_QUERY_MAX].strip() if isinstance(value, str) else ""

    def chosen_employer(self):
        """The company chosen and accepted, to show it chosen again; None otherwise."""
        if not self.is_bound or "employer" not in self.fields or "employer" in self.errors:
            return None
        return self.cleaned_data.get("employer")

    def employer_searched(self) -> bool:
        """Whether the form comes back with a refused company: the companies matching what
        was typed are listed beside it, to tick."""
        return self.is_bound and "employer" in self.fields and "employer" in self.errors

    def check_employer_text(self, data):
        """A name typed and no company ticked, or typed over the chosen one without a fresh
        pick, is a search to finish: refused, never a silent keep nor loss. An id sent alone
        (an empty box) stands."""
        query = self.employer_query()
        if "employer" in self.errors or not query:
            return
        employer = data.get("employer")
        if employer is not None and (
            self.data.get("employer_pick")
            or fold(query) in (fold(employer_label(employer)), fold(employer.name))
            or "".join(query.split()) == employer.siret
        ):
            return
        self.add_error("employer", EMPLOYER_MISSING)


# --- The coach's contacts -------------------------------------------------------------------


class ContactForm(EmployerSearch, TokenForm):
    """A meeting or a call, with the person, the employer or both."""

    with_whom = _choice(
        "Avec",
        ContactWith.choices,
        widget=forms.RadioSelect,
        message="Choisissez avec qui.",
    )
    channel = _choice(
        "Comment",
        [("", "Choisissez…"), *CoachChannel.choices],
        message="Choisissez comment.",
    )
    # Left empty, both mean "now".
    on = _date("Le")
    at_time = forms.TimeField(
        label="À",
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": "Saisissez une heure valide, par exemple 14:30."},
    )
    employer_q = employer_search(
        "Entreprise",
        help_text="Pour un contact avec l'employeur, ou avec les deux : tapez quelques lettres "
        "de son nom ou son SIRET, puis choisissez-la dans la liste.",
    )
    employer = EmployerField(label="Entreprise")
    summary = _text("En quelques mots", SUMMARY_MAX, rows=3)
    confidential = forms.BooleanField(
        label="Note de travail confidentielle (lisible seulement par votre structure)",
        required=False,
    )
    next_step = _text(
        "Prochaine étape (facultatif)",
        200,
        help_text="Par exemple : rappeler l'employeur, préparer la rencontre.",
    )
    next_step_on = _date(
        "Prochaine étape le (facultatif)", help_text="Un rappel vous sera fait ce jour-là."
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("auto_id", "contact_%s")
        now = timezone.localtime()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("on", now.date())
        initial.setdefault("at_time", now.time().replace(second=0, microsecond=0))
        initial.setdefault("with_whom", ContactWith.PERSON)
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.visible_to(user)
        if not (access.allows(user, Action.CONFIDENTIAL_NOTES_READ) and user.organisation_id):
            del self.fields["confidential"]

    def clean_on(self):
        value = self.cleaned_data.get("on")
        if value and value < OLDEST:
            raise ValidationError("Date invraisemblable : vérifiez l'année.")
        if value and value > timezone.localdate():
            raise ValidationError("Un contact se note une fois fait : la date est à venir.")
        return value

    def clean_next_step_on(self):
        value = self.cleaned_data.get("next_step_on")
        if value and value < timezone.localdate():
            raise ValidationError("La prochaine étape est à venir.")
        if value and value > timezone.localdate() + NEXT_STEP_HORIZON:
            raise ValidationError("Choisissez une date dans l'année qui vient.")
        return value

    def clean(self):
        data = super().clean()
        on, at_time = data.get("on"), data.get("at_time")
        self.check_employer_text(data)
        data["at"] = None  # now, for the service
        if on and at_time:
            data["at"] = timezone.make_aware(datetime.datetime.combine(on, at_time))
        elif on and "at_time" not in self.errors:
            self.add_error("at_time", "Indiquez l'heure.")
        elif at_time and "on" not in self.errors:
            self.add_error("on", "Indiquez la date.")
        if (
            data.get("with_whom") in (ContactWith.EMPLOYER, ContactWith.BOTH)
            and not data.get("employer")
            and "employer" not in self.errors
        ):
            self.add_error("employer", "Cherchez puis choisissez l'entreprise.")
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "with_whom": data["with_whom"],
            "channel": data["channel"],
            "at": data.get("at"),
            "employer": data.get("employer"),
            "summary": data.get("summary", ""),
            "confidential": data.get("confidential", False),
            "next_step": data.get("next_step", ""),
            "next_step_on": data.get("next_step_on"),
        }


# --- Exit, and the situation six months later ----------------------------------------------


class ExitForm(forms.Form):
    exit_reason = _choice("Motif de sortie", [], message="Choisissez le motif de sortie.")
    ended_on = _date("Date de sortie")
    notes = _text("Précision (facultatif)", 500, rows=2)

    def __init__(self, *args, health, **kwargs):
        kwargs.setdefault("auto_id", "exit_%s")
        kwargs.setdefault("initial", {}).setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        # An exit for health reasons is health information: offered to those who see it.
        self.fields["exit_reason"].choices = [
            ("", "Choisissez…"),
            *health.exit_reason_choices(),
        ]

    def clean_ended_on(self):
        value = self.cleaned_data.get("ended_on")
        if value and value < OLDEST:
            raise ValidationError("Date invraisemblable : vérifiez l'année.")
        return value


class PostExitForm(forms.Form):
    situation = _choice(
        "Situation de la personne six mois après sa sortie",
        PostExitSituation.choices,
        widget=forms.RadioSelect,
        message="Choisissez la situation de la personne.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "post_exit_%s")
        super().__init__(*args, **kwargs)


# --- Wishes and constraints -----------------------------------------------------------------


def _no_nul(text):
    # The field's own check reads the cleaned list, where a NUL byte hides in its repr.
    if "\x00" in text:
        raise ValidationError("Le caractère nul n'est pas autorisé.", code="null_characters")
    return text


class RomeCodesField(forms.CharField):
    """ROME job sheets typed or picked ("K2204, N1103"): a list of well-formed codes; whether
    each is in the reference is the service's check."""

    def to_python(self, value):
        text = _no_nul(super().to_python(value))
        codes = [code.upper() for code in re.split(r"[\s,;]+", text) if code]
        if any(not ROME_CODE.fullmatch(code) for code in codes):
            raise ValidationError(
                "Un code ROME est une lettre et quatre chiffres, par exemple K2204.",
                code="invalid",
            )
        codes = list(dict.fromkeys(codes))
        if len(codes) > MAX_ROME:
            raise ValidationError(f"{MAX_ROME} métiers au plus.", code="max")
        return codes


class CitiesField(forms.CharField):
    """Communes, one a line (or separated by commas)."""

    def to_python(self, value):
        text = _no_nul(super().to_python(value))
        cities = [city.strip() for city in CITY_SEPARATORS.split(text) if city.strip()]
        if any(len(city) > 120 for city in cities):
            raise ValidationError("Un nom de commune a 120 caractères au plus.", code="long")
        if len(cities) > MAX_CITIES:
            raise ValidationError(f"{MAX_CITIES} communes au plus.", code="max")
        return cities


class WishesForm(forms.Form):
    """The IOD diagnostic, in the order the coach goes through it with the person. The French
    level and the barriers are the resident file's: shown beside, not asked here."""

    # 1. Le travail souhaité
    rome_q = forms.CharField(
        label="Chercher un métier (ROME)",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    wanted_rome = RomeCodesField(
        label="Métiers souhaités (codes ROME)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Des codes ROME séparés par des virgules, par exemple K2204, N1103 ; ou "
        "cherchez un métier ci-dessus et cochez-le.",
    )
    wanted_titles = _text("Métiers souhaités, en clair", 500)
    wanted_sectors = toggles(Sector.choices)
    not_wanted = _text("Ce que la personne ne veut pas", 500, rows=2)

    # 2. Disponibilités
    hours_min = _whole("Heures par semaine, au moins", low=1, high=48)
    hours_max = _whole("Heures par semaine, au plus", low=1, high=48)
    available_days = toggles(Weekday.choices)
    schedules_ok = toggles(Schedule.choices)
    childcare = _choice("Garde d'enfants", Childcare.choices)

    # 3. Se déplacer
    transport = toggles(Transport.choices)
    max_commute_minutes = _whole("Trajet le plus long accepté (minutes)", low=1, high=240)
    reachable_cities = CitiesField(
        label="Communes accessibles",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une commune par ligne : les offres de ces communes sont suggérées.",
    )

    # 4. Langues et expérience
    languages = toggles(LANGUAGES)
    experience = _text("Expérience, en quelques lignes", 1000, rows=4)

    SERVICE_FIELDS = [
        "wanted_rome",
        "wanted_titles",
        "wanted_sectors",
        "not_wanted",
        "hours_min",
        "hours_max",
        "available_days",
        "schedules_ok",
        "childcare",
        "transport",
        "max_commute_minutes",
        "reachable_cities",
        "languages",
        "experience",
    ]

    def __init__(self, *args, wishes=None, **kwargs):
        if wishes is not None:
            initial = {name: getattr(wishes, name) for name in self.SERVICE_FIELDS}
            initial["wanted_rome"] = ", ".join(wishes.wanted_rome)
            initial["reachable_cities"] = "\n".join(wishes.reachable_cities)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["wanted_sectors"].label = "Secteurs souhaités"
        self.fields["available_days"].label = "Jours disponibles"
        self.fields["schedules_ok"].label = "Horaires acceptés"
        self.fields["transport"].label = "Moyens de transport"
        self.fields["languages"].label = "Langues parlées"

    def clean(self):
        data = super().clean()
        low, high = data.get("hours_min"), data.get("hours_max")
        if low and high and high < low:
            self.add_error("hours_max", "Le maximum ne peut pas être sous le minimum.")
        return data

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
