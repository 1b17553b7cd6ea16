"""SMS backends, chosen by settings.SMS_BACKEND: console, file (the zero-configuration
default), locmem (tests), brevo (the real provider)."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import BaseBackend, OutgoingSms, SmsNotSent, SmsOutcomeUnknown, SmsRejected

BACKENDS = {
    "console": "o2r.sms.backends.console.ConsoleBackend",
    "file": "o2r.sms.backends.file.FileBackend",
    "locmem": "o2r.sms.backends.locmem.LocmemBackend",
    "brevo": "o2r.sms.backends.brevo.BrevoBackend",
}

__all__ = [
    "BACKENDS",
    "BaseBackend",
    "OutgoingSms",
    "SmsNotSent",
    "SmsOutcomeUnknown",
    "SmsRejected",
    "get_backend",
]


def get_backend() -> BaseBackend:
    name = settings.SMS_BACKEND
    return import_string(BACKENDS.get(name, name))()
