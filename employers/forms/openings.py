"""Forms of the job-opening screens: the job analysis (create, edit), closing, and the list's
filters. They validate what the user typed; employers.services decides (and refuses in
French, keyed by field: `add_service_errors`)."""

import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from o2r.core.forms import TokenForm
from residents.enums import LANGUAGES, FrenchLevel
from residents.forms import DateInput
from residents.normalise import fold

from ..enums import (
    ContractType,
    DroppedRequirement,
    OpeningStatus,
    Schedule,
    Sector,
    Weekday,
)
from ..models import RomeAppellation
from ..services import MAX_WEEKLY_HOURS

ROME_MISSING = "Choisissez le métier dans la liste ROME."
QUERY_MAX = 100
EARLIEST = datetime.date(2000, 1, 1)
# An appellation code is digits (ROME 4.0: "38567"); a ROME sheet code is "N1103".
APPELLATION_CODE = re.compile(r"[0-9A-Za-z]{1,6}")
ROME_CODE = re.compile(r"[A-Za-z][0-9]{4}")


def toggles(choices):
    """A multiple choice shown as toggle buttons (templates/employers/openings/_toggles.html)."""
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choisissez dans la liste proposée."},
    )


class RomePickWidget(forms.HiddenInput):
    """The chosen appellation's code. A title ticked among the search results (`<name>_pick`,
    what a browser without JavaScript sends) wins over the hidden value the script fills."""

    def value_from_datadict(self, data, files, name):
        return data.get(f"{name}_pick") or data.get(name)


class RomeAppellationField(forms.ModelChoiceField):
    """A ROME title by its code; anything that is not a code of the reference is refused
    before the database sees it (NUL bytes, quotes, 10,000 characters)."""

    widget = RomePickWidget

    def __init__(self, **kwargs):
        super().__init__(
            queryset=RomeAppellation.objects.select_related("rome"),
            to_field_name="code",
            error_messages={"required": ROME_MISSING, "invalid_choice": ROME_MISSING},
            **kwargs,
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not APPELLATION_CODE.fullmatch(value.strip()):
            raise ValidationError(ROME_MISSING, code="invalid_choice")
        return super().to_python(value.strip())


class HoursField(forms.DecimalField):
    """Weekly hours, "35" or "17,5"; the range has its own French messages."""

    def __init__(self, **kwargs):
        super().__init__(
            decimal_places=1,
            localize=True,
            error_messages={
                "required": "Indiquez le nombre d'heures par semaine.",
                "invalid": "Indiquez un nombre d'heures, par exemple 35 ou 17,5.",
                "max_decimal_places": "Une décimale au plus, par exemple 17,5.",
            },
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **kwargs,
        )

    def to_python(self, value):
        # Python's Decimal reads "1_0" as 10: a slip of the keyboard is refused, not guessed.
        if isinstance(value, str) and "_" in value:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise ValidationError("Le nombre d'heures ne peut pas être négatif.")
        if value == 0:
            raise ValidationError("Indiquez au moins une heure par semaine.")
        if value > MAX_WEEKLY_HOURS:
            raise ValidationError(
                f"{MAX_WEEKLY_HOURS} heures par semaine au plus : c'est la durée maximale "
                "du travail."
            )


def _whole_number(label, *, low, high, required, help_text=""):
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=low,
        max_value=high,
        error_messages={
            "invalid": "Indiquez un nombre entier.",
            "min_value": f"Au moins {low}.",
            "max_value": f"Au plus {high}.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": low, "max": high}),
    )


def _text(label, max_length, *, rows=None, help_text="", placeholder=""):
    attrs = {"maxlength": max_length}
    if placeholder:
        attrs["placeholder"] = placeholder
    if rows:
        widget = forms.Textarea(attrs={**attrs, "rows": rows})
    else:
        widget = forms.TextInput(attrs={**attrs, "autocomplete": "off"})
    return forms.CharField(
        label=label, max_length=max_length, required=False, widget=widget, help_text=help_text
    )


FRENCH_LEVELS = [("", "Pas d'exigence particulière")] + [
    (value, label) for value, label in FrenchLevel.choices if value != FrenchLevel.NATIVE
]


