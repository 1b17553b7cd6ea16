from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "o2r.dashboard"
    label = "dashboard"
    verbose_name = "Tableau de bord"
