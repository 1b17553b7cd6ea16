import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from o2r import access
from o2r.access import Action
from o2r.accounts.enums import OrganisationKind
from o2r.accounts.models import Organisation

from .enums import (
    BarrierCode,
    BarrierStatus,
    Benefit,
    ConsentMethod,
    ConsentScope,
    ExitReason,
    InternationalProtection,
    ReferentKind,
    Stage,
    StepOwner,
)
from .models import (
    HEALTH_BARRIER_CODES,
    HEALTH_FIELDS,
    ExternalReferent,
    Residence,
    Resident,
    ResidentBarrier,
    ResidentBenefit,
    health_scope,
)
from .services import EDITABLE_FIELDS
from .validators import normalise_france_travail_id, parse_phone


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _past_or_today(value, message):
    if value and value > timezone.localdate():
        raise ValidationError(message)
    return value


class ResidentForm(forms.ModelForm):
    """Identity and situation. The phone and the France Travail id are validated here and
    stored normalised by the services."""

    phone = forms.CharField(
        label="Téléphone", required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text="Par exemple 06 12 34 56 78 ; les numéros d'outre-mer sont reconnus.",
    )  # fmt: skip
    benefits = forms.MultipleChoiceField(
        label="Minima sociaux perçus",
        choices=Benefit.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    benefits_since = forms.DateField(
        label="Perçus depuis le (si connu)",
        required=False,
        widget=DateInput(),
        help_text="S'applique aux minima cochés maintenant ; ceux déjà enregistrés gardent leur "
        "date, que vous pouvez changer un par un sur le dossier.",
    )

    class Meta:
        model = Resident
        # The fields a save compares for a conflict are these (residents.services).
        fields = EDITABLE_FIELDS
        widgets = {
            "birth_date": DateInput(),
            "moved_in_on": DateInput(),
            "moved_out_on": DateInput(),
            "right_to_work_expires_on": DateInput(),
            "last_referent_contact_on": DateInput(),
        }

    # The version of the file the form was opened on: a save by someone else in between is a
    # conflict the user is told about (residents.services.resident_update).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, show_health=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.held_benefits = {}
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        residences = Residence.objects.for_user(user).active()
        self.fields["residence"].queryset = residences
        self.fields["residence"].empty_label = None
        if self.instance.pk and not residences.filter(pk=self.instance.residence_id).exists():
            # A coach follows the person but does not move her between residences.
            self.fields["residence"].queryset = Residence.objects.filter(
                pk=self.instance.residence_id
            )
            self.fields["residence"].disabled = True
        if not show_health:
            for name in HEALTH_FIELDS:
                del self.fields[name]
        if not self.instance.pk:
            self.fields["enter_programme"] = forms.BooleanField(
                label="La personne entre dans le programme (étape « repéré »)",
                required=False,
                initial=True,
                help_text="Décochez pour un simple résident de la résidence, hors programme.",
            )
        if self.instance.pk:
            self.initial["phone"] = self.instance.phone_raw or (
                self.instance.phone.as_national if self.instance.phone else ""
            )
            benefits = list(self.instance.benefits.all())
            self.initial["benefits"] = [b.benefit for b in benefits]
            self.held_benefits = {b.benefit: b.since for b in benefits}

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "")
        parse_phone(raw)  # raises the French message
        return raw.strip()

    france_travail_id = forms.CharField(
        label="Identifiant France Travail", max_length=20, required=False,
        help_text="8 caractères (ancien format) ou 11 chiffres ; les espaces sont ignorés.",
    )  # fmt: skip

    def clean_france_travail_id(self):
        return normalise_france_travail_id(self.cleaned_data.get("france_travail_id", ""))

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        _past_or_today(value, "La date de naissance ne peut pas être future.")
        if value and value < datetime.date(1900, 1, 1):
            raise ValidationError("Date de naissance invraisemblable.")
        return value

    def clean_last_referent_contact_on(self):
        return _past_or_today(
            self.cleaned_data.get("last_referent_contact_on"),
            "Ce contact ne peut pas être dans le futur.",
        )

    def clean(self):
        data = super().clean()
        moved_in, moved_out = data.get("moved_in_on"), data.get("moved_out_on")
        if moved_in and moved_out and moved_out < moved_in:
            self.add_error("moved_out_on", "La sortie de la résidence suit l'entrée.")
        return data

    def _post_clean(self):
        """Not the model's validation: the form checks its own fields (the phone with the
        overseas fallback the model field lacks), and the services set the model."""

    def accept_version(self, version):
        """After a conflict: the next save is made knowing the other person's changes."""
        data = self.data.copy()
        data["version"] = version
        self.data = data

    def service_data(self):
        data = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name in self.fields and name in self.cleaned_data
        }
        return data

    def service_benefits(self):
        """{benefit: since}: a benefit already recorded keeps its own date; the date of the
        form goes to the benefits ticked now."""
        since = self.cleaned_data.get("benefits_since")
        return {
            code: self.held_benefits.get(code) if code in self.held_benefits else since
            for code in self.cleaned_data.get("benefits", [])
        }