class OpeningForm(forms.Form):
    """The job analysis, in the order the coach goes through it with the employer."""

    # 1. Le poste
    rome_q = forms.CharField(
        label="Métier (ROME)",
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Tapez quelques lettres (« prépa comm », « agent propreté ») ou un code "
        "ROME (N1103), puis choisissez dans la liste.",
    )
    rome_appellation = RomeAppellationField()
    title = _text(
        "Intitulé du poste",
        200,
        help_text="Laissé vide, c'est l'intitulé ROME. Le nom que l'entreprise donne au poste.",
    )
    contract_type = forms.ChoiceField(
        label="Contrat",
        choices=[("", "Choisissez…"), *ContractType.choices],
        error_messages={
            "required": "Choisissez le contrat.",
            "invalid_choice": "Choisissez un contrat de la liste.",
        },
    )
    duration_months = _whole_number(
        "Durée (mois)",
        low=1,
        high=60,
        required=False,
        help_text="Pour un CDD, un CDDI, une alternance ; vide pour un CDI.",
    )
    weekly_hours = HoursField(label="Heures par semaine")
    full_time = forms.BooleanField(label="Temps plein", required=False)
    positions = _whole_number("Nombre de postes", low=1, high=500, required=True)
    opened_on = forms.DateField(
        label="Offre recueillie le",
        widget=DateInput(),
        error_messages={
            "required": "Indiquez la date.",
            "invalid": "Saisissez une date réelle, par exemple 26/11/2026.",
        },
    )

    # 2. Ce que le poste demande vraiment
    tasks = _text(
        "Les tâches réelles",
        2000,
        rows=4,
        help_text="Ce que la personne fera vraiment, vu sur place.",
    )
    requirements_kept = _text(
        "Ce que le poste demande vraiment",
        1000,
        rows=3,
        help_text="Seulement l'indispensable, par exemple « permis depuis 3 ans ».",
    )
    requirements_dropped = toggles(DroppedRequirement.choices)
    requirements_dropped_notes = _text("Précisions sur les exigences abandonnées", 300)
    french_level = forms.ChoiceField(
        label="Niveau de français nécessaire",
        choices=FRENCH_LEVELS,
        required=False,
        error_messages={"invalid_choice": "Choisissez un niveau de la liste."},
    )
    languages_useful = toggles(LANGUAGES)

    # 3. Horaires et lieu
    schedule = toggles(Schedule.choices)
    working_days = toggles(Weekday.choices)
    postcode = forms.CharField(
        label="Code postal",
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"max_length": "Un code postal a 5 chiffres."},
    )
    city = forms.CharField(
        label="Commune",
        max_length=120,
        error_messages={"required": "Indiquez la commune du lieu de travail."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    transport = _text(
        "Comment s'y rendre",
        200,
        help_text="Ligne de bus ou de tram, arrêt, temps depuis le centre.",
    )
    car_needed = forms.BooleanField(label="Voiture indispensable", required=False)

    # 4. Les premiers jours
    onboarding = _text(
        "Ce qui aide à s'intégrer",
        1000,
        rows=3,
        help_text="Tuteur, premiers jours en binôme, consignes en images…",
    )
    hidden_market = forms.BooleanField(
        label="Marché caché : l'offre n'est publiée nulle part", required=False
    )

    SERVICE_FIELDS = [
        "title", "rome_appellation", "contract_type", "duration_months", "weekly_hours",
        "full_time", "schedule", "working_days", "postcode", "city", "transport", "car_needed",
        "french_level", "languages_useful", "tasks", "requirements_kept",
        "requirements_dropped", "requirements_dropped_notes", "onboarding", "hidden_market",
        "positions", "opened_on",
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirements_dropped"].label = "Exigences abandonnées après l'analyse"
        self.fields["languages_useful"].label = "Langues utiles sur le poste"
        self.fields["schedule"].label = "Horaires particuliers"
        self.fields["working_days"].label = "Jours travaillés"

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        if value and not (len(value) == 5 and value.isascii() and value.isdigit()):
            raise ValidationError("Un code postal a 5 chiffres.")
        return value

    def clean_opened_on(self):
        value = self.cleaned_data.get("opened_on")
        if value and value > timezone.localdate():
            raise ValidationError(
                "Une offre se note une fois recueillie : au plus tard aujourd'hui."
            )
        if value and value < EARLIEST:
            raise ValidationError("Date invraisemblable.")
        return value

    def clean(self):
        data = super().clean()
        self._check_rome_text(data)
        contract = data.get("contract_type")
        duration = data.get("duration_months")
        if contract in (ContractType.CDD, ContractType.CDDI, ContractType.APPRENTICESHIP):
            if not duration and "duration_months" not in self.errors:
                self.add_error(
                    "duration_months",
                    "Indiquez la durée du contrat, en mois (obligatoire pour un CDD, un CDDI "
                    "ou une alternance).",
                )
        elif contract == ContractType.CDI and duration:
            self.add_error("duration_months", "Un CDI n'a pas de durée : laissez ce champ vide.")
        return data

    def _check_rome_text(self, data):
        """Without a fresh pick, a title typed over the chosen one is a new search, not a
        silent keep of the old title."""
        appellation = data.get("rome_appellation")
        query = (data.get("rome_q") or "").strip()
        if appellation is None or not query or self.data.get("rome_appellation_pick"):
            return
        if fold(query) in (fold(appellation.label), fold(appellation.code)):
            return
        self.add_error("rome_appellation", ROME_MISSING)

    def rome_query(self) -> str:
        """What to search the ROME for when the form is shown again."""
        value = self.data.get("rome_q", "") if self.is_bound else self.initial.get("rome_q", "")
        return value[:QUERY_MAX] if isinstance(value, str) else ""

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class OpeningCreateForm(TokenForm, OpeningForm):
    """The job analysis of a new opening: its token makes a double submission one row."""

    def __init__(self, *args, employer, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("city", employer.city)
        initial.setdefault("postcode", employer.postcode)
        initial.setdefault("hidden_market", True)
        initial.setdefault("positions", 1)
        initial.setdefault("opened_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class OpeningEditForm(OpeningForm):
    def __init__(self, *args, opening, **kwargs):
        initial = {name: getattr(opening, name) for name in self.SERVICE_FIELDS}
        initial["rome_appellation"] = opening.rome_appellation_id
        initial["rome_q"] = opening.rome_appellation.label
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)


class OpeningCloseForm(forms.Form):
    status = forms.ChoiceField(
        label="L'offre est",
        choices=[(OpeningStatus.FILLED, "Pourvue"), (OpeningStatus.CANCELLED, "Annulée")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez : pourvue ou annulée.",
            "invalid_choice": "Choisissez : pourvue ou annulée.",
        },
    )
    closed_on = forms.DateField(
        label="Le",
        widget=DateInput(),
        error_messages={
            "required": "Indiquez la date de clôture.",
            "invalid": "Saisissez une date réelle, par exemple 26/11/2026.",
        },
    )
    reason = forms.CharField(
        label="En quelques mots (facultatif)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 300, "autocomplete": "off"}),
        help_text="Par exemple : pourvue par une personne accompagnée, ou l'entreprise a renoncé.",
    )

    def __init__(self, *args, opening, **kwargs):
        kwargs.setdefault("auto_id", "close_%s")
        kwargs.setdefault("initial", {"closed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.opening = opening


# --- The list's filters ---------------------------------------------------------------------

ALL = "all"
STATUS_CHOICES = [*OpeningStatus.choices, (ALL, "Toutes")]
# Each folded letter and its accented forms, both cases: "saint sebastien" finds
# "Saint-Sébastien-sur-Loire" with a regular expression on the column itself (no unaccent
# extension; lower() or translate() on every row would cost 5 times more and hide the column's
# statistics from the planner).
ACCENTS = {"a": "aàâäáã", "e": "eéèêë", "i": "iîïíì", "o": "oôöóòõ", "u": "uùûüú", "c": "cç"}


def accent_insensitive(folded: str) -> str:
    """A regular expression for a folded text ([a-z0-9 ] only, so nothing to escape)."""
    parts = []
    for char in folded:
        if char == " ":
            parts.append("[^[:alnum:]]+")
        elif char.isalpha():
            letters = ACCENTS.get(char, char)
            parts.append(f"[{letters}{letters.upper()}]")
        else:
            parts.append(char)
    return "".join(parts)


class OpeningFilter(django_filters.FilterSet):
    """The openings list's filters, in the URL. `show_status`: False for those who only ever
    see open openings."""

    metier = django_filters.CharFilter(
        label="Métier ou code ROME", method="filter_metier", max_length=QUERY_MAX
    )
    contract_type = django_filters.ChoiceFilter(
        label="Contrat", choices=ContractType.choices, empty_label="Tous"
    )
    sector = django_filters.ChoiceFilter(
        label="Secteur", field_name="employer__sector", choices=Sector.choices, empty_label="Tous"
    )
    city = django_filters.CharFilter(
        label="Commune ou code postal", method="filter_city", max_length=QUERY_MAX
    )
    status = django_filters.ChoiceFilter(
        label="Statut", choices=STATUS_CHOICES, empty_label=None, method="filter_status"
    )
    full_time = django_filters.BooleanFilter(
        label="Temps plein seulement", method="filter_true", widget=forms.CheckboxInput
    )
    hidden_market = django_filters.BooleanFilter(
        label="Marché caché seulement", method="filter_true", widget=forms.CheckboxInput
    )

    def __init__(self, data=None, *args, show_status=True, **kwargs):
        if data is not None and data.get("status") not in dict(STATUS_CHOICES):
            # Open ones by default (and for a status that is none of them).
            data = data.copy()
            data["status"] = OpeningStatus.OPEN
        super().__init__(data, *args, **kwargs)
        if not show_status:
            del self.filters["status"]
            self.form.fields.pop("status", None)

    def filter_metier(self, queryset, name, value):
        value = value.strip()
        if ROME_CODE.fullmatch(value):
            return queryset.filter(rome_id=value.upper())
        terms = fold(value).split()[:5]
        if not terms:
            return queryset
        titles = RomeAppellation.objects.all()
        for term in terms:
            titles = titles.filter(search__contains=f" {term}")
        # The sheets with such a title (one query on the reference), as a list: the planner
        # then estimates the openings of each from the statistics of the ROME column.
        sheets = sorted(set(titles.values_list("rome_id", flat=True)))
        return queryset.filter(rome_id__in=sheets)

    def filter_city(self, queryset, name, value):
        value = value.strip()
        if value.isascii() and value.isdigit():
            return queryset.filter(postcode__startswith=value[:5])
        folded = fold(value)
        if not folded:
            return queryset
        return queryset.filter(city__regex=accent_insensitive(folded))

    def filter_status(self, queryset, name, value):
        if value == ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_true(self, queryset, name, value):
        return queryset.filter(**{name: True}) if value else queryset
