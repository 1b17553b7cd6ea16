import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie : le mot de passe "
            "tient compte des majuscules."
        ),
        "inactive": (
            "Ce compte est désactivé. Adressez-vous à l'administratrice de votre organisation."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Adresse e-mail"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "inputmode": "email"}
        )
        self.fields["username"].max_length = 254


class CodeForm(forms.Form):
    """The 6-digit code of an authenticator app, checked against one device."""

    code = forms.CharField(
        label="Code à 6 chiffres",
        min_length=6,
        max_length=6,
        help_text="Le code affiché par votre application d'authentification.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
        error_messages={
            "required": "Saisissez le code à 6 chiffres.",
            "min_length": "Le code compte 6 chiffres.",
            "max_length": "Le code compte 6 chiffres.",
        },
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("Le code ne contient que des chiffres.")
        allowed, why = self.device.verify_is_allowed()
        if not allowed:
            seconds = _seconds_until(why)
            raise forms.ValidationError(
                "Trop de codes erronés : attendez %(seconds)s seconde%(plural)s avant de "
                "réessayer.",
                params={"seconds": seconds, "plural": "s" if seconds > 1 else ""},
            )
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                "Ce code n'est pas le bon, ou il a expiré. Saisissez le code affiché en ce moment."
            )
        return code


def _seconds_until(why) -> int:
    locked_until = (why or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
