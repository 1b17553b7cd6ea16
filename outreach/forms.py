"""Forms of the outreach screens. They validate what the user typed; the services decide
(and refuse in French, keyed by field: `add_service_errors`)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from o2r.access import Action
from o2r.core.forms import TimeInput, TokenForm
from residents.enums import LANGUAGES, Stage
from residents.forms import DateInput
from residents.models import Residence, Resident

from .enums import (
    FORM_OUTCOMES,
    NOT_IN_PROGRAMME,
    AudienceCategory,
    ReferralOutcome,
    ReferralSource,
)
from .models import SUMMARY_MAX, OutreachAction


class OutcomeField(forms.ChoiceField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Suite donnée")
        kwargs.setdefault("error_messages", {"required": "Choisissez la suite donnée."})
        super().__init__(choices=FORM_OUTCOMES, **kwargs)


def _summary_field():
    return forms.CharField(
        label="En une ligne (facultatif)",
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": SUMMARY_MAX, "autocomplete": "off"}),
    )


class ActionStartForm(TokenForm):
    residence = forms.ModelChoiceField(
        label="Résidence",
        queryset=Residence.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez une de vos résidences."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        residences = Residence.objects.for_user(user).active().order_by("name")
        self.fields["residence"].queryset = residences
        self.only_residence = residences[0] if len(residences) == 1 else None
        if self.only_residence is not None:
            self.fields["residence"].widget = forms.HiddenInput()
            self.initial.setdefault("residence", self.only_residence.pk)
        if "residence" not in self.initial:
            # Where she last held one; otherwise the first of her residences.
            last = (
                OutreachAction.objects.filter(created_by=user, residence__in=residences)
                .values_list("residence", flat=True)
                .first()
            )
            if last is not None:
                self.initial["residence"] = last


class ContactForm(TokenForm):
    """A person of the action's residence, found by the type-ahead."""

    resident = forms.ModelChoiceField(
        label="Personne rencontrée",
        queryset=Resident.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Cherchez puis choisissez la personne rencontrée.",
            "invalid_choice": "Choisissez une personne de cette résidence dans la liste.",
        },
    )
    outcome = OutcomeField()
    summary = _summary_field()
    next_step_on = forms.DateField(
        label="Prochaine étape le (facultatif)", required=False, widget=DateInput()
    )
    accompaniment_consent = forms.BooleanField(
        label="La personne donne son accord pour être accompagnée", required=False
    )

    def __init__(self, *args, user, action, **kwargs):
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.visible_to(
            user, Action.OUTREACH_LOG
        ).filter(residence=action.residence_id)

    def clean_next_step_on(self):
        value = self.cleaned_data.get("next_step_on")
        if value and value < timezone.localdate():
            raise ValidationError("La prochaine étape ne peut pas être dans le passé.")
        if value and value > timezone.localdate() + datetime.timedelta(days=366):
            raise ValidationError("Choisissez une date dans l'année qui vient.")
        return value