class BenefitForm(forms.Form):
    benefit = forms.ChoiceField(label="Minimum social", choices=Benefit.choices)
    since = forms.DateField(label="Perçu depuis le", required=False, widget=DateInput())

    def clean_since(self):
        value = _past_or_today(
            self.cleaned_data.get("since"), "Cette date ne peut pas être future."
        )
        if value and value < datetime.date(1950, 1, 1):
            raise ValidationError("Date invraisemblable.")
        return value


class StageChangeForm(forms.Form):
    """`choices`: the stages one may move to by this form; `health`: the HealthView of the
    resident (an exit for health reasons is health information)."""

    to = forms.ChoiceField(label="Nouvelle étape", choices=Stage.choices)
    exit_reason = forms.ChoiceField(
        label="Motif de sortie", choices=[("", "—"), *ExitReason.choices], required=False
    )
    reason = forms.CharField(
        label="Motif ou commentaire", max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, choices=None, health=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["to"].choices = [(c, Stage(c).label) for c in choices]
        if health is not None:
            self.fields["exit_reason"].choices = [("", "—"), *health.exit_reason_choices()]


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label="Objet de l'accord", choices=ConsentScope.choices)
    recipient_organisation = forms.ModelChoiceField(
        label="Structure destinataire (partage)",
        queryset=Organisation.objects.exclude(kind=OrganisationKind.HOUSING),
        required=False,
        help_text="Pour le partage et les informations de santé.",
    )
    given_on = forms.DateField(label="Donné le", widget=DateInput(), initial=timezone.localdate)
    method = forms.ChoiceField(label="Recueilli par", choices=ConsentMethod.choices)

    def clean_given_on(self):
        value = _past_or_today(
            self.cleaned_data.get("given_on"), "La date de l'accord ne peut pas être future."
        )
        if value and value < datetime.date(2000, 1, 1):
            raise ValidationError("Date invraisemblable.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("scope") in (ConsentScope.SHARING, ConsentScope.HEALTH) and not data.get(
            "recipient_organisation"
        ):
            self.add_error("recipient_organisation", "Indiquez la structure avec qui partager.")
        return data


class BarrierForm(forms.Form):
    code = forms.ChoiceField(label="Frein", choices=BarrierCode.choices)
    status = forms.ChoiceField(label="État", choices=BarrierStatus.choices)

    def __init__(self, *args, health, **kwargs):
        super().__init__(*args, **kwargs)
        # The health barrier is offered only to those who may see it.
        self.fields["code"].choices = health.barrier_choices()


