"""Forms of the network screens (companies, their contacts, prospecting). They check what the
user typed; the services decide and refuse in French, keyed by field (`add_service_errors`)."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from o2r import access
from o2r.access import Action
from o2r.accounts.models import User
from o2r.core.forms import TimeInput, TokenForm
from residents.forms import DateInput
from residents.normalise import fold
from residents.validators import parse_phone

from ..enums import NafVersion, NetworkStatus, ProspectingKind, ProspectingOutcome, Sector, SizeBand
from ..models import SUMMARY_MAX, EmployerContact, territories_of
from ..validators import normalise_naf, normalise_siret

# The oldest step one may still note (older dates are typing mistakes).
OLDEST_STEP = datetime.date(2000, 1, 1)
NEXT_STEP_HORIZON = datetime.timedelta(days=2 * 366)
SEARCH_MAX = 100
NO_CONTACT_DAYS = 60


def owners_for(user, *, also=None):
    """Who may follow a company, as `user` picks them: the people holding the right to edit
    companies who work on her territories (and the user `also`, the company's current owner).
    A national organisation's other territories stay out of the list."""
    territories = territories_of(user)
    condition = access.users_with(Action.EMPLOYER_EDIT) & Q(territory__in=territories)
    if also is not None:
        condition |= Q(pk=also)
    return User.objects.filter(condition).order_by("last_name", "first_name", "pk")


def _text_input(**attrs):
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


# --- Companies ------------------------------------------------------------------------------


class EmployerForm(forms.Form):
    """A company's description. The SIRET, the NAF code and the postcode are checked here so
    their errors show with the others; the service normalises and checks them again."""

    name = forms.CharField(
        label="Raison sociale ou enseigne",
        max_length=200,
        error_messages={"required": "Indiquez le nom de l'entreprise."},
        widget=_text_input(),
    )
    siret = forms.CharField(
        label="SIRET (facultatif)",
        max_length=30,
        required=False,
        help_text="14 chiffres, les espaces sont ignorés.",
        widget=_text_input(inputmode="numeric"),
    )
    naf_code = forms.CharField(
        label="Code NAF (APE) (facultatif)",
        max_length=10,
        required=False,
        help_text="Par exemple 56.10A.",
        widget=_text_input(),
    )
    naf_version = forms.ChoiceField(
        label="Nomenclature NAF",
        choices=NafVersion.choices,
        initial=NafVersion.REV2,
        error_messages={"invalid_choice": "Choisissez une des nomenclatures de la liste."},
    )
    sector = forms.ChoiceField(
        label="Secteur",
        choices=[("", "—"), *Sector.choices],
        error_messages={
            "required": "Choisissez le secteur.",
            "invalid_choice": "Choisissez un secteur de la liste.",
        },
    )
    size_band = forms.ChoiceField(
        label="Effectif (facultatif)",
        choices=[("", "Je ne sais pas"), *SizeBand.choices],
        required=False,
        error_messages={"invalid_choice": "Choisissez un effectif de la liste."},
    )
    address = forms.CharField(
        label="Adresse (facultatif)", max_length=300, required=False, widget=_text_input()
    )
    postcode = forms.CharField(
        label="Code postal (facultatif)",
        max_length=5,
        required=False,
        widget=_text_input(inputmode="numeric"),
    )
    city = forms.CharField(
        label="Commune",
        max_length=120,
        error_messages={"required": "Indiquez la commune."},
        widget=_text_input(),
    )
    territory = forms.ChoiceField(
        label="Territoire",
        choices=[],
        error_messages={
            "required": "Choisissez le territoire.",
            "invalid_choice": "Choisissez un de vos territoires.",
        },
    )
    description = forms.CharField(
        label="Activité, en quelques mots (facultatif)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )

    def __init__(self, *args, user, employer=None, **kwargs):
        if employer is not None:
            initial = kwargs.setdefault("initial", {})
            for name in self.base_fields:
                if hasattr(employer, name):
                    initial.setdefault(name, getattr(employer, name))
            initial["naf_code"] = employer.naf_display
        super().__init__(*args, **kwargs)
        territories = territories_of(user)
        if employer is not None and employer.territory not in territories:
            territories = [employer.territory, *territories]
        self.fields["territory"].choices = [(t, t) for t in territories]
        if len(territories) == 1:
            self.fields["territory"].widget = forms.HiddenInput()
            self.initial.setdefault("territory", territories[0])

    def clean_siret(self):
        return normalise_siret(self.cleaned_data.get("siret", ""))

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        if value and not (len(value) == 5 and value.isascii() and value.isdigit()):
            raise ValidationError("Un code postal a 5 chiffres.")
        return value

    def clean(self):
        data = super().clean()
        if "naf_code" in data and "naf_version" in data:
            try:
                data["naf_code"] = normalise_naf(data["naf_code"], data["naf_version"])
            except ValidationError as error:
                self.add_error("naf_code", error)
        return data

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in EmployerForm.base_fields
            if name in self.cleaned_data
        }


class EmployerCreateForm(TokenForm, EmployerForm):
    confirm_similar = forms.BooleanField(
        label="Ce n'est pas la même entreprise, créer quand même", required=False
    )


class EmployerEditForm(EmployerForm):
    owner = forms.ModelChoiceField(
        label="Suivie par",
        queryset=User.objects.none(),
        required=False,
        empty_label="Personne",
        error_messages={"invalid_choice": "Choisissez une personne de la liste."},
    )

    def __init__(self, *args, user, employer, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("owner", employer.owner_id)
        super().__init__(*args, user=user, employer=employer, **kwargs)
        self.fields["owner"].queryset = owners_for(user, also=employer.owner_id)

    def service_data(self) -> dict:
        return {**super().service_data(), "owner": self.cleaned_data.get("owner")}


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Nouveau statut",
        choices=NetworkStatus.choices,
        error_messages={
            "required": "Choisissez un statut.",
            "invalid_choice": "Choisissez un statut de la liste.",
        },
    )
    reason = forms.CharField(
        label="Pourquoi",
        max_length=300,
        error_messages={"required": "Dites pourquoi le statut change."},
        widget=_text_input(maxlength=300),
        help_text="Par exemple : plus de besoin depuis le rachat, nouvelle direction.",
    )

    def __init__(self, *args, employer=None, **kwargs):
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        if employer is not None:
            self.initial.setdefault("status", employer.status)


# --- Contacts -------------------------------------------------------------------------------


class ContactForm(forms.Form):
    first_name = forms.CharField(
        label="Prénom (facultatif)", max_length=100, required=False, widget=_text_input()
    )
    last_name = forms.CharField(
        label="Nom",
        max_length=100,
        error_messages={"required": "Indiquez au moins le nom."},
        widget=_text_input(),
    )
    role = forms.CharField(
        label="Fonction (facultatif)",
        max_length=150,
        required=False,
        help_text="Par exemple : gérante, responsable d'équipe, chargé de recrutement.",
        widget=_text_input(),
    )
    phone = forms.CharField(
        label="Téléphone (facultatif)",
        max_length=40,
        required=False,
        widget=_text_input(inputmode="tel"),
    )
    email = forms.EmailField(
        label="E-mail (facultatif)",
        max_length=254,
        required=False,
        error_messages={"invalid": "Saisissez une adresse e-mail valide (nom@exemple.fr)."},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "").strip()
        parse_phone(raw)  # raises the French message
        return raw


class ContactAddForm(TokenForm, ContactForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)


class ContactEditForm(ContactForm):
    active = forms.BooleanField(label="Toujours dans l'entreprise", required=False)

    def __init__(self, *args, contact, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for name in ("first_name", "last_name", "role", "email", "active"):
            initial.setdefault(name, getattr(contact, name))
        initial.setdefault("phone", contact.phone_raw or contact.phone)
        super().__init__(*args, **kwargs)


# --- Prospecting ----------------------------------------------------------------------------


class ProspectingForm(TokenForm):
    kind = forms.ChoiceField(
        label="Démarche",
        choices=ProspectingKind.choices,
        initial=ProspectingKind.VISIT,
        error_messages={
            "required": "Choisissez la démarche.",
            "invalid_choice": "Choisissez une démarche de la liste.",
        },
    )
    on = forms.DateField(
        label="Le",
        widget=DateInput(),
        error_messages={
            "required": "Indiquez le jour de la démarche.",
            "invalid": "Saisissez une date valide, par exemple 26/11/2026.",
        },
    )
    at_time = forms.TimeField(
        label="À",
        widget=TimeInput(),
        error_messages={
            "required": "Indiquez l'heure de la démarche.",
            "invalid": "Saisissez une heure valide, par exemple 14:30.",
        },
    )
    outcome = forms.ChoiceField(
        label="Résultat",
        choices=[("", "—"), *ProspectingOutcome.choices],
        error_messages={
            "required": "Choisissez le résultat.",
            "invalid_choice": "Choisissez un résultat de la liste.",
        },
    )
    contact = forms.ModelChoiceField(
        label="Avec (facultatif)",
        queryset=EmployerContact.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Choisissez un interlocuteur de cette entreprise."},
    )
    summary = forms.CharField(
        label="En quelques mots (facultatif)",
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": SUMMARY_MAX}),
    )
    next_step_on = forms.DateField(
        label="Prochaine étape le (facultatif)",
        required=False,
        widget=DateInput(),
        help_text="Un rappel vous sera fait ce jour-là.",
        error_messages={"invalid": "Saisissez une date valide, par exemple 26/11/2026."},
    )
    next_step = forms.CharField(
        label="Prochaine étape (facultatif)",
        max_length=200,
        required=False,
        help_text="Par exemple : rappeler la gérante, envoyer la fiche de poste.",
        widget=_text_input(maxlength=200),
    )

    def __init__(self, *args, employer, contacts=None, **kwargs):
        kwargs.setdefault("auto_id", "prospecting_%s")
        now = timezone.localtime()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("on", now.date())
        initial.setdefault("at_time", now.time().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = employer.contacts.filter(active=True)
        if contacts is not None:
            # The page already holds the contacts: the select is built from them.
            active = [contact for contact in contacts if contact.active]
            self.fields["contact"].choices = [("", "—")] + [(c.pk, str(c)) for c in active]
            if not active:
                del self.fields["contact"]

    def clean_on(self):
        value = self.cleaned_data.get("on")
        if value and value < OLDEST_STEP:
            raise ValidationError("Date invraisemblable : vérifiez l'année.")
        if value and value > timezone.localdate():
            raise ValidationError("Une démarche se note une fois faite : la date est à venir.")
        return value

    def clean_next_step_on(self):
        value = self.cleaned_data.get("next_step_on")
        if value and value > timezone.localdate() + NEXT_STEP_HORIZON:
            raise ValidationError("Choisissez une date dans les deux ans qui viennent.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("on") and data.get("at_time"):
            data["at"] = timezone.make_aware(datetime.datetime.combine(data["on"], data["at_time"]))
            if data["at"] > timezone.now() + datetime.timedelta(minutes=5):
                self.add_error(
                    "at_time", "Une démarche se note une fois faite : l'heure est à venir."
                )
        return data


# --- The list's filters ---------------------------------------------------------------------


class EmployerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Nom ou SIRET", method="filter_search", max_length=SEARCH_MAX
    )
    sector = django_filters.ChoiceFilter(
        label="Secteur", choices=Sector.choices, empty_label="Tous"
    )
    status = django_filters.ChoiceFilter(
        label="Statut", choices=NetworkStatus.choices, empty_label="Tous"
    )
    owner = django_filters.ModelChoiceFilter(
        label="Suivie par", queryset=User.objects.none(), empty_label="Tout le monde"
    )
    city = django_filters.CharFilter(label="Commune", method="filter_city", max_length=120)
    no_contact = django_filters.BooleanFilter(
        label=f"Sans contact depuis {NO_CONTACT_DAYS} jours",
        method="filter_no_contact",
        widget=forms.CheckboxInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].queryset = owners_for(user)
        if not access.allows(user, Action.PROSPECTING_READ):
            # The last contact is the coach's prospecting: not for those who may not read it.
            del self.filters["no_contact"]

    def filter_search(self, queryset, name, value):
        compact = "".join(value.split())
        if len(compact) >= 3 and compact.isascii() and compact.isdigit():
            return queryset.filter(siret__startswith=compact)
        terms = fold(value).split()[:5]
        for term in terms:
            queryset = queryset.filter(name_key__contains=term)
        return queryset

    def filter_city(self, queryset, name, value):
        key = fold(value)
        return queryset.filter(city_key__startswith=key) if key else queryset

    def filter_no_contact(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.without_contact_since(
            timezone.now() - datetime.timedelta(days=NO_CONTACT_DAYS)
        )
