"""Form helpers every app's screens share."""

import uuid

from django import forms
from django.core.exceptions import ValidationError


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def new_token():
    return uuid.uuid4()


def add_service_errors(form, error: ValidationError):
    """A service's refusal beside the field it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class TokenForm(forms.Form):
    """A form with a token made when it is shown: the same submission twice writes one row."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", new_token())
        super().__init__(*args, **kwargs)
