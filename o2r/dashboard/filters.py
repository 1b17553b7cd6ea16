"""The dashboard's selection: a period, residences within the manager's scope, and for the job
side an organisation and a coach. It lives in the URL (GET), so a link shares it and the back
button restores it. The scope is the access table's `dashboard.read`: her residences for the
housing manager, her territory's for the employment manager — whose job-side figures are her
organisation's only."""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from employers.models import territories_of
from o2r import access
from o2r.access import Action, Scope
from o2r.accounts.enums import OrganisationKind
from o2r.accounts.models import Organisation, User
from residents.forms import DateInput
from residents.models import Residence

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_CUSTOM = relativedelta(years=5)


class Period:
    YEAR = "annee"
    QUARTER = "trimestre"
    MONTH = "mois"
    DATES = "dates"
    CHOICES = [
        (YEAR, "Une année"),
        (QUARTER, "Un trimestre"),
        (MONTH, "Un mois"),
        (DATES, "Des dates choisies"),
    ]


def residences_in_scope(user):
    scope = access.scope_of(user, Action.DASHBOARD_READ)
    if scope == Scope.MEMBERSHIPS:
        return Residence.objects.for_user(user)
    if scope == Scope.TERRITORY:
        return Residence.objects.filter(territory__in=territories_of(user))
    return Residence.objects.none()


def organisations_in_scope(user):
    """The employment organisations whose job-side figures `user` reads: hers for the
    employment manager (territory scope), all of them for the housing manager."""
    scope = access.scope_of(user, Action.DASHBOARD_READ)
    employment = Organisation.objects.filter(kind=OrganisationKind.EMPLOYMENT)
    if scope == Scope.TERRITORY:
        return employment.filter(pk=user.organisation_id or 0)
    if scope == Scope.MEMBERSHIPS:
        return employment
    return Organisation.objects.none()


def coaches_in(organisations, territories):
    """The coaches of these organisations who work in these territories."""
    return (
        User.objects.filter(access.users_with(Action.ACCOMPANIMENT_WORK))
        .filter(organisation__in=organisations, territory__in=territories)
        .order_by("last_name", "first_name")
    )