class ReferentForm(forms.ModelForm):
    class Meta:
        model = ExternalReferent
        fields = ["kind", "name", "contact", "since", "until"]
        widgets = {"since": DateInput(), "until": DateInput()}

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "La fin du suivi ne peut pas précéder son début.")
        return data


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Des faits, en quelques lignes. La personne peut demander à lire ses notes. "
        "Jamais de santé, de religion, d'opinion ni d'origine.",
    )
    confidential = forms.BooleanField(
        label="Confidentielle (lisible seulement par votre organisation)", required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those who read their organisation's confidential notes may write one.
        if not access.allows(user, Action.CONFIDENTIAL_NOTES_READ) or not user.organisation_id:
            del self.fields["confidential"]


class ActionStepForm(forms.Form):
    objective = forms.CharField(label="Objectif", max_length=200)
    step = forms.CharField(label="Étape", max_length=300)
    owner = forms.ChoiceField(label="Qui s'en charge", choices=StepOwner.choices)
    due_on = forms.DateField(label="Pour le", required=False, widget=DateInput())

    def clean_due_on(self):
        value = self.cleaned_data.get("due_on")
        if value and value < datetime.date(2000, 1, 1):
            raise ValidationError("Date invraisemblable.")
        return value


class ResidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom ou téléphone", method="filter_search")
    residence = django_filters.ModelChoiceFilter(
        label="Résidence", queryset=Residence.objects.none(), empty_label="Toutes"
    )
    stage = django_filters.ChoiceFilter(
        label="Étape",
        choices=[("none", "Hors programme"), *Stage.choices],
        method="filter_stage",
        empty_label="Toutes",
    )
    benefit = django_filters.ChoiceFilter(
        label="Public",
        choices=[
            ("any_minimum", "Minima sociaux (tous)"),
            *Benefit.choices,
            ("protection", "Protection internationale"),
            ("rqth", "RQTH"),
        ],
        method="filter_public",
        empty_label="Tous",
    )
    barrier = django_filters.ChoiceFilter(
        label="Frein", choices=BarrierCode.choices, method="filter_barrier", empty_label="Tous"
    )
    referent = django_filters.ChoiceFilter(
        label="Référent", choices=ReferentKind.choices, method="filter_referent",
        empty_label="Tous",
    )  # fmt: skip
    invisible = django_filters.BooleanFilter(
        label="Invisibles seulement", method="filter_invisible", widget=forms.CheckboxInput
    )
    no_contact_30 = django_filters.BooleanFilter(
        label="Sans contact depuis 30 jours",
        method="filter_no_contact_30",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label="Tri",
        choices=[
            ("-name", "Nom (Z → A)"),
            ("-stage_changed_at", "Étape la plus récente"),
            ("stage_changed_at", "Étape la plus ancienne"),
            ("-created_at", "Dossier le plus récent"),
            ("created_at", "Dossier le plus ancien"),
        ],
        method="filter_sort",
        empty_label="Nom (A → Z)",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["residence"].queryset = Residence.objects.for_user(user)
        self.user = user
        if not access.allows(user, Action.HEALTH_READ):
            # No health filter for those who see no health information at all.
            self._drop_choices("barrier", HEALTH_BARRIER_CODES)
            self._drop_choices("benefit", {"rqth"})

    def _drop_choices(self, name, values):
        extra = self.filters[name].extra
        extra["choices"] = [c for c in extra["choices"] if c[0] not in values]
        self.filters[name].__dict__.pop("_field", None)

    SORTS = {
        "-name": ("-last_name", "-first_name", "-pk"),
        "stage_changed_at": ("stage_changed_at", "last_name", "pk"),
        "-stage_changed_at": ("-stage_changed_at", "last_name", "pk"),
        "created_at": ("created_at", "pk"),
        "-created_at": ("-created_at", "-pk"),
    }

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*self.SORTS.get(value, ("last_name", "first_name", "pk")))

    def filter_search(self, queryset, name, value):
        return queryset.search(value[:100])

    def filter_stage(self, queryset, name, value):
        if value == "none":
            return queryset.filter(stage__isnull=True)
        return queryset.filter(stage=value)

    def filter_public(self, queryset, name, value):
        if value == "any_minimum":
            return queryset.filter(Exists(ResidentBenefit.objects.filter(resident=OuterRef("pk"))))
        if value == "protection":
            return queryset.filter(
                international_protection__in=[
                    InternationalProtection.REFUGEE, InternationalProtection.SUBSIDIARY
                ]
            )  # fmt: skip
        if value == "rqth":
            # Health information: among the residents whose health `user` may see.
            return queryset.filter(health_scope(self.user), rqth=True)
        return queryset.filter(
            Exists(ResidentBenefit.objects.filter(resident=OuterRef("pk"), benefit=value))
        )

    def filter_barrier(self, queryset, name, value):
        if value in HEALTH_BARRIER_CODES:
            # Health information: among the residents whose health `user` may see.
            queryset = queryset.filter(health_scope(self.user))
        open_barriers = ResidentBarrier.objects.filter(resident=OuterRef("pk"), code=value).exclude(
            status=BarrierStatus.LIFTED
        )
        return queryset.filter(Exists(open_barriers))

    def filter_referent(self, queryset, name, value):
        current = ExternalReferent.objects.filter(resident=OuterRef("pk"), kind=value).filter(
            Q(until__isnull=True) | Q(until__gte=timezone.localdate())
        )
        return queryset.filter(Exists(current))

    def filter_no_contact_30(self, queryset, name, value):
        if not value:
            return queryset
        cutoff = timezone.now() - datetime.timedelta(days=30)
        return queryset.filter(
            Q(last_interaction_at__lt=cutoff) | Q(last_interaction_at__isnull=True)
        )

    def filter_invisible(self, queryset, name, value):
        return queryset.invisible() if value else queryset
