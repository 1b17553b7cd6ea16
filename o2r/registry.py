"""The extension points named in settings (O2R_TIMELINE_SOURCES, O2R_CONSENT_WITHDRAWAL_EFFECTS,
O2R_ACTIVITY_SOURCES, O2R_PERSONAL_DATA_SOURCES): dotted paths to functions (or, for
O2R_PERSONAL_DATA_SOURCES, to modules) of the apps that take part, so that the app calling them
imports none of their owners."""

from importlib import import_module

from django.conf import settings
from django.utils.module_loading import import_string


def functions(setting: str) -> list:
    return [import_string(path) for path in getattr(settings, setting)]


def modules(setting: str) -> list:
    """Hooks that are modules (several functions and constants each, e.g. a personal-data
    source's export, erase, purge_unlinked and MODELS)."""
    return [import_module(path) for path in getattr(settings, setting)]