@dataclass(frozen=True)
class Selection:
    """What every figure is computed on. Dates: [start, end), `end` excluded."""

    start: datetime.date
    end: datetime.date
    label: str
    residence_ids: tuple[int, ...]
    territories: tuple[str, ...]
    # The job side's employment organisations; None: no restriction (all of them).
    organisation_ids: tuple[int, ...] | None
    coach_id: int | None = None
    # True when the manager narrowed the residences (shown, and in the export's filters).
    residences_chosen: bool = False
    organisation_chosen: bool = False

    @property
    def start_at(self):
        return _midnight(self.start)

    @property
    def end_at(self):
        return _midnight(self.end)

    @property
    def last_day(self):
        return self.end - datetime.timedelta(days=1)

    def months(self) -> list[datetime.date]:
        first = self.start.replace(day=1)
        months = []
        while first < self.end:
            months.append(first)
            first += relativedelta(months=1)
        return months


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class ResidenceSelect(forms.SelectMultiple):
    """A multiple select written in Python: a national scope lists 1,000 residences, which
    Django's template-per-option rendering takes a third of a second to write."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value or [])}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select multiple{}>{}</select>", flatatt(final), options)


class DashboardFilterForm(forms.Form):
    periode = forms.ChoiceField(label="Période", choices=Period.CHOICES, required=False)
    annee = forms.IntegerField(
        label="Année",
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "min_value": f"Choisissez une année entre {FIRST_YEAR} et {LAST_YEAR}.",
            "max_value": f"Choisissez une année entre {FIRST_YEAR} et {LAST_YEAR}.",
            "invalid": "Indiquez une année en chiffres, par exemple 2026.",
        },
    )
    trimestre = forms.TypedChoiceField(
        label="Trimestre",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(q, f"{q}{'er' if q == 1 else 'e'} trimestre") for q in range(1, 5)]],
    )
    mois = forms.TypedChoiceField(
        label="Mois",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(i, name) for i, name in enumerate(MONTHS, start=1)]],
    )
    du = forms.DateField(label="Du", required=False, widget=DateInput())
    au = forms.DateField(label="Au (inclus)", required=False, widget=DateInput())
    residence = forms.ModelMultipleChoiceField(
        label="Résidences",
        required=False,
        queryset=Residence.objects.none(),
        help_text="Aucune choisie : toutes celles de votre périmètre.",
        widget=ResidenceSelect(attrs={"size": 6}),
        error_messages={
            "invalid_choice": "Cette résidence n'est pas dans votre périmètre.",
            "invalid_pk_value": "Cette résidence n'existe pas.",
        },
    )
    organisation = forms.ModelChoiceField(
        label="Structure emploi",
        required=False,
        queryset=Organisation.objects.none(),
        empty_label="Toutes",
        error_messages={"invalid_choice": "Cette structure n'est pas dans votre périmètre."},
    )
    coach = forms.ModelChoiceField(
        label="Chargée de mission emploi",
        required=False,
        queryset=User.objects.none(),
        empty_label="Toutes",
        error_messages={"invalid_choice": "Cette personne n'est pas dans votre périmètre."},
    )

    def __init__(self, data, *, user, today=None):
        self.user = user
        self.today = today or timezone.localdate()
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("periode"):
            data["periode"] = Period.YEAR
        if not data.get("annee"):
            data["annee"] = str(self.today.year)
        super().__init__(data)
        self.fields["residence"].queryset = residences_in_scope(user).order_by("name")
        organisations = organisations_in_scope(user)
        self.fields["organisation"].queryset = organisations
        territories = residences_in_scope(user).values("territory")
        self.fields["coach"].queryset = coaches_in(organisations, territories)

    def clean(self):
        data = super().clean()
        kind = data.get("periode") or Period.YEAR
        year = data.get("annee") or self.today.year
        if kind == Period.DATES:
            start, last = data.get("du"), data.get("au")
            if not start:
                self.add_error("du", "Indiquez la date de début.")
            if not last:
                self.add_error("au", "Indiquez la date de fin.")
            if start and last:
                if last < start:
                    self.add_error("au", "La date de fin est avant la date de début.")
                elif start.year < FIRST_YEAR or last.year > LAST_YEAR:
                    self.add_error("du", f"Choisissez des dates entre {FIRST_YEAR} et {LAST_YEAR}.")
                elif start + MAX_CUSTOM < last:
                    self.add_error("au", "Choisissez une période de cinq ans au plus.")
                else:
                    data["range"] = (start, last + datetime.timedelta(days=1), _days(start, last))
        elif kind == Period.MONTH:
            month = data.get("mois") or self.today.month
            start = datetime.date(year, month, 1)
            data["range"] = (start, start + relativedelta(months=1), f"{MONTHS[month - 1]} {year}")
        elif kind == Period.QUARTER:
            quarter = data.get("trimestre") or (self.today.month - 1) // 3 + 1
            start = datetime.date(year, 3 * quarter - 2, 1)
            label = f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {year}"
            data["range"] = (start, start + relativedelta(months=3), label)
        elif "annee" not in self.errors:
            start = datetime.date(year, 1, 1)
            data["range"] = (start, start + relativedelta(years=1), f"année {year}")
        return data

    def selection(self) -> Selection | None:
        """The selection, or None when the form has errors (then no figure is shown)."""
        if not self.is_valid() or "range" not in self.cleaned_data:
            return None
        data = self.cleaned_data
        start, end, label = data["range"]
        chosen = list(data.get("residence") or [])
        residences = chosen or list(self.fields["residence"].queryset)
        organisation = data.get("organisation")
        organisations = (
            [organisation] if organisation else list(self.fields["organisation"].queryset)
        )
        coach = data.get("coach")
        restricted = organisation is not None or (
            access.scope_of(self.user, Action.DASHBOARD_READ) == Scope.TERRITORY
        )
        return Selection(
            start=start,
            end=end,
            label=label,
            residence_ids=tuple(sorted(r.pk for r in residences)),
            territories=tuple(sorted({r.territory for r in residences})),
            organisation_ids=tuple(sorted(o.pk for o in organisations)) if restricted else None,
            coach_id=coach.pk if coach else None,
            residences_chosen=bool(chosen),
            organisation_chosen=organisation is not None,
        )

    def described(self) -> list[tuple[str, str]]:
        """The filters in words (the page's summary and the export's first sheet)."""
        data = self.cleaned_data
        chosen = data.get("residence") or []
        rows = [("Période", data["range"][2] if "range" in data else "")]
        rows.append(
            ("Résidences", ", ".join(r.name for r in chosen) or "toutes celles de votre périmètre")
        )
        organisation = data.get("organisation")
        if organisation:
            organisations = organisation.name
        elif access.scope_of(self.user, Action.DASHBOARD_READ) == Scope.TERRITORY:
            organisations = ", ".join(o.name for o in self.fields["organisation"].queryset)
        else:
            organisations = "toutes"
        rows.append(("Structure emploi", organisations))
        coach = data.get("coach")
        rows.append(("Chargée de mission emploi", coach.get_full_name() if coach else "toutes"))
        return rows


def _days(start, last):
    return f"du {start:%d/%m/%Y} au {last:%d/%m/%Y}"
