from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
