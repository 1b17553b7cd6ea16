"""Forms of the outreach screens. They validate what the user typed; the services decide
(and refuse in French, keyed by field: `add_service_errors`)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from o2r.access import Action
from o2r.core.forms import TokenForm
from residents.forms import DateInput
from residents.models import Residence, Resident

from .enums import Outcome, ReferralOutcome, ReferralSource
from .models import SUMMARY_MAX, OutreachAction


class OutcomeField(forms.ChoiceField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Suite donnée")
        kwargs.setdefault("error_messages", {"required": "Choisissez la suite donnée."})
        super().__init__(choices=Outcome.choices, **kwargs)


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