class MeetNewForm(TokenForm):
    """Someone met for the first time: a first name and a unit, nothing more."""

    first_name = forms.CharField(
        label="Prénom",
        max_length=100,
        error_messages={"required": "Indiquez au moins le prénom."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    housing_unit = forms.CharField(
        label="Logement (facultatif)",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    outcome = OutcomeField()
    summary = _summary_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "new_%s")
        super().__init__(*args, **kwargs)


class ContactCorrectForm(forms.Form):
    outcome = OutcomeField()
    summary = _summary_field()

    def __init__(self, *args, contact=None, **kwargs):
        if contact is not None:
            kwargs.setdefault("auto_id", f"c{contact.pk}_%s")
            kwargs.setdefault("initial", {"outcome": contact.outcome, "summary": contact.summary})
        super().__init__(*args, **kwargs)


class ReferralForm(TokenForm):
    """Three things about the person (who, why, how to reach her), and who files it where."""

    first_name = forms.CharField(
        label="Prénom de la personne",
        max_length=100,
        error_messages={"required": "Indiquez au moins le prénom de la personne."},
    )
    housing_unit = forms.CharField(label="Logement", max_length=30, required=False)
    reason = forms.CharField(
        label="Pourquoi",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={"required": "Dites en quelques mots pourquoi."},
        help_text="Ce que la personne vous a dit, en quelques mots.",
    )
    how_to_reach = forms.CharField(
        label="Comment la joindre",
        max_length=200,
        required=False,
        help_text="Par exemple : le matin dans le hall, ou un numéro de téléphone.",
    )
    residence = forms.ModelChoiceField(
        label="Résidence",
        queryset=Residence.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez une de vos résidences."},
    )
    source = forms.ChoiceField(
        label="Signalé par",
        choices=ReferralSource.choices,
        initial=ReferralSource.RESIDENCE_MANAGER,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        residences = Residence.objects.for_user(user).active().order_by("name")
        self.fields["residence"].queryset = residences
        if len(residences) == 1:
            self.fields["residence"].widget = forms.HiddenInput()
            self.initial.setdefault("residence", residences[0].pk)


class ReferralCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=ReferralOutcome.choices,
        error_messages={"required": "Choisissez l'issue du signalement."},
    )


class PeriodForm(forms.Form):
    du = forms.DateField(label="Du", required=False, widget=DateInput())
    au = forms.DateField(label="Au", required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("du", "au"):
            day = data.get(name)
            if day and not (
                today - datetime.timedelta(days=365 * 20)
                <= day
                <= today + datetime.timedelta(days=366)
            ):
                self.add_error(name, "Choisissez une date des vingt dernières années.")
        return data

    def period(self):
        """(first day, last day) chosen, by default the last three months."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("au") or today
        start = data.get("du") or end - datetime.timedelta(days=91)
        if start > end:
            start, end = end, start
        return start, end


# --- SMS campaigns ------------------------------------------------------------------------------

EXTRA_LANGUAGES = 3  # variants besides French, on one page


def _language_choices():
    return [("", "—")] + [(code, label) for code, label in LANGUAGES if code != "fra"]


def _moment(day, at, field, errors, *, message):
    """A local datetime from a date and a time field, both or neither."""
    if day and at:
        return timezone.make_aware(datetime.datetime.combine(day, at))
    if day or at:
        errors[field] = message
    return None


class CampaignForm(TokenForm):
    name = forms.CharField(
        label="Nom de la campagne",
        max_length=120,
        help_text="Pour vous retrouver : il n'est pas dans le SMS.",
        error_messages={"required": "Donnez un nom à la campagne."},
    )
    residences = forms.ModelMultipleChoiceField(
        label="Résidences",
        queryset=Residence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins une résidence.",
            "invalid_choice": "Choisissez parmi vos résidences.",
            "invalid_pk_value": "Choisissez parmi vos résidences.",
        },
    )
    stages = forms.MultipleChoiceField(
        label="Étapes (toutes si rien n'est coché)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(NOT_IN_PROGRAMME, "Pas encore dans le programme"), *Stage.choices],
        error_messages={"invalid_choice": "Étape inconnue."},
    )
    categories = forms.MultipleChoiceField(
        label="Publics (tous si rien n'est coché)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=AudienceCategory.choices,
        error_messages={"invalid_choice": "Public inconnu."},
    )
    languages = forms.MultipleChoiceField(
        label="Seulement les personnes qui préfèrent ces langues (toutes si rien n'est choisi)",
        required=False,
        choices=LANGUAGES,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": "Langue inconnue."},
    )
    session_on = forms.DateField(label="Date de la permanence", required=False, widget=DateInput())
    session_time = forms.TimeField(label="Heure", required=False, widget=TimeInput())
    session_place = forms.CharField(
        label="Lieu",
        required=False,
        max_length=150,
        help_text="Par exemple : hall de la résidence.",
    )
    scheduled_on = forms.DateField(
        label="Envoyer le (facultatif)",
        required=False,
        widget=DateInput(),
        help_text="Sans date, le SMS part dès l'envoi, hors heures calmes (20 h - 9 h, "
        "dimanches et jours fériés).",
    )
    scheduled_time = forms.TimeField(label="à", required=False, widget=TimeInput())
    body_fra = forms.CharField(
        label="Texte en français",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Champs possibles : {prenom}, {residence}, {date}, {lieu}. La signature est "
        "ajoutée à la fin.",
        error_messages={"required": "Écrivez le texte en français."},
    )

    def __init__(self, *args, user, campaign=None, **kwargs):
        if campaign is not None and not kwargs.get("data"):
            kwargs["initial"] = {**_campaign_initial(campaign), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["residences"].queryset = (
            Residence.objects.for_user(user).active().order_by("name")
        )
        for index in range(1, EXTRA_LANGUAGES + 1):
            self.fields[f"language_{index}"] = forms.ChoiceField(
                label=f"Autre langue {index}",
                required=False,
                choices=_language_choices(),
                error_messages={"invalid_choice": "Langue inconnue."},
            )
            self.fields[f"body_{index}"] = forms.CharField(
                label=f"Texte dans cette langue {index}",
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # outreach/campaigns/_field.html renders the widgets as they are (not crispy): they
        # carry Bootstrap's classes, and with them its look and 44-px touch targets.
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            elif not field.widget.is_hidden:
                field.widget.attrs.setdefault("class", "form-control")

    def variant_fields(self):
        return [(self[f"language_{i}"], self[f"body_{i}"]) for i in range(1, EXTRA_LANGUAGES + 1)]

    def clean(self):
        data = super().clean()
        errors = {}
        data["session_at"] = _moment(
            data.get("session_on"),
            data.get("session_time"),
            "session_time",
            errors,
            message="Indiquez le jour et l'heure de la permanence.",
        )
        data["scheduled_at"] = _moment(
            data.get("scheduled_on"),
            data.get("scheduled_time"),
            "scheduled_time",
            errors,
            message="Indiquez le jour et l'heure de l'envoi.",
        )
        variants = {"fra": data.get("body_fra", "")}
        self.language_field = {"fra": "body_fra"}
        for index in range(1, EXTRA_LANGUAGES + 1):
            language, body = data.get(f"language_{index}"), (data.get(f"body_{index}") or "")
            if body.strip() and not language:
                errors[f"language_{index}"] = "Choisissez la langue de ce texte."
            elif language and not body.strip():
                errors[f"body_{index}"] = "Écrivez le texte dans cette langue, ou retirez-la."
            elif language in variants:
                errors[f"language_{index}"] = "Cette langue a déjà son texte."
            elif language:
                variants[language] = body
                self.language_field[language] = f"body_{index}"
        data["variants"] = variants
        for field, message in errors.items():
            self.add_error(field, message)
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "name": data["name"],
            "residences": list(data["residences"]),
            "variants": data["variants"],
            "stages": data["stages"],
            "categories": data["categories"],
            "languages": data["languages"],
            "session_at": data["session_at"],
            "session_place": data["session_place"],
            "scheduled_at": data["scheduled_at"],
        }

    def add_service_errors(self, error: ValidationError):
        """A service's refusal beside its field; a text's beside the textarea of its language."""
        for key, messages in error.message_dict.items():
            if key.startswith("body_") and key not in self.fields:
                key = getattr(self, "language_field", {}).get(key.removeprefix("body_"), None)
            self.add_error(key if key in self.fields else None, messages)


def _campaign_initial(campaign) -> dict:
    initial = {
        "name": campaign.name,
        "residences": list(campaign.residences.values_list("pk", flat=True)),
        "stages": campaign.stages,
        "categories": campaign.categories,
        "languages": campaign.languages,
        "session_place": campaign.session_place,
    }
    for prefix, moment in (("session", campaign.session_at), ("scheduled", campaign.scheduled_at)):
        if moment:
            local = timezone.localtime(moment)
            initial[f"{prefix}_on"] = local.date()
            initial[f"{prefix}_time"] = local.time().replace(second=0, microsecond=0)
    others = [v for v in campaign.variants.all() if v.language != "fra"]
    for variant in campaign.variants.all():
        if variant.language == "fra":
            initial["body_fra"] = variant.body
    for index, variant in enumerate(others[:EXTRA_LANGUAGES], start=1):
        initial[f"language_{index}"] = variant.language
        initial[f"body_{index}"] = variant.body
    return initial
