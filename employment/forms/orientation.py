"""Forms of the orientation screens: orienting a person (the insertion officer), and the
answer of the employment organisation (accept, or assign to a coach; decline with a reason)."""

from django import forms

from o2r import access
from o2r.access import Action
from o2r.accounts.enums import OrganisationKind
from o2r.accounts.models import Organisation, User
from o2r.core.forms import TokenForm


def coaches_of(organisation_id):
    """The active coaches of an organisation (those the access table lets accompany)."""
    return (
        User.objects.filter(access.users_with(Action.RESIDENT_ACCOMPANY))
        .filter(organisation=organisation_id)
        .order_by("last_name", "first_name", "pk")
    )


class CoachChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class OrganisationCoachChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.organisation})"


class OrientForm(TokenForm):
    organisation = forms.ModelChoiceField(
        label="Structure d'accompagnement vers l'emploi",
        queryset=Organisation.objects.filter(kind=OrganisationKind.EMPLOYMENT),
        empty_label="Choisissez…",
        error_messages={
            "required": "Choisissez une structure d'accompagnement vers l'emploi.",
            "invalid_choice": "Choisissez une structure de la liste.",
        },
    )
    coach = OrganisationCoachChoiceField(
        label="Chargée de mission (facultatif)",
        queryset=User.objects.none(),
        required=False,
        empty_label="La structure choisit",
        help_text="Si vous savez qui, dans la structure, accompagnera la personne.",
        error_messages={"invalid_choice": "Choisissez une chargée de mission de la liste."},
    )
    reason = forms.CharField(
        label="Pourquoi cette orientation",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text="Ce que la personne veut, ce qui est prêt, ce qui reste à lever. La structure "
        "lit ce texte avant d'accepter : pas de santé, ni de religion, d'opinion ou d'origine.",
        error_messages={
            "required": "Dites en quelques mots pourquoi vous orientez la personne.",
            "max_length": "1000 caractères au plus.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = (
            User.objects.filter(access.users_with(Action.RESIDENT_ACCOMPANY))
            .filter(organisation__kind=OrganisationKind.EMPLOYMENT)
            .select_related("organisation")
            .order_by("organisation__name", "last_name", "first_name", "pk")
        )

    def clean(self):
        data = super().clean()
        organisation, coach = data.get("organisation"), data.get("coach")
        if organisation and coach and coach.organisation_id != organisation.pk:
            self.add_error("coach", f"Choisissez une chargée de mission de {organisation}.")
        return data


class AcceptForm(forms.Form):
    """A coach accepts for herself (no field); whoever the table lets assign chooses the
    coach among the active ones of her organisation."""

    coach = CoachChoiceField(
        label="Confier à",
        queryset=User.objects.none(),
        empty_label="Choisissez la chargée de mission…",
        error_messages={
            "required": "Choisissez la chargée de mission qui accompagnera la personne.",
            "invalid_choice": "Choisissez une chargée de mission de votre structure.",
        },
    )

    def __init__(self, *args, user, orientation, **kwargs):
        kwargs.setdefault("auto_id", "accept_%s")
        if orientation.coach_id:
            kwargs.setdefault("initial", {"coach": orientation.coach_id})
        super().__init__(*args, **kwargs)
        self.assigns = access.allows(user, Action.ORIENTATION_ASSIGN)
        if self.assigns:
            self.fields["coach"].queryset = coaches_of(user.organisation_id)
        else:
            del self.fields["coach"]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text="La chargée d'insertion qui a orienté la personne le lit.",
        error_messages={
            "required": "Indiquez le motif du refus.",
            "max_length": "500 caractères au plus.",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "decline_%s")
        super().__init__(*args, **kwargs)
