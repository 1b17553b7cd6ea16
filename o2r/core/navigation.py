"""The navigation bar: an entry shows when the access table gives the user its action (None:
every signed-in user). Each app adds its entries here as it gains pages."""

from dataclasses import dataclass

from django.urls import reverse

from o2r import access
from o2r.access import Action


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    action: Action | None = None
    # A count shown beside the label, loaded by htmx after the page (no query on every page).
    badge_url_name: str = ""


ENTRIES = [
    NavEntry("Accueil", "home"),
    NavEntry("Résidents", "residents:list", Action.RESIDENT_LIST),
    NavEntry("Signalements", "outreach:referrals", Action.REFERRAL_HANDLE),
    NavEntry("Signaler", "outreach:referral_new", Action.REFERRAL_FILE),
    NavEntry("Entreprises", "employers:list", Action.EMPLOYER_READ),
    NavEntry("Offres", "employers:openings", Action.OPENING_READ),
    NavEntry("Accompagnements", "employment:caseload", Action.CASELOAD_READ),
    NavEntry("Orientations", "employment:orientations", Action.ORIENTATION_READ),
    NavEntry("Campagnes SMS", "outreach:campaigns", Action.SMS_CAMPAIGN_READ),
    NavEntry("Tableau de bord", "dashboard:home", Action.DASHBOARD_READ),
    NavEntry("Mes rappels", "reminders:mine", Action.REMINDERS_OWN, "reminders:badge"),
    NavEntry("Test du worker", "worker_check", Action.WORKER_CHECK),
    NavEntry("Administration", "admin:index", Action.USERS_MANAGE),
]


def entries_for(user):
    if not user.is_authenticated:
        return []
    return [
        {
            "label": entry.label,
            "url": reverse(entry.url_name),
            "badge_url": reverse(entry.badge_url_name) if entry.badge_url_name else "",
        }
        for entry in ENTRIES
        if entry.action is None or access.allows(user, entry.action)
    ]
