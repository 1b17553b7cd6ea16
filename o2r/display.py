"""A stored value as a person reads it: a choice's label, "oui"/"non", French dates. The
file's history page and the right-of-access export both show values this way."""

import datetime

from django.utils import timezone


def readable(field, value, *, phone="national") -> str:
    """`value` of the (non-relation) model `field`; `phone`: "national" for a page,
    "e164" for an export."""
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "as_e164"):
        if not value.is_valid():
            return str(value.raw_input)
        return value.as_national if phone == "national" else value.as_e164
    return str(value)
