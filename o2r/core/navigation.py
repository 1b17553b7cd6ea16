"""The navigation bar by role. Each app adds its entries here as it gains pages."""

from dataclasses import dataclass

from django.urls import reverse

from o2r.accounts.enums import Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset


ENTRIES = [
    NavEntry("Accueil", "home", ALL_ROLES),
    NavEntry(
        "Résidents",
        "residents:list",
        frozenset({Role.INSERTION_OFFICER, Role.JOB_COACH, Role.MANAGER}),
    ),
    NavEntry(
        "Mes rappels",
        "reminders:mine",
        frozenset({Role.INSERTION_OFFICER, Role.JOB_COACH}),
    ),
    NavEntry("Test du worker", "worker_check", frozenset({Role.ADMINISTRATOR})),
    NavEntry("Administration", "admin:index", frozenset({Role.ADMINISTRATOR})),
]


def entries_for(user):
    if not user.is_authenticated:
        return []
    return [
        {"label": entry.label, "url": reverse(entry.url_name)}
        for entry in ENTRIES
        if user.role in entry.roles
    ]
