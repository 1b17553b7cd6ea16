from django import forms

from .enums import OptOutScope

REASON_MAX = 200


class OptOutForm(forms.Form):
    scope = forms.ChoiceField(
        label="La personne ne veut plus recevoir",
        choices=OptOutScope.choices,
        error_messages={
            "required": "Choisissez quels SMS.",
            "invalid_choice": "Choisissez quels SMS.",
        },
    )

    def __init__(self, *args, scopes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scopes is not None:
            self.fields["scope"].choices = [(s.value, s.label) for s in scopes]


class ResendForm(forms.Form):
    reason = forms.CharField(
        label="Pourquoi le renvoyer",
        max_length=REASON_MAX,
        help_text="Par exemple : la personne dit ne pas l'avoir reçu.",
        error_messages={
            "required": "Dites pourquoi vous le renvoyez.",
            "max_length": "200 caractères au plus.",
        },
    )


class MatchForm(forms.Form):
    resident = forms.TypedChoiceField(
        label="C'est la réponse de",
        coerce=int,
        error_messages={
            "required": "Choisissez la personne.",
            "invalid_choice": "Choisissez une personne de la liste.",
        },
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [
            (r.pk, f"{r.first_name} {r.last_name.upper()} — {r.residence}") for r in candidates
        ]
